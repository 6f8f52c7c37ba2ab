import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads, sizeOf } from "../../src/testing/index.js";

const RUNS = { numRuns: 8 };
const f64 = (shape: readonly number[], values: readonly number[]): gg.Tensor => gg.tensorFrom(Float64Array.from(values), "float64", [...shape]);
const data = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data);

/** Independent float64 references: each group of `size` consecutive values (after `gather`) normalized. */
function normalizeGroups(xs: readonly number[], groupOf: (i: number) => number, eps: number, centre: boolean): number[] {
  const groups = new Map<number, number[]>();
  xs.forEach((v, i) => groups.set(groupOf(i), [...(groups.get(groupOf(i)) ?? []), v]));
  const stats = new Map([...groups].map(([g, vs]) => {
    const m = centre ? vs.reduce((a, b) => a + b, 0) / vs.length : 0;
    const v = vs.reduce((a, b) => a + (b - m) ** 2, 0) / vs.length;
    return [g, { m, s: Math.sqrt(v + eps) }] as const;
  }));
  return xs.map((v, i) => {
    const st = stats.get(groupOf(i)) as { m: number; s: number };
    return (v - st.m) / st.s;
  });
}

const close = (got: readonly number[], want: readonly number[], tol: number): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - (want[i] as number)), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i] as number))));
};

/** A shape of rank 1..3 ending in `channels`, and values. */
const caseArb = (channels: fc.Arbitrary<number>) =>
  fc.tuple(arb.shape({ maxRank: 2, maxDim: 3 }), channels).chain(([lead, c]) => {
    const shape = [...lead, c];
    return fc.tuple(fc.constant(shape), arb.values(sizeOf(shape), { min: -3, max: 3 }), arb.values(c, { min: 0.5, max: 2 }), arb.values(c, { min: -1, max: 1 }));
  });

describe("layerNorm and rmsNorm", () => {
  it("match float64 references over the last axis, with scale and offset (random shapes and values)", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.integer({ min: 1, max: 5 })), async ([shape, xs, scale, offset]) => {
        const c = shape[shape.length - 1] as number;
        const x = gg.input("x", shape, "float64");
        const p = { scale: gg.constant(scale, "float64"), offset: gg.constant(offset, "float64") };
        const r = await gg.evaluate({ ln: gg.nn.layerNorm(x, p), rms: gg.nn.rmsNorm(x, { scale: p.scale }, { eps: 1e-3 }), plain: gg.nn.layerNorm(x) }, { x: f64(shape, xs) });
        const row = (i: number): number => Math.floor(i / c);
        const ln = normalizeGroups(xs, row, 1e-5, true);
        close(data(r.ln), ln.map((v, i) => v * (scale[i % c] as number) + (offset[i % c] as number)), 1e-13);
        close(data(r.plain), ln, 1e-13);
        close(data(r.rms), normalizeGroups(xs, row, 1e-3, false).map((v, i) => v * (scale[i % c] as number)), 1e-13);
      }),
      RUNS,
    );
  });

  it("gradients of x, scale and offset match finite differences (float64)", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.integer({ min: 2, max: 4 })), async ([shape, xs, scale, offset]) => {
        const c = shape[shape.length - 1] as number;
        const inputs = [{ shape, values: xs }, { shape: [c], values: scale }, { shape: [c], values: offset }];
        await checkGrads((x, s, o) => gg.nn.layerNorm(x, { scale: s, offset: o }), inputs, { eps: 1e-6 });
        await checkGrads((x, s) => gg.nn.rmsNorm(x, { scale: s }), inputs.slice(0, 2), { eps: 1e-6 });
      }),
      { numRuns: 4 },
    );
  });

  it("second derivatives are right too (the mean is not held constant): hvp against differences of gradients", async () => {
    const xv = [0.3, -1.2, 2.0, 0.7];
    const x = gg.input("x", [4], "float64");
    const w = gg.constant([0.5, -1, 2, 0.25], "float64");
    const loss = gg.sum(gg.mul(gg.square(gg.nn.layerNorm(x)), w));
    const dir = [1, -0.5, 0.25, 2];
    const v = gg.input("v", [4], "float64");
    const hv = await gg.evaluate(gg.hvp(loss, x, v), { x: f64([4], xv), v: f64([4], dir) });
    const g = (at: number[]): Promise<gg.Tensor> => gg.evaluate(gg.grad(loss, x), { x: f64([4], at) });
    const h = 1e-5;
    const [gp, gm] = [await g(xv.map((a, i) => a + h * (dir[i] as number))), await g(xv.map((a, i) => a - h * (dir[i] as number)))];
    close(data(hv), data(gp).map((a, i) => (a - (data(gm)[i] as number)) / (2 * h)), 1e-6);
  });
});

