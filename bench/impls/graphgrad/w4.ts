import * as gg from "../../../src/index.js";
import type { W4Data } from "../../data/datasets.js";
import type { Multiplier } from "../../protocol.js";
import type { W4Config } from "../../workloads.js";

/**
 * C = A·B compiled once and run bound (`exe.bind`). A and B are tensors graphgrad returned (a
 * graph whose outputs are its inputs), so once the backend holds them they are not copied in
 * again, as the peers keep theirs resident (TF.js and PyTorch tensors); C is read back to the
 * host on every run, into the array of the previous result (donated).
 */
export async function w4(backend: gg.Backend, c: W4Config, d: W4Data): Promise<Multiplier> {
  const a = gg.input("a", [c.n, c.n]);
  const b = gg.input("b", [c.n, c.n]);
  const product = await gg.compile({ outputs: { c: gg.matmul(a, b) } }, { backend });
  const own = await gg.compile({ outputs: { a, b } }, { backend });
  const held = await own.run({ a: gg.tensorFrom(d.a, "float32", [c.n, c.n]), b: gg.tensorFrom(d.b, "float32", [c.n, c.n]) });
  const feeds = [held.a, held.b];
  const step = product.bind(["a", "b"], { tensors: ["c"], scalars: [] });
  let last: gg.Tensor | undefined;
  return {
    multiply: async () => {
      const ran = step(feeds, last === undefined ? undefined : [last]);
      const out = (ran instanceof Promise ? await ran : ran).tensors[0];
      if (out === undefined || !(out.data instanceof Float32Array)) throw new Error("matmul gave no float32 result");
      last = out;
      return out.data;
    },
  };
}
