import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkTransformation, sizeOf } from "../../src/testing/index.js";

/**
 * Properties of the gradient transformations, `trainStep` and the sigmoid cross-entropy, on random
 * inputs (fast-check): clipping (TF's clip_by_global_norm / clip_by_value / clip_by_norm),
 * `chain(identity(), t) ≡ t`, purity of `update` and of `run`, and the stability of the loss.
 */

const { optim } = gg;
type Transform = gg.optim.GradientTransformation;

interface Case {
  readonly shape: number[];
  readonly values: number[];
}

/**
 * 1..3 float64 tensors of small random shapes, values in [-3, 3] times a scale from 1e-3 to 1e2.
 * Magnitudes under 1e-6 become 0: squares of values under ~1e-154 underflow, so the norm of a
 * tensor of such values is 0 (in TF's global_norm too), which is not what these properties are about.
 */
const tensorsArb: fc.Arbitrary<Case[]> = fc
  .tuple(
    fc.array(
      arb.shape({ maxRank: 2, maxDim: 3 }).chain((shape) => arb.values(sizeOf(shape), { min: -3, max: 3 }).map((values) => ({ shape, values: values.map((v) => (Math.abs(v) < 1e-6 ? 0 : v)) }))),
      { minLength: 1, maxLength: 3 },
    ),
    fc.constantFrom(1e-3, 0.1, 1, 10, 100),
  )
  .map(([ts, k]) => ts.map((t) => ({ shape: t.shape, values: t.values.map((v) => v * k) })));

const normOf = (vs: readonly number[]): number => Math.sqrt(vs.reduce((a, v) => a + v * v, 0));

/**
 * Runs `t.update` on the tensors as gradients g0, g1, ... (also passed as the parameters) from
 * `t`'s initial state; returns the updates in order and the metrics.
 */
async function applyTransform(t: Transform, cases: readonly Case[]): Promise<{ updates: number[][]; metrics: Record<string, number> }> {
  const grads: Record<string, gg.Expr> = {};
  cases.forEach((c, i) => (grads[`g${i}`] = gg.input(`g${i}`, c.shape, "float64")));
  const [updates, , metrics] = t.update(grads, t.init(grads), grads);
  const outputs: Record<string, gg.Expr> = {};
  for (const [n, u] of Object.entries(updates)) outputs[`u/${n}`] = u;
  for (const [n, m] of Object.entries(metrics)) outputs[`m/${n}`] = m;
  const feeds: Record<string, gg.Tensor> = {};
  cases.forEach((c, i) => (feeds[`g${i}`] = gg.tensorFrom(Float64Array.from(c.values), "float64", c.shape)));
  const r = await (await gg.compile({ outputs })).run(feeds);
  const m: Record<string, number> = {};
  for (const n of Object.keys(metrics)) m[n] = (r[`m/${n}`] as gg.Tensor).item();
  return { updates: cases.map((_, i) => [...(r[`u/g${i}`] as gg.Tensor).data]), metrics: m };
}

/**
 * u = k·g elementwise for the given k >= 0, to rounding (k here and in the graph come from norms
 * summed in different orders): the direction is kept.
 */
function expectScaledCopy(u: readonly number[], g: readonly number[], k: number): void {
  expect(k).toBeGreaterThanOrEqual(0);
  expect(u.length).toBe(g.length);
  u.forEach((v, i) => {
    const e = k * (g[i] as number);
    expect(Math.abs(v - e)).toBeLessThanOrEqual(1e-14 * Math.abs(e));
  });
}

