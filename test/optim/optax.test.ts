import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb } from "../../src/testing/index.js";
import { transformRunner, type StateLeaves, type Values } from "../support/transform-runner.js";
import * as optax from "./optax-reference.js";

/**
 * adamw, lion, masked, multiSteps and ema against plain-JS float64 transcriptions of optax's
 * source (./optax-reference.ts): several steps of graphgrad's compiled update on random
 * parameters, gradients and hyperparameters (fast-check), every update within 1e-12 relative.
 * The parameters move by the reference's updates, so both sides always see the same inputs.
 */

const { optim } = gg;
const SHAPES: Readonly<Record<string, number[]>> = { w: [2, 3], b: [3] };
/** Values in [-2, 2]; magnitudes under 1e-6 become 0 (subnormal inputs are not what these tests are about). */
const tensorArb = (n: number): fc.Arbitrary<number[]> => arb.values(n, { min: -2, max: 2 }).map((vs) => vs.map((v) => (Math.abs(v) < 1e-6 ? 0 : v)));
const valuesOf = (): fc.Arbitrary<Values> => fc.record({ w: tensorArb(6), b: tensorArb(3) });
const run = (steps: number): fc.Arbitrary<{ params: Values; grads: Values[] }> =>
  fc.record({ params: valuesOf(), grads: fc.array(valuesOf(), { minLength: steps, maxLength: steps }) });

/** Every value within `rel` of the reference, relative to the reference (zero only where it is zero). */
function expectClose(actual: Values, expected: Values, what: string, rel = 1e-12): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [n, e] of Object.entries(expected)) {
    const a = actual[n] as readonly number[];
    e.forEach((ei, i) => {
      const ai = a[i] as number;
      if (!(Math.abs(ai - ei) <= rel * Math.abs(ei))) throw new Error(`${what}, ${n}[${i}]: got ${ai}, optax's rule gives ${ei}`);
    });
  }
}

const addTo = (p: Values, u: Values): Values => Object.fromEntries(Object.entries(p).map(([n, x]) => [n, x.map((v, i) => v + ((u[n] as readonly number[])[i] as number))]));

/**
 * Runs `t` and the reference side by side for `grads.length` steps from `params`; returns the
 * states graphgrad went through (after init and after each step).
 */
async function expectParity(t: gg.optim.GradientTransformation, ref: optax.RefTransform, data: { params: Values; grads: readonly Values[] }): Promise<StateLeaves[]> {
  const runner = await transformRunner(t, SHAPES);
  let params = data.params;
  let state = await runner.init(params);
  let refState = ref.init(params);
  const states = [state];
  for (const [k, g] of data.grads.entries()) {
    const r = await runner.step(params, g, state);
    const [u, s] = ref.update(g, refState, params);
    expectClose(r.updates, u, `step ${k + 1}`);
    params = addTo(params, u);
    state = r.state;
    refState = s;
    states.push(state);
  }
  return states;
}

// ---- Hyperparameters ----

const MASKS = ["none", "record", "function"] as const;
type MaskKind = (typeof MASKS)[number];
/** The graphgrad mask and the reference's predicate: the record decays w only; the function decays rank >= 2 (w too). */
const maskOf = (kind: MaskKind): { mask?: gg.optim.Mask; ref?: (n: string) => boolean } =>
  kind === "none" ? {} : kind === "record" ? { mask: { w: true, b: false }, ref: (n) => n === "w" } : { mask: (_n, shape) => shape.length >= 2, ref: (n) => n === "w" };

const schedule = { initial: 0.01, peak: 0.1, warmupSteps: 2, decaySteps: 6, end: 0.001, exponent: 1 };
/** A constant rate or optax's warmup-cosine schedule, for graphgrad and for the reference. */
const lrArb = fc.oneof(
  fc.double({ min: 1e-3, max: 0.5, noNaN: true }).map((lr) => ({ lr, ref: lr as optax.Scalar })),
  fc.constant({
    lr: gg.schedules.warmupCosineDecay(schedule),
    ref: optax.warmupCosineDecaySchedule(schedule.initial, schedule.peak, schedule.warmupSteps, schedule.decaySteps, schedule.end, schedule.exponent) as optax.Scalar,
  }),
);
const decayArb = fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.2, noNaN: true }));

