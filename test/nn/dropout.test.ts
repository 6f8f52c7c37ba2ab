import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const values = (t: gg.Tensor): number[] => Array.from(t.data as ArrayLike<number>);

describe("dropout (TF semantics)", () => {
  it("keeps a keepProb fraction of elements (5σ binomial), scaled by exactly 1/keepProb, the rest 0", async () => {
    const keep = 0.7;
    const x = gg.ones([100, 120]);
    const y = values(await gg.evaluate(gg.nn.dropout(x, { keepProb: keep, key: gg.random.key(5) })));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => v === Math.fround(1 / Math.fround(keep)))).toBe(true);
    const n = y.length;
    expect(Math.abs(kept.length - n * keep)).toBeLessThan(5 * Math.sqrt(n * keep * (1 - keep)));
  });

  it("preserves the expected value: Σ dropout(x) ≈ Σ x within 5σ", async () => {
    const rate = 0.4;
    const keep = 1 - rate;
    const xs = Array.from({ length: 20000 }, (_, i) => 1 + (i % 7) * 0.5);
    const x = gg.constant(xs, "float64");
    const y = values(await gg.evaluate(gg.nn.dropout(x, { rate, key: gg.random.key(9) })));
    const sum = (a: readonly number[]): number => a.reduce((p, q) => p + q, 0);
    // Each term is x/keep with probability keep, else 0: variance x²·(1 - keep)/keep.
    const sigma = Math.sqrt(sum(xs.map((v) => (v * v * (1 - keep)) / keep)));
    expect(Math.abs(sum(y) - sum(xs))).toBeLessThan(5 * sigma);
    // Each output is 0 or its input / keep.
    expect(y.every((v, i) => v === 0 || v === (xs[i] as number) / keep)).toBe(true);
  });

  it("the same key gives the same mask, another key another", async () => {
    const x = gg.ones([50, 4]);
    const a = values(await gg.evaluate(gg.nn.dropout(x, { rate: 0.5, key: gg.random.key(1) })));
    const b = values(await gg.evaluate(gg.nn.dropout(x, { rate: 0.5, key: gg.random.key(1) })));
    const c = values(await gg.evaluate(gg.nn.dropout(x, { rate: 0.5, key: gg.random.key(2) })));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // The mask depends on the key and shape only: scaling x scales the output.
    const d = values(await gg.evaluate(gg.nn.dropout(gg.mul(x, 3), { rate: 0.5, key: gg.random.key(1) })));
    expect(d).toEqual(a.map((v) => v * 3));
  });

  it("is the identity when not training or with keepProb 1 (no key needed)", () => {
    const x = gg.input("x", [null, 3]);
    expect(gg.nn.dropout(x, { rate: 0.5, training: false })).toBe(x);
    expect(gg.nn.dropout(x, { keepProb: 1, key: gg.random.key(0) })).toBe(x);
  });

  it("training as a bool scalar fed at run time selects the dropped or the identity output", async () => {
    const x = gg.input("x", [null, 6], "float64");
    const training = gg.input("training", [], "bool");
    const k = gg.random.key(3);
    const exe = await gg.compile({ outputs: { y: gg.nn.dropout(x, { rate: 0.5, key: k, training }), fixed: gg.nn.dropout(x, { rate: 0.5, key: k }) } });
    const xs = [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]];
    const on = await exe.run({ x: xs, training: true });
    const off = await exe.run({ x: xs, training: false });
    expect(values(on["y"] as gg.Tensor)).toEqual(values(on["fixed"] as gg.Tensor));
    expect(values(off["y"] as gg.Tensor)).toEqual(xs.flat());
    expect(values(on["y"] as gg.Tensor)).not.toEqual(xs.flat());
  });

  it("works on a symbolic batch dimension", async () => {
    const x = gg.input("x", [null, 3]);
    const y = await gg.evaluate(gg.nn.dropout(x, { rate: 0.5, key: gg.random.key(0) }), { x: [[1, 1, 1], [1, 1, 1], [1, 1, 1]] });
    expect(y.shape).toEqual([3, 3]);
    expect(values(y).every((v) => v === 0 || v === 2)).toBe(true);
  });

  it("its gradient is mask/keepProb (finite differences)", async () => {
    await checkGrads((x) => gg.nn.dropout(x, { keepProb: 0.6, key: gg.random.key(11) }), [
      { shape: [3, 4], values: Array.from({ length: 12 }, (_, i) => Math.sin(i) + 0.1) },
    ]);
  });

  it("rejects a missing key when training, a bad keepProb and an integer input", () => {
    const x = gg.ones([2]);
    expect(() => gg.nn.dropout(x, { rate: 0.5 })).toThrow(/key is required/);
    expect(() => gg.nn.dropout(x, { keepProb: 0, key: gg.random.key(0) })).toThrow(/keepProb must be in/);
    expect(() => gg.nn.dropout(x, { rate: 1, key: gg.random.key(0) })).toThrow(/keepProb must be in/);
    expect(() => gg.nn.dropout(gg.ones([2], "int32"), { rate: 0.5, key: gg.random.key(0) })).toThrow(/float32 or float64/);
  });
});