describe("clipByGlobalNorm(c) (TF: t·c / max(global_norm, c))", () => {
  it("leaves a joint norm <= c, keeps every direction, reports the norm, and changes nothing under c", async () => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, fc.double({ min: 0.01, max: 20, noNaN: true }), async (cases, c) => {
        const { updates, metrics } = await applyTransform(optim.clipByGlobalNorm(c), cases);
        const norm = normOf(cases.flatMap((t) => t.values));
        expect(Math.abs((metrics["gradNorm"] as number) - norm)).toBeLessThanOrEqual(1e-14 * norm);
        expect(normOf(updates.flat())).toBeLessThanOrEqual(c * (1 + 1e-14));
        const k = c / Math.max(norm, c);
        updates.forEach((u, i) => expectScaledCopy(u, (cases[i] as Case).values, k));
        // Under c (by more than the rounding of the norm) the factor is c/c = 1 exactly.
        if (norm <= c * (1 - 1e-12)) updates.forEach((u, i) => expect(u).toEqual((cases[i] as Case).values));
      }),
      { numRuns: 40 },
    );
  });

  it("clips to norm c (to rounding) when over, and is the identity when under", async () => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, fc.double({ min: 0.05, max: 0.95, noNaN: true }), async (cases, ratio) => {
        const norm = normOf(cases.flatMap((t) => t.values));
        fc.pre(norm > 0);
        const over = await applyTransform(optim.clipByGlobalNorm(norm * ratio), cases);
        expect(Math.abs(normOf(over.updates.flat()) - norm * ratio)).toBeLessThanOrEqual(1e-14 * norm);
        const under = await applyTransform(optim.clipByGlobalNorm(norm / ratio), cases);
        under.updates.forEach((u, i) => expect(u).toEqual((cases[i] as Case).values));
      }),
      { numRuns: 25 },
    );
  });

  it("rejects a clip norm that is not positive", () => {
    expect(() => optim.clipByGlobalNorm(0)).toThrow(gg.GraphgradError);
    expect(() => optim.clipByGlobalNorm(Number.NaN)).toThrow(/clip norm/);
  });
});

describe("clipByNorm(c) (TF's clip_by_norm, per tensor) and clipByValue(lo, hi)", () => {
  it("clipByNorm: each tensor's norm <= c, directions kept, unchanged under c", async () => {
    await fc.assert(
      fc.asyncProperty(tensorsArb, fc.double({ min: 0.01, max: 20, noNaN: true }), async (cases, c) => {
        const { updates } = await applyTransform(optim.clipByNorm(c), cases);
        updates.forEach((u, i) => {
          const g = (cases[i] as Case).values;
          const n = normOf(g);
          expect(normOf(u)).toBeLessThanOrEqual(c * (1 + 1e-14));
          expectScaledCopy(u, g, c / Math.max(n, c));
          if (n <= c * (1 - 1e-12)) expect(u).toEqual(g);
        });
      }),
      { numRuns: 40 },
    );
  });

  it("clipByValue: every element clamped into [lo, hi], exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        tensorsArb,
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        async (cases, lo, width) => {
          const hi = lo + width;
          const { updates } = await applyTransform(optim.clipByValue(lo, hi), cases);
          updates.forEach((u, i) => expect(u).toEqual((cases[i] as Case).values.map((v) => Math.min(Math.max(v, lo), hi))));
        },
      ),
      { numRuns: 40 },
    );
    expect(() => optim.clipByValue(1, 0)).toThrow(/lo <= hi/);
  });
});

describe("the gradNorm metric of trainStep", () => {
  it("is the global norm of the raw gradients (computed in plain JS), and the clipped step is w - lr·g·c/max(n, c)", async () => {
    // loss = Σ a·v + Σ B·M, so the gradients are the fed a and B.
    const v = gg.param("v", [3], "float64");
    const M = gg.param("M", [2, 2], "float64");
    const a = gg.input("a", [3], "float64");
    const B = gg.input("B", [2, 2], "float64");
    const loss = gg.add(gg.sum(gg.mul(a, v)), gg.sum(gg.mul(B, M)));
    const c = 1.5;
    const lr = 0.25;
    const v0 = [1, 2, 3];
    const M0 = [0.5, -0.5, 2, -2];
    const step = await gg.trainStep({ loss, optimizer: optim.chain(optim.clipByGlobalNorm(c), optim.sgd({ lr })) });
    const s0 = await step.init({ v: v0, M: [M0.slice(0, 2), M0.slice(2)] });
    await fc.assert(
      fc.asyncProperty(arb.values(3, { min: -2, max: 2 }), arb.values(4, { min: -2, max: 2 }), async (av, bv) => {
        const [s1, metrics] = await step.run(s0, { a: av, B: [bv.slice(0, 2), bv.slice(2)] });
        const n = normOf([...av, ...bv]);
        expect(Math.abs((metrics["gradNorm"] as number) - n)).toBeLessThanOrEqual(1e-14 * n);
        const k = c / Math.max(n, c);
        const want = [...v0.map((x, i) => x - lr * k * (av[i] as number)), ...M0.map((x, i) => x - lr * k * (bv[i] as number))];
        const got = [...(s1.params["v"] as gg.Tensor).data, ...(s1.params["M"] as gg.Tensor).data];
        got.forEach((x, i) => expect(Math.abs(x - (want[i] as number))).toBeLessThanOrEqual(4e-15));
      }),
      { numRuns: 25 },
    );
  });
});

