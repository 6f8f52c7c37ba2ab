import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

/**
 * Batch normalization against a plain-JS float64 reference of TF's formulas:
 *   training:  μ, σ² = mean and biased variance of x over the reduced axes
 *   y = γ·(x - μ)/sqrt(σ² + ε) + β;   moving ← moving·momentum + batch·(1 - momentum)
 *   inference: the same y with the moving statistics.
 */

const values = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data as ArrayLike<number>);
const near = (a: readonly number[], b: readonly number[], tol = 1e-12): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThan(tol * Math.max(1, Math.abs(b[i] as number))));
};

/** Per-channel (last axis) mean and biased variance of row-major data with C channels. */
function channelMoments(xs: readonly number[], c: number): { mean: number[]; variance: number[] } {
  const n = xs.length / c;
  const mean = Array.from({ length: c }, (_, k) => xs.filter((_v, i) => i % c === k).reduce((a, b) => a + b, 0) / n);
  const variance = mean.map((m, k) => xs.filter((_v, i) => i % c === k).reduce((a, b) => a + (b - m) ** 2, 0) / n);
  return { mean, variance };
}

const normalize = (xs: readonly number[], c: number, mean: readonly number[], variance: readonly number[], gamma: readonly number[], beta: readonly number[], eps: number): number[] =>
  xs.map((x, i) => {
    const k = i % c;
    return ((gamma[k] as number) * (x - (mean[k] as number))) / Math.sqrt((variance[k] as number) + eps) + (beta[k] as number);
  });

// x [2, 3, 2, C=3] (channels last), values spread differently per channel.
const C = 3;
const xShape = [2, 3, 2, C];
const xs = Array.from({ length: 36 }, (_, i) => Math.sin(1.3 * i) * (1 + (i % C)) + (i % C) * 2);
const gammaV = [1.5, 0.5, -2];
const betaV = [0.1, -0.3, 2];
const meanV = [0.2, 1.5, 3];
const varV = [0.9, 2.5, 4];

function model(training: boolean | gg.Expr, options: { momentum?: number; eps?: number } = {}) {
  const p = gg.nn.batchNormParams("bn", C, { dtype: "float64" });
  const x = gg.input("x", [null, 3, 2, C], "float64");
  return { p, x, ...gg.nn.batchNorm(x, { ...p, training, ...options }) };
}
const feeds = {
  x: gg.tensorFrom(Float64Array.from(xs), "float64", xShape),
  "bn/gamma": gammaV,
  "bn/beta": betaV,
  "bn/movingMean": meanV,
  "bn/movingVariance": varV,
};
/** The feeds a graph reads (the JS backend rejects unknown feed names). */
const feedsOf = (...names: readonly (keyof typeof feeds)[]): Partial<typeof feeds> => Object.fromEntries(names.map((n) => [n, feeds[n]]));

describe("batchNormParams", () => {
  it("names, shapes and initial values (gamma 1, beta 0, moving mean 0, moving variance 1)", async () => {
    const p = gg.nn.batchNormParams("layer1/bn", [4, 2]);
    expect(p.specs.map((s) => [s.name, s.shape])).toEqual([
      ["layer1/bn/gamma", [4, 2]],
      ["layer1/bn/beta", [4, 2]],
      ["layer1/bn/movingMean", [4, 2]],
      ["layer1/bn/movingVariance", [4, 2]],
    ]);
    const v = await gg.init.values(p.specs, gg.random.key(0));
    expect(values(v["layer1/bn/gamma"])).toEqual(Array(8).fill(1));
    expect(values(v["layer1/bn/beta"])).toEqual(Array(8).fill(0));
    expect(values(v["layer1/bn/movingMean"])).toEqual(Array(8).fill(0));
    expect(values(v["layer1/bn/movingVariance"])).toEqual(Array(8).fill(1));
    const bare = gg.nn.batchNormParams("b", 3, { center: false, scale: false });
    expect(bare.gamma).toBeUndefined();
    expect(bare.beta).toBeUndefined();
    expect(bare.specs.map((s) => s.name)).toEqual(["b/movingMean", "b/movingVariance"]);
  });
});