describe("groupNorm (channels last)", () => {
  const groupCase = fc
    .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }))
    .chain(([n, h, w, groups, perGroup]) => {
      const c = groups * perGroup;
      const shape = [n, h, w, c];
      return fc.tuple(fc.constant({ shape, groups }), arb.values(sizeOf(shape), { min: -3, max: 3 }), arb.values(c, { min: 0.5, max: 2 }), arb.values(c, { min: -1, max: 1 }));
    });

  it("normalizes each example's group of channels over its spatial axes (float64 reference)", async () => {
    await fc.assert(
      fc.asyncProperty(groupCase, async ([{ shape, groups }, xs, scale, offset]) => {
        const c = shape[3] as number;
        const x = gg.input("x", shape, "float64");
        const y = gg.nn.groupNorm(x, { scale: gg.constant(scale, "float64"), offset: gg.constant(offset, "float64") }, { groups });
        const perExample = sizeOf(shape.slice(1));
        const groupOf = (i: number): number => Math.floor(i / perExample) * groups + Math.floor((i % c) / (c / groups));
        const want = normalizeGroups(xs, groupOf, 1e-5, true).map((v, i) => v * (scale[i % c] as number) + (offset[i % c] as number));
        close(data(await gg.evaluate(y, { x: f64(shape, xs) })), want, 1e-13);
      }),
      RUNS,
    );
  });

  it("gradients match finite differences (float64)", async () => {
    await fc.assert(
      fc.asyncProperty(groupCase, async ([{ shape, groups }, xs, scale, offset]) => {
        const c = shape[3] as number;
        await checkGrads((x, s, o) => gg.nn.groupNorm(x, { scale: s, offset: o }, { groups }), [
          { shape, values: xs },
          { shape: [c], values: scale },
          { shape: [c], values: offset },
        ], { eps: 1e-6 });
      }),
      { numRuns: 4 },
    );
  });

  it("refuses groups that do not divide the channels, a wrong scale, integer inputs", () => {
    const x = gg.input("x", [2, 3, 3, 6]);
    expect(() => gg.nn.groupNorm(x, undefined, { groups: 4 })).toThrow(/groups must be a positive divisor of the 6 channels, got 4/);
    expect(() => gg.nn.layerNorm(x, { scale: gg.ones([5]) })).toThrow(/scale must be \[6\]/);
    expect(() => gg.nn.layerNorm(gg.input("i", [2, 3], "int32"))).toThrow(gg.GraphgradError);
    expect(() => gg.nn.rmsNorm(x, undefined, { eps: -1 })).toThrow(/eps/);
  });
});

describe("normalization parameters and backends", () => {
  it("params are named under the prefix or scope, scale ones and offset zeros", async () => {
    const p = gg.nn.layerNormParams(gg.nn.scope("enc").child("norm"), 3);
    expect(p.specs.map((s) => s.name)).toEqual(["enc/norm/scale", "enc/norm/offset"]);
    expect(gg.nn.rmsNormParams("rms", 3).specs.map((s) => s.name)).toEqual(["rms/scale"]);
    const v = await gg.init.values(gg.nn.specsOf(p, gg.nn.groupNormParams("g", 2)), gg.random.key(0));
    expect([data(v["enc/norm/scale"]), data(v["enc/norm/offset"]), data(v["g/scale"])]).toEqual([[1, 1, 1], [0, 0, 0], [1, 1]]);
  });

  it("WASM matches the JS reference bit for bit (float32: elementwise ops and reductions only)", async () => {
    const x = gg.input("x", [2, 4, 4, 6]);
    const p = { scale: gg.input("s", [6]), offset: gg.input("o", [6]) };
    const outputs = { ln: gg.nn.layerNorm(x, p), rms: gg.nn.rmsNorm(x, p), gn: gg.nn.groupNorm(x, p, { groups: 3 }), gelu: gg.gelu(x), tanhGelu: gg.gelu(x, { approximate: true }), silu: gg.silu(x) };
    const feeds = { x: gg.tensorFrom(Float32Array.from({ length: 192 }, (_, i) => 3 * Math.sin(i * 0.7)), "float32", [2, 4, 4, 6]), s: [1, 2, 0.5, -1, 1.5, 1], o: [0, 0.1, -0.2, 0.3, 0, 1] };
    const [a, b] = [await gg.evaluate(outputs, feeds), await gg.evaluate(outputs, feeds, { backend: "wasm" })];
    for (const k of Object.keys(outputs) as (keyof typeof outputs)[]) expect(data(b[k]), k).toEqual(data(a[k]));
  });
});

describe("gelu and silu", () => {
  it("exact GELU is x·Φ(x), the tanh form within 5e-4 of it; SiLU is x·σ(x)", async () => {
    const xs = Array.from({ length: 81 }, (_, i) => -8 + i * 0.2);
    const x = gg.input("x", [xs.length], "float64");
    const r = await gg.evaluate({ exact: gg.gelu(x), tanh: gg.nn.gelu(x, { approximate: true }), silu: gg.nn.silu(x) }, { x: f64([xs.length], xs) });
    // Φ by its series (independent of erf): Φ(x) = ½ + φ(x)·Σ x^(2n+1)/(1·3·…·(2n+1)).
    const phi = (v: number): number => {
      let term = v;
      let sum = v;
      for (let n = 1; n < 400; n++) sum += term *= (v * v) / (2 * n + 1);
      return 0.5 + (Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI)) * sum;
    };
    close(data(r.exact), xs.map((v) => v * phi(v)), 1e-13);
    close(data(r.tanh), xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))), 1e-15);
    data(r.tanh).forEach((t, i) => expect(Math.abs(t - (data(r.exact)[i] as number))).toBeLessThan(5e-4));
    close(data(r.silu), xs.map((v) => v / (1 + Math.exp(-v))), 1e-15);
  });

  it("gradients match finite differences (float64, both GELU forms and SiLU)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.shape({ maxRank: 2, maxDim: 3 }).chain((s) => arb.values(sizeOf(s), { min: -4, max: 4 }).map((values) => ({ shape: s, values }))), async (c) => {
        await checkGrads((x) => gg.gelu(x), [c]);
        await checkGrads((x) => gg.gelu(x, { approximate: true }), [c]);
        await checkGrads((x) => gg.silu(x), [c]);
      }),
      { numRuns: 6 },
    );
  });
});