// ---- chain(identity(), t) ≡ t ----

const P_SHAPES: Readonly<Record<string, number[]>> = { a: [3], b: [2, 2] };

const TRANSFORMS: readonly (readonly [string, () => Transform])[] = [
  ["sgd", () => optim.sgd({ lr: 0.1 })],
  ["momentum (nesterov)", () => optim.momentum({ lr: 0.1, momentum: 0.9, nesterov: true })],
  ["adagrad", () => optim.adagrad({ lr: 0.1 })],
  ["rmsprop (centered, momentum)", () => optim.rmsprop({ lr: 0.1, centered: true, momentum: 0.5 })],
  ["adam", () => optim.adam({ lr: 0.1 })],
  ["adadelta", () => optim.adadelta({ lr: 1 })],
  ["clipByGlobalNorm", () => optim.clipByGlobalNorm(1)],
  ["scale", () => optim.scale(-0.3)],
  [
    "chain(clipByNorm, adam with an exponential schedule)",
    () => optim.chain(optim.clipByNorm(0.5), optim.adam({ lr: gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 2 }) })),
  ],
  ["adamw (mask record, nesterov, scheduled lr)", () => optim.adamw({ lr: gg.schedules.oneCycle({ transitionSteps: 10, peak: 0.1 }), mask: { a: true, b: false }, nesterov: true })],
  ["lion (mask function)", () => optim.lion({ lr: 0.1, mask: (_n, shape) => shape.length >= 2 })],
  ["masked(adam, a only)", () => optim.masked(optim.adam({ lr: 0.1 }), { a: true, b: false })],
  ["multiSteps(adamw, 3)", () => optim.multiSteps(optim.adamw({ lr: gg.schedules.warmupCosineDecay({ initial: 0, peak: 0.1, warmupSteps: 2, decaySteps: 8 }) }), 3)],
  ["ema", () => optim.ema({ decay: 0.9 })],
];

/** Parameters and gradients of the shapes P_SHAPES, as graph inputs. */
function paramsAndGrads(): { params: Record<string, gg.Expr>; grads: Record<string, gg.Expr> } {
  const params: Record<string, gg.Expr> = {};
  const grads: Record<string, gg.Expr> = {};
  for (const [n, s] of Object.entries(P_SHAPES)) {
    params[n] = gg.input(`p/${n}`, s, "float64");
    grads[n] = gg.input(`g/${n}`, s, "float64");
  }
  return { params, grads };
}

/** The state tree of `t` with every leaf replaced by an input `s/<path>` (`strip` removed from the path's start). */
function stateInputs<S extends gg.optim.TransformState>(t: gg.optim.GradientTransformation<S>, params: gg.optim.Params, strip = ""): S {
  return optim.mapTree(t.init(params), (leaf, path) => {
    const e = leaf as gg.Expr;
    return gg.input(`s/${path.startsWith(strip) ? path.slice(strip.length) : path}`, e.shape, e.dtype);
  }) as S;
}

/**
 * Every input of a compiled graph gets a random value: in [0.1, 2] for floats, a count 0..5 for
 * int32. Centered RMSProp's running mean of g gets [0, 0.3], so that ms - mg² stays positive as in
 * any state the optimizer can reach (ms >= 0.1 > mg²).
 */
function randomFeeds(graph: gg.Graph, rand: () => number): Record<string, gg.Tensor> {
  const feeds: Record<string, gg.Tensor> = {};
  for (const n of graph.nodes) {
    if (n.op !== "input") continue;
    const shape = n.shape as number[];
    const size = sizeOf(shape);
    const float = n.attrs.name.includes("meanGrad") ? (): number => 0.3 * rand() : (): number => 0.1 + 1.9 * rand();
    const data = n.dtype === "int32" ? Int32Array.from({ length: size }, () => Math.floor(rand() * 6)) : Float64Array.from({ length: size }, float);
    feeds[n.attrs.name] = gg.tensorFrom(data, n.dtype, shape);
  }
  return feeds;
}