describe("batchNorm in training", () => {
  it("normalizes each channel with the batch statistics", async () => {
    const { y } = model(true);
    const out = values(await gg.evaluate(y, feedsOf("x", "bn/gamma", "bn/beta")));
    const { mean, variance } = channelMoments(xs, C);
    near(out, normalize(xs, C, mean, variance, gammaV, betaV, 1e-3));
    // With γ = 1, β = 0 each channel has mean 0 and variance σ²/(σ² + ε).
    const plain = values(await gg.evaluate(y, { ...feedsOf("x"), "bn/gamma": [1, 1, 1], "bn/beta": [0, 0, 0] }));
    const m = channelMoments(plain, C);
    near(m.mean, [0, 0, 0]);
    near(m.variance, variance.map((v) => v / (v + 1e-3)));
  });

  it("returns the moving statistics' new values by parameter name, by TF's formula", async () => {
    const momentum = 0.9;
    const { updates } = model(true, { momentum, eps: 1e-5 });
    expect(Object.keys(updates).sort()).toEqual(["bn/movingMean", "bn/movingVariance"]);
    const r = await gg.evaluate({ ...updates }, feedsOf("x", "bn/movingMean", "bn/movingVariance"));
    const { mean, variance } = channelMoments(xs, C);
    near(values(r["bn/movingMean"]), meanV.map((m, k) => m * momentum + (mean[k] as number) * (1 - momentum)));
    near(values(r["bn/movingVariance"]), varV.map((v, k) => v * momentum + (variance[k] as number) * (1 - momentum)));
  });

  it("reduces over the given axes (stats of the kept axes' shape)", async () => {
    // x [4, 3, 5], axes [0, 2]: one statistic per index of axis 1.
    const shape = [4, 3, 5];
    const data = Array.from({ length: 60 }, (_, i) => Math.cos(0.7 * i) * (1 + Math.floor(i / 5) % 3));
    const p = gg.nn.batchNormParams("bn", 3, { dtype: "float64" });
    const x = gg.input("x", shape, "float64");
    const { y, updates } = gg.nn.batchNorm(x, { ...p, training: true, axes: [0, 2], eps: 0.01, momentum: 0.5 });
    const outputs: Record<string, gg.Expr> = { y, ...updates }; // a spread keeps no index signature: name the record's type
    const r = await gg.evaluate(outputs, { x: gg.tensorFrom(Float64Array.from(data), "float64", shape), "bn/gamma": [1, 2, 3], "bn/beta": [0, 1, 0], "bn/movingMean": [0, 0, 0], "bn/movingVariance": [1, 1, 1] });
    // Channel of element i = floor(i / 5) % 3.
    const ch = (i: number): number => Math.floor(i / 5) % 3;
    const mean = [0, 1, 2].map((k) => data.filter((_v, i) => ch(i) === k).reduce((a, b) => a + b, 0) / 20);
    const variance = [0, 1, 2].map((k) => data.filter((_v, i) => ch(i) === k).reduce((a, b) => a + (b - (mean[k] as number)) ** 2, 0) / 20);
    near(values(r["y"]), data.map((v, i) => ((ch(i) + 1) * (v - (mean[ch(i)] as number))) / Math.sqrt((variance[ch(i)] as number) + 0.01) + (ch(i) === 1 ? 1 : 0)));
    near(values(r["bn/movingMean"]), mean.map((m) => 0.5 * m));
    near(values(r["bn/movingVariance"]), variance.map((v) => 0.5 + 0.5 * v));
  });
});

