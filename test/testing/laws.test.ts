import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { CheckFailure, checkSchedule, checkTransformation } from "../../src/testing/index.js";

/**
 * checkTransformation and checkSchedule: every optimizer and schedule graphgrad ships keeps its
 * laws, and transformations and schedules that break them are named with what breaks.
 */

const { optim, schedules } = gg;

const OPTIMIZERS: Readonly<Record<string, () => gg.optim.GradientTransformation>> = {
  sgd: () => optim.sgd({ lr: 0.1 }),
  "momentum (nesterov)": () => optim.momentum({ lr: 0.1, nesterov: true }),
  sgdm: () => optim.sgdm({ lr: 0.1 }),
  adagrad: () => optim.adagrad({ lr: 0.1 }),
  "rmsprop (centered, momentum)": () => optim.rmsprop({ lr: 0.1, centered: true, momentum: 0.5 }),
  adam: () => optim.adam({ lr: 0.1 }),
  adadelta: () => optim.adadelta({ lr: 1 }),
  "chain(clipByGlobalNorm, sgd on a schedule)": () => optim.chain(optim.clipByGlobalNorm(1), optim.sgd({ lr: schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 2 }) })),
  "adamw (mask, nesterov)": () => optim.adamw({ lr: schedules.oneCycle({ transitionSteps: 10, peak: 0.1 }), mask: { w: true, b: false }, nesterov: true }),
  lion: () => optim.lion({ lr: 0.1, mask: (_n, shape) => shape.length >= 2 }),
  masked: () => optim.masked(optim.adam({ lr: 0.1 }), { w: true, b: false }),
  multiSteps: () => optim.multiSteps(optim.adamw({ lr: 0.1 }), 3),
  ema: () => optim.ema({ decay: 0.9 }),
  "clipByValue, clipByNorm, scale": () => optim.chain(optim.clipByValue(-1, 1), optim.clipByNorm(2), optim.scale(-0.5)),
};

interface Counted extends gg.optim.TransformState {
  readonly _tag: "Counted";
  readonly n: gg.Expr;
}

describe("checkTransformation", () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name} keeps the laws`, () => {
      const report = checkTransformation(make(), { params: { w: [3, 2], b: [2] }, dtype: "float64" });
      expect(report.state.length).toBeGreaterThanOrEqual(0);
    });
  }

  it("reports the state's paths and the metrics", () => {
    expect(checkTransformation(optim.adam({ lr: 0.1 }))).toEqual({ state: ["inner/0/count", "inner/0/mu/b", "inner/0/mu/w", "inner/0/nu/b", "inner/0/nu/w"], metrics: ["lr"] });
  });

  it("names an impure update (a counter kept outside the graph)", () => {
    let calls = 0;
    const impure: gg.optim.GradientTransformation<Counted> = {
      init: () => Object.freeze({ _tag: "Counted", n: gg.scalar(0) }),
      update: (grads, state) => [Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, gg.mul(g, ++calls)])), state, {}],
    };
    expect(() => checkTransformation(impure)).toThrow(CheckFailure);
    expect(() => checkTransformation(impure)).toThrow(/update on init's state is not pure: called twice with the same arguments it gave different values at 'updates\/b'/);
  });

  it("names a state that is not frozen, one that changes shape, and an update that writes to its argument", () => {
    const base = optim.sgd({ lr: 0.1 });
    const thawed: gg.optim.GradientTransformation<Counted> = { init: () => ({ _tag: "Counted", n: gg.scalar(0) }), update: (g, s) => [g, s, {}] };
    expect(() => checkTransformation(thawed)).toThrow(/init's state is not frozen at '\(the root\)'/);
    const growing: gg.optim.GradientTransformation<Counted> = {
      init: () => Object.freeze({ _tag: "Counted", n: gg.scalar(0) }),
      update: (g, s) => [g, Object.freeze({ ...s, n: gg.reshape(gg.add(s.n, 1), [1]) }), {}],
    };
    expect(() => checkTransformation(growing)).toThrow(/returned a state unlike init's \(paths, dtypes, shapes\): init \[n: float32\[\]\], update \[n: float32\[1\]\]/);
    const writing: gg.optim.GradientTransformation<gg.optim.ChainState> = {
      init: base.init,
      update: (grads, state, params) => {
        const r = base.update(grads, state, params);
        (grads as Record<string, gg.Expr>)["w"] = gg.scalar(0);
        return r;
      },
    };
    expect(() => checkTransformation(writing)).toThrow(/update on init's state changed its argument grads: 'w' is not what it was/);
    const missing: gg.optim.GradientTransformation = { init: base.init, update: (grads, state) => [{ w: grads["w"] as gg.Expr }, state, {}] as const };
    expect(() => checkTransformation(missing)).toThrow(/the updates are for \[w\], the gradients for \[b, w\]/);
  });
});

describe("checkSchedule", () => {
  it("every schedule at every step 0..99 against its formula", async () => {
    await checkSchedule(schedules.constant(0.0375), () => 0.0375);
    await checkSchedule(schedules.exponentialDecay({ initial: 0.5, decayRate: 0.3, decaySteps: 7 }), (n) => 0.5 * 0.3 ** (n / 7), { rtol: 4e-15 });
    await checkSchedule(schedules.exponentialDecay({ initial: 0.5, decayRate: 0.3, decaySteps: 7, staircase: true }), (n) => 0.5 * 0.3 ** Math.floor(n / 7));
    await checkSchedule(schedules.piecewiseConstant({ boundaries: [10, 50], values: [1, 0.5, 0.1] }), (n) => (n <= 10 ? 1 : n <= 50 ? 0.5 : 0.1));
    await checkSchedule(schedules.cosineDecay({ initial: 0.1, decaySteps: 80, alpha: 0.1 }), (n) => 0.1 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(n, 80)) / 80)) + 0.1), { rtol: 1e-14 });
    await checkSchedule(schedules.warmupCosineDecay({ initial: 0, peak: 0.1, warmupSteps: 10, decaySteps: 90 }), (n) =>
      n < 10 ? 0.01 * n : 0.05 * (1 + Math.cos((Math.PI * Math.min(n - 10, 80)) / 80)),
      { rtol: 1e-14, atol: 1e-17 },
    );
  });

  it("float32 schedules, as a float32 train step computes them", async () => {
    // 0.99 rounded to float32 is off by up to 2⁻²⁵ relative, which 0.99¹⁰⁰⁰ multiplies by 1000.
    const r = await checkSchedule(schedules.exponentialDecay({ initial: 0.2, decayRate: 0.99, decaySteps: 1 }), (n) => 0.2 * 0.99 ** n, { dtype: "float32", steps: [0, 1, 10, 1000], rtol: 4e-5 });
    expect(r.checked).toBe(4);
    expect(r.maxRelError).toBeGreaterThan(0);
  });

  it("names the first step where a schedule leaves its formula", async () => {
    const off = schedules.piecewiseConstant({ boundaries: [10], values: [1, 0.5] });
    await expect(checkSchedule(off, (n) => (n < 10 ? 1 : 0.5))).rejects.toThrow(/^checkSchedule: at step 10 the schedule gives 1, the formula 0\.5: error 0\.5 > tolerance 5e-13/);
    await expect(checkSchedule(off, () => Number.NaN)).rejects.toThrow(/formula\(0\) is NaN, not a finite number/);
  });
});
