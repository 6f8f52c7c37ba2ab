import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const values = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data as ArrayLike<number>);

describe("dense", () => {
  it("denseParams: names, shapes, default initializers (Glorot uniform kernel, zero bias)", async () => {
    const p = gg.nn.denseParams("fc1", 30, 20);
    expect(p.specs.map((s) => [s.name, s.shape, s.dtype])).toEqual([
      ["fc1/kernel", [30, 20], "float32"],
      ["fc1/bias", [20], "float32"],
    ]);
    const v = await gg.init.values(p.specs, gg.random.key(0));
    const limit = Math.sqrt(6 / 50);
    expect(values(v["fc1/kernel"]).every((w) => Math.abs(w) <= limit)).toBe(true);
    expect(values(v["fc1/bias"])).toEqual(Array(20).fill(0));
    const noBias = gg.nn.denseParams("fc2", 3, 2, { useBias: false, dtype: "float64" });
    expect(noBias.bias).toBeUndefined();
    expect(noBias.specs.map((s) => s.name)).toEqual(["fc2/kernel"]);
  });

  it("x·kernel + bias over the last axis, for rank 2 and rank 3 inputs, with an activation", async () => {
    const kernel = [[1, -2], [0.5, 3], [-1, 1]];
    const bias = [0.25, -4];
    const p = { kernel: gg.constant(kernel, "float64"), bias: gg.constant(bias, "float64") };
    const rows = [[1, 2, 3], [-1, 0, 2], [0.5, 0.5, -2], [4, -3, 1]];
    const ref = rows.map((r) => bias.map((b, j) => r.reduce((acc, v, m) => acc + v * ((kernel[m] as number[])[j] as number), b)));
    const flat = await gg.evaluate(gg.nn.dense(gg.constant(rows, "float64"), p));
    expect(values(flat)).toEqual(ref.flat());
    const batched = await gg.evaluate(gg.nn.dense(gg.constant([rows.slice(0, 2), rows.slice(2)], "float64"), p, gg.relu));
    expect(batched.shape).toEqual([2, 2, 2]);
    expect(values(batched)).toEqual(ref.flat().map((v) => Math.max(v, 0)));
    expect(() => gg.nn.dense(gg.constant([1, 2, 3]), p)).toThrow(/rank >= 2/);
  });
});

describe("embedding", () => {
  it("picks rows of the table for ids of any rank", async () => {
    const table = [[0, 1], [10, 11], [20, 21], [30, 31]];
    const out = await gg.evaluate(gg.nn.embedding(gg.constant([[3, 0, 1], [2, 2, 0]], "int32"), gg.constant(table)));
    expect(out.shape).toEqual([2, 3, 2]);
    expect(out.toArray()).toEqual([[table[3], table[0], table[1]], [table[2], table[2], table[0]]]);
    expect(() => gg.nn.embedding(gg.constant([0, 1]), gg.constant(table))).toThrow(/int32/);
  });

  it("embeddingParams: [vocab, dim], uniform ±0.05 by default", async () => {
    const e = gg.nn.embeddingParams("embedding", 100, 8);
    expect(e.table.shape).toEqual([100, 8]);
    const v = await gg.init.values(e.specs, gg.random.key(2));
    const xs = values(v["embedding"]);
    expect(xs.every((w) => Math.abs(w) <= 0.05)).toBe(true);
    expect(Math.max(...xs)).toBeGreaterThan(0.049);
  });

  it("its gradient scatters into the rows used, repeated ids summed (finite differences)", async () => {
    const ids = gg.constant([[1, 1], [3, 0]], "int32");
    await checkGrads((t) => gg.tanh(gg.nn.embedding(ids, t)), [{ shape: [4, 3], values: Array.from({ length: 12 }, (_, i) => Math.cos(i)) }]);
  });
});

describe("layers with initializers in a train step", () => {
  it("a two-layer MLP initialized by init.values trains (the loss falls) and is reproducible from the key", async () => {
    const l1 = gg.nn.denseParams("l1", 2, 8);
    const l2 = gg.nn.denseParams("l2", 8, 1);
    const x = gg.input("x", [null, 2]);
    const y = gg.input("y", [null, 1]);
    const loss = gg.losses.meanSquaredError(y, gg.nn.dense(gg.nn.dense(x, l1, gg.tanh), l2));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.05 }) });
    const batch = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]] };
    const train = async (seed: number): Promise<number[]> => {
      let state = await step.init(await gg.init.values(gg.nn.specsOf(l1, l2), gg.random.key(seed)));
      const losses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const [next, m] = await step.run(state, batch);
        state = next;
        losses.push(m["loss"] as number);
      }
      return losses;
    };
    const a = await train(1);
    expect(a[a.length - 1]).toBeLessThan(0.5 * (a[0] as number));
    expect(await train(1)).toEqual(a);
  });
});