describe("batchNorm at inference", () => {
  it("uses the moving statistics and returns no updates", async () => {
    const { y, updates } = model(false);
    expect(updates).toEqual({});
    near(values(await gg.evaluate(y, feeds)), normalize(xs, C, meanV, varV, gammaV, betaV, 1e-3));
  });

  it("training fed at run time picks the batch or the moving statistics (and leaves them unchanged at inference)", async () => {
    const training = gg.input("training", [], "bool");
    const { y, updates } = model(training);
    const outputs: Record<string, gg.Expr> = { y, ...updates };
    const exe = await gg.compile({ outputs });
    const on = await exe.run({ ...feeds, training: true });
    const off = await exe.run({ ...feeds, training: false });
    const { mean, variance } = channelMoments(xs, C);
    near(values(on["y"]), normalize(xs, C, mean, variance, gammaV, betaV, 1e-3));
    near(values(off["y"]), normalize(xs, C, meanV, varV, gammaV, betaV, 1e-3));
    expect(values(off["bn/movingMean"])).toEqual(meanV);
    expect(values(off["bn/movingVariance"])).toEqual(varV);
    near(values(on["bn/movingMean"]), meanV.map((m, k) => m * 0.99 + (mean[k] as number) * 0.01));
  });
});

describe("batchNorm gradients and the train step", () => {
  it("matches finite differences through the batch statistics (x, gamma, beta)", async () => {
    const p = gg.nn.batchNormParams("bn", 2, { dtype: "float64" });
    await checkGrads(
      (x, gamma, beta) => gg.nn.batchNorm(x, { gamma, beta, movingMean: p.movingMean, movingVariance: p.movingVariance, training: true, eps: 0.1 }).y,
      [
        { shape: [4, 2], values: [0.3, -1.2, 1.1, 0.4, -0.5, 2.0, 0.9, -0.7] },
        { shape: [2], values: [1.3, -0.6] },
        { shape: [2], values: [0.2, 0.5] },
      ],
    );
  });

  it("trainStep({ updates }) assigns the new moving statistics in the step and does not train them", async () => {
    const bn = gg.nn.batchNormParams("bn", 2, { dtype: "float64" });
    const w = gg.param("w", [2, 1], "float64");
    const x = gg.input("x", [null, 2], "float64");
    const t = gg.input("t", [null, 1], "float64");
    const { y, updates } = gg.nn.batchNorm(x, { ...bn, training: true, momentum: 0.8 });
    const loss = gg.losses.meanSquaredError(t, gg.matmul(y, w));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), updates });
    expect([...step.trainable].sort()).toEqual(["bn/beta", "bn/gamma", "w"]);
    const init = await gg.init.values([...bn.specs, { name: "w", shape: [2, 1], dtype: "float64", init: gg.init.constant(0.5) }], gg.random.key(0));
    let state = await step.init(init);
    const batches = [
      [[1, 2], [3, 5], [0, -1]],
      [[2, 2], [-1, 4], [0.5, 0]],
    ];
    let mm = [0, 0];
    let mv = [1, 1];
    for (const xb of batches) {
      [state] = await step.run(state, { x: xb, t: [[1], [0], [1]] });
      const { mean, variance } = channelMoments(xb.flat(), 2);
      mm = mm.map((m, k) => m * 0.8 + (mean[k] as number) * 0.2);
      mv = mv.map((v, k) => v * 0.8 + (variance[k] as number) * 0.2);
      near(values(state.params["bn/movingMean"]), mm);
      near(values(state.params["bn/movingVariance"]), mv);
    }
    expect(values(state.params["bn/gamma"])).not.toEqual([1, 1]);
  });

  it("rejects statistics of the wrong shape and moving statistics that are not parameters", () => {
    const x = gg.input("x", [4, 3]);
    const p = gg.nn.batchNormParams("bn", 2);
    expect(() => gg.nn.batchNorm(x, { ...p, training: true })).toThrow(/shape of the axes kept, \[3\]/);
    expect(() => gg.nn.batchNorm(x, { movingMean: gg.zeros([3]), movingVariance: gg.ones([3]), training: true })).toThrow(/must be a param/);
  });
});