describe("adamw (optax: chain(scale_by_adam, add_decayed_weights(weight_decay, mask), scale_by_learning_rate))", () => {
  it("matches optax's rule over 5 steps: random β1, β2, ε, ε_root, weight decay, mask, nesterov, constant or scheduled lr", async () => {
    await fc.assert(
      fc.asyncProperty(
        run(5),
        lrArb,
        fc.record({
          b1: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
          b2: fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
          eps: fc.constantFrom(1e-8, 1e-3),
          epsRoot: fc.constantFrom(0, 1e-6),
          weightDecay: decayArb,
          maskKind: fc.constantFrom(...MASKS),
          nesterov: fc.boolean(),
        }),
        async (data, lr, h) => {
          const { mask, ref } = maskOf(h.maskKind);
          await expectParity(
            optim.adamw({ ...h, lr: lr.lr, ...(mask === undefined ? {} : { mask }) }),
            optax.adamw({ ...h, lr: lr.ref, ...(ref === undefined ? {} : { mask: ref }) }),
            data,
          );
        },
      ),
      { numRuns: 12 },
    );
  });

  it("defaults are optax's: β1 0.9, β2 0.999, ε 1e-8, ε_root 0, weight decay 1e-4, no mask, no nesterov", async () => {
    await fc.assert(
      fc.asyncProperty(run(4), async (data) => {
        await expectParity(optim.adamw({ lr: 0.05 }), optax.adamw({ lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 1e-4, nesterov: false }), data);
      }),
      { numRuns: 4 },
    );
  });

  it("a weight-decay schedule is evaluated at the update count", async () => {
    const wd = gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 1 });
    await fc.assert(
      fc.asyncProperty(run(4), async (data) => {
        await expectParity(
          optim.adamw({ lr: 0.1, weightDecay: wd, mask: { w: true, b: false } }),
          optax.adamw({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: (c) => 0.1 * 0.5 ** c, mask: (n) => n === "w", nesterov: false }),
          data,
        );
      }),
      { numRuns: 3 },
    );
  });

  it("the comparison can fail: TensorFlow's Adam (ε outside the bias correction) is not optax's", async () => {
    const data = fc.sample(run(3), { numRuns: 1, seed: 7 })[0] as { params: Values; grads: Values[] };
    const tf = optim.chain(optim.adam({ lr: 0.1, eps: 1e-3 }));
    await expect(expectParity(tf, optax.adamw({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-3, epsRoot: 0, weightDecay: 0, nesterov: false }), data)).rejects.toThrow(/optax's rule gives/);
  });
});