/** A small seeded PRNG (mulberry32), so that a property's feeds follow from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("chain(identity(), t) ≡ t ≡ chain(t, identity()): same updates, states and metrics on random inputs", () => {
  for (const [name, make] of TRANSFORMS) {
    it(name, async () => {
      const { params, grads } = paramsAndGrads();
      const t = make();
      const before = optim.chain(optim.identity(), t);
      const after = optim.chain(t, optim.identity());
      // The three share their state inputs: t's leaf `x` is `inner/1/x` of the first chain, `inner/0/x` of the second.
      const [u, s, m] = t.update(grads, stateInputs(t, params), params);
      const [u1, s1, m1] = before.update(grads, stateInputs(before, params, "inner/1/"), params);
      const [u2, s2, m2] = after.update(grads, stateInputs(after, params, "inner/0/"), params);
      const outputs: Record<string, gg.Expr> = {};
      const collect = (tag: string, updates: gg.optim.Params, state: unknown, metrics: gg.optim.Metrics): void => {
        for (const [n, e] of Object.entries(updates)) outputs[`${tag}/u/${n}`] = e;
        for (const [p, e] of optim.flattenTree(state)) outputs[`${tag}/s/${p}`] = e as gg.Expr;
        for (const [n, e] of Object.entries(metrics)) outputs[`${tag}/m/${n}`] = e;
      };
      collect("t", u, s, m);
      collect("first", u1, s1.inner[1], m1);
      collect("last", u2, s2.inner[0], m2);
      const keys = (tag: string): string[] => Object.keys(outputs).filter((k) => k.startsWith(`${tag}/`)).map((k) => k.slice(tag.length));
      expect(keys("first")).toEqual(keys("t"));
      expect(keys("last")).toEqual(keys("t"));
      const exe = await gg.compile({ outputs });
      await fc.assert(
        fc.asyncProperty(fc.integer(), async (seed) => {
          const r = await exe.run(randomFeeds(exe.graph, mulberry32(seed)));
          for (const k of keys("t")) {
            const want = [...(r[`t${k}`] as gg.Tensor).data];
            expect(want.every(Number.isFinite)).toBe(true);
            expect([...(r[`first${k}`] as gg.Tensor).data]).toEqual(want);
            expect([...(r[`last${k}`] as gg.Tensor).data]).toEqual(want);
          }
        }),
        { numRuns: 10 },
      );
    });
  }
});

// ---- Purity ----

/** Every number in a TrainState (params, optimizer state, step, EMA), copied out. */
function snapshotOf(s: gg.TrainState): unknown {
  const leaves = (tree: unknown): [string, number[]][] => optim.flattenTree(tree).map(([p, t]) => [p, [...(t as gg.Tensor).data]]);
  return { params: leaves(s.params), opt: leaves(s.opt), step: s.step, ema: leaves(s.ema), emaMetrics: { ...s.emaMetrics } };
}

