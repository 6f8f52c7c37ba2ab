import * as gg from "../../../src/index.js";
import type { W4Data } from "../../data/datasets.js";
import type { Multiplier } from "../../protocol.js";
import type { W4Config } from "../../workloads.js";

/** C = A·B compiled once; A and B are fed on every run, C comes back as a host Tensor. */
export async function w4(backend: gg.Backend, c: W4Config, d: W4Data): Promise<Multiplier> {
  const a = gg.input("a", [c.n, c.n]);
  const b = gg.input("b", [c.n, c.n]);
  const product = await gg.compile({ outputs: { c: gg.matmul(a, b) } }, { backend });
  const feeds = { a: gg.tensorFrom(d.a, "float32", [c.n, c.n]), b: gg.tensorFrom(d.b, "float32", [c.n, c.n]) };
  return {
    multiply: async () => {
      const out = (await product.run(feeds))["c"];
      if (out === undefined || !(out.data instanceof Float32Array)) throw new Error("matmul gave no float32 result");
      return out.data;
    },
  };
}