describe("lion (optax: chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate))", () => {
  it("matches optax's rule over 8 steps: random β1, β2, weight decay, mask, lr; gradients of changing scale", async () => {
    // Gradients scaled by 0.1, 1 or 10 per step, so that the momentum term sometimes decides the sign.
    const scaled = fc.record({
      params: valuesOf(),
      grads: fc.array(fc.tuple(valuesOf(), fc.constantFrom(0.1, 1, 10)).map(([g, k]) => Object.fromEntries(Object.entries(g).map(([n, v]) => [n, v.map((x) => x * k)]))), { minLength: 8, maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(
        scaled,
        lrArb,
        fc.record({ b1: fc.double({ min: 0.5, max: 0.99, noNaN: true }), b2: fc.double({ min: 0.5, max: 0.999, noNaN: true }), weightDecay: decayArb, maskKind: fc.constantFrom(...MASKS) }),
        async (data, lr, h) => {
          const { mask, ref } = maskOf(h.maskKind);
          await expectParity(optim.lion({ ...h, lr: lr.lr, ...(mask === undefined ? {} : { mask }) }), optax.lion({ ...h, lr: lr.ref, ...(ref === undefined ? {} : { mask: ref }) }), data);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("defaults are optax's: β1 0.9, β2 0.99, weight decay 1e-3; every update is ±lr plus the decay", async () => {
    await fc.assert(
      fc.asyncProperty(run(4), async (data) => {
        await expectParity(optim.lion({ lr: 0.01 }), optax.lion({ lr: 0.01, b1: 0.9, b2: 0.99, weightDecay: 1e-3 }), data);
        const runner = await transformRunner(optim.lion({ lr: 0.01, weightDecay: 0 }), SHAPES);
        const r = await runner.step(data.params, data.grads[0] as Values, await runner.init(data.params));
        const g0 = data.grads[0] as Values;
        for (const n of Object.keys(SHAPES)) expect(r.updates[n]).toEqual((g0[n] as number[]).map((g) => -0.01 * Math.sign(g)));
      }),
      { numRuns: 3 },
    );
  });
});

describe("scaleByLion, worked by hand", () => {
  it("the sign is of the β1 interpolation, the momentum the β2 average", async () => {
    // β1 0.9, β2 0.5. Step 1: g = 1, m = 0: sign(0.1) = 1; m ← 0.5. Step 2: g = −3: sign(−0.3 + 0.9·0.5) = sign(0.15) = 1
    // (with β2 in the sign it would be sign(−0.3 + 0.25) = −1); m ← 0.5·(−3) + 0.5·0.5 = −1.25.
    // Step 3: g = 1: sign(0.1 − 1.125) = −1 (with β1 in the momentum, m would be −2.25 and the sign the same).
    const runner = await transformRunner(optim.scaleByLion({ b1: 0.9, b2: 0.5 }), { x: [1] });
    let state = await runner.init({ x: [0] });
    const signs: number[] = [];
    for (const g of [1, -3, 1]) {
      const r = await runner.step({ x: [0] }, { x: [g] }, state);
      signs.push(...(r.updates["x"] as number[]));
      state = r.state;
    }
    expect(signs).toEqual([1, 1, -1]);
    expect([...(state["mu/x"] as gg.Tensor).data]).toEqual([0.5 * 1 + 0.5 * (0.5 * -3 + 0.5 * 0.5)]);
  });
});

describe("masked(t, mask) (optax's masked)", () => {
  it("applies t to the masked parameters only; the others' updates pass through exactly; the inner state holds the masked ones", async () => {
    await fc.assert(
      fc.asyncProperty(run(4), fc.record({ w: fc.boolean(), b: fc.boolean() }), fc.boolean(), async (data, mask, byFunction) => {
        const inner = (): gg.optim.GradientTransformation => optim.adamw({ lr: 0.1, weightDecay: 0.01 });
        const t = optim.masked(inner(), byFunction ? (n: string) => mask[n as "w" | "b"] : mask);
        const states = await expectParity(
          t,
          optax.masked(optax.adamw({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0.01, nesterov: false }), (n) => mask[n as "w" | "b"]),
          data,
        );
        const runner = await transformRunner(t, SHAPES);
        const names = Object.keys(SHAPES).filter((n) => mask[n as "w" | "b"]);
        expect(runner.paths.filter((p) => p.includes("/mu/")).map((p) => p.split("/").pop()).sort()).toEqual(names.sort());
        const r = await runner.step(data.params, data.grads[0] as Values, states[0] as StateLeaves);
        for (const n of Object.keys(SHAPES)) if (!mask[n as "w" | "b"]) expect(r.updates[n]).toEqual((data.grads[0] as Values)[n]);
      }),
      { numRuns: 8 },
    );
  });

  it("a mask record must name every parameter, and only parameters; a mask function must return booleans", () => {
    const params = { w: gg.input("w", [2, 2], "float64"), b: gg.input("b", [2], "float64") };
    expect(() => optim.masked(optim.identity(), { w: true }).init(params)).toThrow("masked: the mask has no boolean for parameter 'b' (mask names: w)");
    expect(() => optim.masked(optim.identity(), { w: true, b: false, v: true }).init(params)).toThrow("masked: the mask names 'v', which are not parameters here (parameters: w, b)");
    const bad = ((): unknown => 1) as unknown as gg.optim.Mask;
    expect(() => optim.masked(optim.identity(), bad).init(params)).toThrow(/must return a boolean, got 1 for 'w' \[2,2\]/);
    expect(() => optim.adamw({ lr: 0.1, mask: { w: true } }).init(params)).toThrow(gg.GraphgradError);
  });
});

describe("multiSteps(t, k) (optax's MultiSteps: gradient accumulation)", () => {
  it("matches optax's rule over 2k + 1 steps: zero updates, then t's update of the mean gradient every k-th step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }).chain((k) => fc.tuple(fc.constant(k), run(2 * k + 1))), lrArb, async ([k, data], lr) => {
        const states = await expectParity(
          optim.multiSteps(optim.adamw({ lr: lr.lr, weightDecay: 0.01 }), k),
          optax.multiSteps(optax.adamw({ lr: lr.ref, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0.01, nesterov: false }), k),
          data,
        );
        // Between updates the inner state is kept as it was, exactly; the counters say where we are.
        states.slice(1).forEach((s, i) => {
          const emitted = (i + 1) % k === 0;
          expect((s["miniStep"] as gg.Tensor).item()).toBe((i + 1) % k);
          expect((s["gradientStep"] as gg.Tensor).item()).toBe(Math.floor((i + 1) / k));
          const before = states[i] as StateLeaves;
          const innerSame = Object.keys(s).filter((p) => p.startsWith("inner/")).every((p) => [...(s[p] as gg.Tensor).data].every((v, j) => v === (before[p] as gg.Tensor).data[j]));
          expect(innerSame).toBe(!emitted);
        });
      }),
      { numRuns: 10 },
    );
  });

  it("the zero updates are exact zeros, and k = 1 is the inner transformation itself", async () => {
    const data = fc.sample(run(3), { numRuns: 1, seed: 3 })[0] as { params: Values; grads: Values[] };
    const runner = await transformRunner(optim.multiSteps(optim.lion({ lr: 0.1 }), 2), SHAPES);
    const r = await runner.step(data.params, data.grads[0] as Values, await runner.init(data.params));
    expect(Object.values(r.updates).flat().every((u) => Object.is(u, 0))).toBe(true);
    await expectParity(optim.multiSteps(optim.lion({ lr: 0.1 }), 1), optax.lion({ lr: 0.1, b1: 0.9, b2: 0.99, weightDecay: 1e-3 }), data);
  });

  it("rejects a k that is not a positive integer", () => {
    expect(() => optim.multiSteps(optim.identity(), 0)).toThrow("multiSteps: k (the number of gradients per update) must be a positive integer, got 0");
    expect(() => optim.multiSteps(optim.identity(), 2.5)).toThrow(gg.GraphgradError);
  });
});

describe("ema({ decay, debias }) (optax's ema)", () => {
  it("matches optax's rule over 6 steps, debiased or not", async () => {
    await fc.assert(
      fc.asyncProperty(run(6), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.boolean(), async (data, decay, debias) => {
        await expectParity(optim.ema({ decay, debias }), optax.ema({ decay, debias }), data);
      }),
      { numRuns: 10 },
    );
  });

  it("debiased, the first output is the first input; decay must be in [0, 1) (or [0, 1] without debiasing)", async () => {
    const data = fc.sample(run(1), { numRuns: 1, seed: 5 })[0] as { params: Values; grads: Values[] };
    const runner = await transformRunner(optim.ema({ decay: 0.9 }), SHAPES);
    const r = await runner.step(data.params, data.grads[0] as Values, await runner.init(data.params));
    expectClose(r.updates, data.grads[0] as Values, "first step", 1e-15);
    expect(() => optim.ema({ decay: 1 })).toThrow("ema: decay must be in [0, 1) when debiasing, got 1");
    expect(() => optim.ema({ decay: 1, debias: false })).not.toThrow();
    expect(() => optim.ema({ decay: -0.1, debias: false })).toThrow("ema: decay must be in [0, 1], got -0.1");
  });
});

describe("inside trainStep: multiSteps(adamw with a mask and a schedule, 3) on a quadratic", () => {
  // loss = Σ c·(x − t)², so ∂loss/∂x = 2c(x − t); the reference runs on the same numbers.
  const C: Values = { w: [1, 0.5, 2, 1.5, 0.25, 3], b: [0.8, 1.2, 2] };
  const T: Values = { w: [1.5, 0.25, -0.5, 0.3, -1, 0.7], b: [-0.4, 0.9, 0.6] };
  const quadratic = (x: gg.Expr, n: "w" | "b"): gg.Expr =>
    gg.sum(gg.mul(gg.constant(C[n] as number[], "float64"), gg.square(gg.sub(gg.reshape(x, [-1]), gg.constant(T[n] as number[], "float64")))));
  const gradOf = (x: Values): Values => Object.fromEntries(Object.entries(x).map(([n, v]) => [n, v.map((xi, i) => 2 * ((C[n] as number[])[i] as number) * (xi - ((T[n] as number[])[i] as number)))]));
  const flat = (s: gg.TrainState): Values => ({ w: [...(s.params["w"] as gg.Tensor).data], b: [...(s.params["b"] as gg.Tensor).data] });
  const snapshot = (s: gg.TrainState): unknown => ({ step: s.step, leaves: optim.flattenTree({ p: s.params, o: s.opt }).map(([p, t]) => [p, [...(t as gg.Tensor).data]]) });

  it("parameters stay put for two steps and move on the third, as optax's rule says; run is pure", async () => {
    const w = gg.param("w", [2, 3], "float64");
    const b = gg.param("b", [3], "float64");
    const lr = gg.schedules.warmupCosineDecay(schedule);
    const lrRef = optax.warmupCosineDecaySchedule(schedule.initial, schedule.peak, schedule.warmupSteps, schedule.decaySteps, schedule.end, schedule.exponent);
    const step = await gg.trainStep({ loss: gg.add(quadratic(w, "w"), quadratic(b, "b")), optimizer: optim.multiSteps(optim.adamw({ lr, weightDecay: 0.05, mask: (_n, shape) => shape.length >= 2 }), 3) });
    const ref = optax.multiSteps(optax.adamw({ lr: lrRef, b1: 0.9, b2: 0.999, eps: 1e-8, epsRoot: 0, weightDecay: 0.05, mask: (n) => n === "w", nesterov: false }), 3);
    const x0: Values = { w: [0.5, -1.25, 2, 0.1, 0.9, -0.3], b: [0.3, -0.7, 1.1] };
    let state = await step.init({ w: [x0["w"]?.slice(0, 3) as number[], x0["w"]?.slice(3) as number[]], b: x0["b"] as number[] });
    let x = x0;
    let refState = ref.init(x);
    for (let k = 1; k <= 9; k++) {
      const before = snapshot(state);
      const [next, metrics] = await step.run(state, {});
      const [u, s] = ref.update(gradOf(x), refState, x);
      x = addTo(x, u);
      refState = s;
      expectClose(flat(next), x, `step ${k}`);
      if (k % 3 === 0) expect(flat(next)).not.toEqual(flat(state));
      else expect(flat(next)).toEqual(flat(state));
      // The lr reported is the inner schedule's at the inner count (which moves every third step).
      expect(metrics["lr"]).toBeCloseTo(lrRef(Math.floor((k - 1) / 3)), 15);
      // Purity: the old state is unchanged and frozen; running it again gives the identical result.
      expect(snapshot(state)).toEqual(before);
      expect(Object.isFrozen(state) && Object.isFrozen(state.opt) && Object.isFrozen(next)).toBe(true);
      const [again] = await step.run(state, {});
      expect(snapshot(again)).toEqual(snapshot(next));
      state = next;
    }
  });
});

describe("the global step (trainStep's state step, set with withStep) reaches the schedules inside the wrappers", () => {
  it("masked and a weight-decay schedule read the step; multiSteps gives its inner schedules ⌊step/k⌋", async () => {
    const lr = gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 1 });
    const x = gg.param("x", [2], "float64");
    const loss = gg.sum(gg.square(x));
    const lrAfter = async (optimizer: gg.optim.GradientTransformation<gg.optim.TransformState, "lr">, step: number): Promise<number> => {
      const train = await gg.trainStep({ loss, optimizer });
      const [, metrics] = await train.run(train.withStep(await train.init({ x: [1, 2] }), step), {});
      return metrics.lr;
    };
    expect(await lrAfter(optim.masked(optim.sgd({ lr }), { x: true }), 5)).toBe(0.1 * 0.5 ** 5);
    expect(await lrAfter(optim.multiSteps(optim.sgd({ lr }), 3), 7)).toBe(0.1 * 0.5 ** 2);
    // The decay schedule at step 4: x ← x − lr(4)·(2x + wd(4)·x) with lr constant 1 and wd(4) = 0.5⁴.
    const train = await gg.trainStep({ loss, optimizer: optim.chain(optim.addDecayedWeights(lr), optim.sgd({ lr: 1 })) });
    const [next] = await train.run(train.withStep(await train.init({ x: [1, 2] }), 4), {});
    expect([...(next.params["x"] as gg.Tensor).data]).toEqual([1, 2].map((v) => v - (2 * v + 0.1 * 0.5 ** 4 * v)));
  });
});

describe("types", () => {
  it("the wrappers report their inner transformation's metric names (checked by tsc)", () => {
    const wrapped = optim.multiSteps(optim.masked(optim.adamw({ lr: 0.1 }), { w: true }), 2);
    expectTypeOf(wrapped).toEqualTypeOf<gg.optim.GradientTransformation<gg.optim.MultiStepsState<gg.optim.MaskedState<gg.optim.ChainState>>, "lr">>();
    expectTypeOf(optim.ema({ decay: 0.9 })).toEqualTypeOf<gg.optim.GradientTransformation<gg.optim.EmaTransformState, never>>();
    expectTypeOf<gg.optim.MetricNamesOf<ReturnType<typeof optim.lion>>>().toEqualTypeOf<"lr">();
    expect(Object.isFrozen(wrapped.init({ w: gg.input("w", [1], "float64") }))).toBe(true);
  });
});