describe("purity", () => {
  it("init and update: the same symbolic inputs give the same expressions, the given state is left as it was, states are frozen (checkTransformation)", () => {
    for (const [name, make] of TRANSFORMS) {
      const report = checkTransformation(make(), { params: P_SHAPES, dtype: "float64" });
      expect(report.state.length, name).toBe(optim.flattenTree(make().init(paramsAndGrads().params)).length);
    }
  });

  it("run: the old TrainState is not modified, and running it again gives the identical result", async () => {
    const w = gg.param("w", [2, 3], "float64");
    const b = gg.param("b", [3], "float64");
    const x = gg.input("x", [null, 2], "float64");
    const y = gg.input("y", [null, 3], "float64");
    const loss = gg.losses.meanSquaredError(y, gg.dense(x, w, b, gg.tanh));
    const step = await gg.trainStep({
      loss,
      optimizer: optim.chain(optim.clipByGlobalNorm(1), optim.adam({ lr: 0.05 })),
      regularization: { l2: 0.01 },
      ema: { decay: 0.9, numUpdates: true },
    });
    await fc.assert(
      fc.asyncProperty(arb.values(6, { min: -1, max: 1 }), arb.values(3, { min: -1, max: 1 }), arb.values(8, { min: -2, max: 2 }), arb.values(12, { min: -1, max: 1 }), async (wv, bv, xv, yv) => {
        const s0 = await step.init({ w: [wv.slice(0, 3), wv.slice(3)], b: bv });
        const rows = (vs: number[], k: number): number[][] => Array.from({ length: vs.length / k }, (_, i) => vs.slice(i * k, i * k + k));
        const batch = { x: rows(xv, 2), y: rows(yv, 3) };
        const snapshot = snapshotOf(s0);
        const [s1, m1] = await step.run(s0, batch);
        expect(snapshotOf(s0)).toEqual(snapshot);
        expect(Object.isFrozen(s0) && Object.isFrozen(s0.params) && Object.isFrozen(s0.opt) && Object.isFrozen(s1)).toBe(true);
        const [s1again, m1again] = await step.run(s0, batch);
        expect(snapshotOf(s1again)).toEqual(snapshotOf(s1));
        expect(m1again).toEqual(m1);
        expect(snapshotOf(s0)).toEqual(snapshot);
        // ... and the state does move: a step from s1 is not s1.
        const [s2] = await step.run(s1, batch);
        expect(s2.step).toBe(2);
        expect(snapshotOf(s2)).not.toEqual(snapshotOf(s1));
      }),
      { numRuns: 8 },
    );
  });
});

// ---- Sigmoid cross-entropy stability ----

/** log(1 + e^y), stable. */
const softplus = (y: number): number => Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
/** -z·log σ(x) - (1 - z)·log(1 - σ(x)), written as z·softplus(-x) + (1 - z)·softplus(x). */
const exactSigmoidCE = (x: number, z: number): number => z * softplus(-x) + (1 - z) * softplus(x);
const exactSigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

describe("sigmoidCrossEntropyWithLogits stays finite and exact for large logits", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`logits ±1e4 and random in [-1e4, 1e4] (${dtype}); value, and gradient σ(x) - z`, async () => {
      const round = dtype === "float32" ? Math.fround : (v: number): number => v;
      const ulp = dtype === "float32" ? 2 ** -23 : 2 ** -52;
      const n = 6;
      const x = gg.input("x", [n], dtype);
      const z = gg.input("z", [n], dtype);
      const ce = gg.losses.sigmoidCrossEntropyWithLogits(z, x);
      const [gx] = gg.grad(gg.sum(ce), [x]);
      const exe = await gg.compile({ outputs: { ce, gx: gx as gg.Expr } });
      const logit = fc.oneof(fc.constantFrom(1e4, -1e4, 0), fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: -30, max: 30, noNaN: true }));
      const label = fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }));
      await fc.assert(
        fc.asyncProperty(fc.array(logit, { minLength: n, maxLength: n }), fc.array(label, { minLength: n, maxLength: n }), async (xs, zs) => {
          const xr = xs.map(round);
          const zr = zs.map(round);
          const r = await exe.run({ x: xr, z: zr });
          [...(r["ce"] as gg.Tensor).data].forEach((v, i) => {
            const xi = xr[i] as number;
            expect(Number.isFinite(v)).toBe(true);
            // A few ulps of the largest term (|x|, or the log term near 0).
            expect(Math.abs(v - exactSigmoidCE(xi, zr[i] as number))).toBeLessThanOrEqual(4 * ulp * (Math.abs(xi) + 1));
          });
          [...(r["gx"] as gg.Tensor).data].forEach((g, i) => {
            expect(Number.isFinite(g)).toBe(true);
            expect(Math.abs(g - (exactSigmoid(xr[i] as number) - (zr[i] as number)))).toBeLessThanOrEqual(4 * ulp);
          });
        }),
        { numRuns: 30 },
      );
      // The extremes exactly: x = ±1e4 with z = 0 and 1, and x = 0 (log 2 and σ(0) - z = 0.5 - z).
      const r = await exe.run({ x: [1e4, -1e4, 1e4, -1e4, 0, 0], z: [0, 0, 1, 1, 0, 1] });
      expect([...(r["ce"] as gg.Tensor).data]).toEqual([1e4, 0, 0, 1e4, round(Math.LN2), round(Math.LN2)]);
      expect([...(r["gx"] as gg.Tensor).data]).toEqual([1, 0, 0, -1, 0.5, -0.5]);
    });
  }
});
