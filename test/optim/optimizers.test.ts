import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";

/**
 * Each optimizer alias, run for 3 steps of `trainStep` in float64 on a small quadratic, against an
 * independent plain-JS transcription of the update rule TensorFlow 1 documents for it
 * (tf.compat.v1.train.*Optimizer and the training_ops kernels they call), or of the seed's
 * hand-written form (seed 002, section 五).
 *
 * The problem: f(w, m) = Σ c_i (w_i - t_i)² + Σ d_ij (m_ij - s_ij)², so ∂f/∂x = 2c(x - t).
 * All the rules are elementwise, so the reference runs on the flat vector [w, m].
 */

const W0 = [0.5, -1.25, 2];
const C = [1, 0.5, 2];
const T = [1.5, 0.25, -0.5];
const M0 = [
  [0.3, -0.7],
  [1.1, 0.2],
];
const D = [
  [0.8, 1.5],
  [0.25, 3],
];
const S = [
  [-0.4, 0.9],
  [0.6, -1.2],
];

const X0 = [...W0, ...M0.flat()];
const COEF = [...C, ...D.flat()];
const TARGET = [...T, ...S.flat()];

const lossOf = (x: readonly number[]): number => x.reduce((acc, v, i) => acc + (COEF[i] as number) * (v - (TARGET[i] as number)) ** 2, 0);
const gradOf = (x: readonly number[]): number[] => x.map((v, i) => 2 * (COEF[i] as number) * (v - (TARGET[i] as number)));

/** One optimizer's rule on flat vectors: the next x from x, g and the step number t = 1, 2, 3, ... (stateful). */
type Rule = (x: readonly number[], g: readonly number[], t: number) => number[];

const zeros = (): number[] => X0.map(() => 0);
const filled = (v: number): number[] => X0.map(() => v);

// ---- The rules, each written out from its documentation ----

/** GradientDescentOptimizer (ApplyGradientDescent): var -= alpha · delta. */
const sgdRule =
  (lr: number): Rule =>
  (x, g) =>
    x.map((v, i) => v - lr * (g[i] as number));

/**
 * MomentumOptimizer (ApplyMomentum): accum = accum · momentum + grad; var -= lr · accum.
 * With use_nesterov: var -= grad · lr + accum · momentum · lr (with the new accum).
 */
function momentumRule(lr: number, mu: number, nesterov: boolean): Rule {
  const accum = zeros();
  return (x, g) =>
    x.map((v, i) => {
      const gi = g[i] as number;
      accum[i] = (accum[i] as number) * mu + gi;
      return nesterov ? v - (gi * lr + (accum[i] as number) * mu * lr) : v - lr * (accum[i] as number);
    });
}

/** Seed 002 SGDM: mw = beta · mw + (1 - beta) · grads; w1.assign_sub(lr · mw), mw from 0. */
function sgdmRule(lr: number, beta: number): Rule {
  const mw = zeros();
  return (x, g) =>
    x.map((v, i) => {
      mw[i] = beta * (mw[i] as number) + (1 - beta) * (g[i] as number);
      return v - lr * (mw[i] as number);
    });
}

/**
 * AdagradOptimizer (ApplyAdagrad): accum += grad · grad; var -= lr · grad · (1 / sqrt(accum)),
 * accum from initial_accumulator_value (0.1). Seed 002: vw += square(grads); w -= lr · grads / sqrt(vw), vw from 0.
 */
function adagradRule(lr: number, initial: number): Rule {
  const accum = filled(initial);
  return (x, g) =>
    x.map((v, i) => {
      const gi = g[i] as number;
      accum[i] = (accum[i] as number) + gi * gi;
      return v - lr * gi * (1 / Math.sqrt(accum[i] as number));
    });
}

/**
 * RMSPropOptimizer (ApplyRMSProp): ms = rho · ms + (1 - rho) · grad²;
 * mom = momentum · mom + lr · grad / sqrt(ms + epsilon); var -= mom. The `rms` slot starts at ones.
 * Centered (ApplyCenteredRMSProp): mg = rho · mg + (1 - rho) · grad and the denominator is
 * sqrt(ms - mg² + epsilon).
 */
function rmspropRule(o: { lr: number; rho: number; momentum: number; eps: number; centered: boolean }): Rule {
  const ms = filled(1);
  const mg = zeros();
  const mom = zeros();
  return (x, g) =>
    x.map((v, i) => {
      const gi = g[i] as number;
      ms[i] = o.rho * (ms[i] as number) + (1 - o.rho) * gi * gi;
      mg[i] = o.rho * (mg[i] as number) + (1 - o.rho) * gi;
      const denom = o.centered ? (ms[i] as number) - (mg[i] as number) ** 2 : (ms[i] as number);
      mom[i] = o.momentum * (mom[i] as number) + (o.lr * gi) / Math.sqrt(denom + o.eps);
      return v - (mom[i] as number);
    });
}

/** Seed 002 RMSProp: vw = beta · vw + (1 - beta) · square(grads); w -= lr · grads / sqrt(vw), vw from 0. */
function seedRmspropRule(lr: number, beta: number): Rule {
  const vw = zeros();
  return (x, g) =>
    x.map((v, i) => {
      const gi = g[i] as number;
      vw[i] = beta * (vw[i] as number) + (1 - beta) * gi * gi;
      return v - (lr * gi) / Math.sqrt(vw[i] as number);
    });
}

/**
 * AdamOptimizer (its docstring): lr_t = learning_rate · sqrt(1 - beta2^t) / (1 - beta1^t);
 * m_t = beta1 · m + (1 - beta1) · g; v_t = beta2 · v + (1 - beta2) · g²;
 * variable -= lr_t · m_t / (sqrt(v_t) + epsilon).
 */
function adamRule(lr: number, b1: number, b2: number, eps: number): Rule {
  const m = zeros();
  const v = zeros();
  return (x, g, t) => {
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    return x.map((xi, i) => {
      const gi = g[i] as number;
      m[i] = b1 * (m[i] as number) + (1 - b1) * gi;
      v[i] = b2 * (v[i] as number) + (1 - b2) * gi * gi;
      return xi - (lrT * (m[i] as number)) / (Math.sqrt(v[i] as number) + eps);
    });
  };
}

/**
 * Seed 002 Adam: m_w = mw / (1 - betam^t), v_w = vw / (1 - betav^t) (the moments themselves stay
 * uncorrected); w -= lr · m_w / sqrt(v_w). No epsilon.
 */
function seedAdamRule(lr: number, b1: number, b2: number): Rule {
  const mw = zeros();
  const vw = zeros();
  return (x, g, t) =>
    x.map((xi, i) => {
      const gi = g[i] as number;
      mw[i] = b1 * (mw[i] as number) + (1 - b1) * gi;
      vw[i] = b2 * (vw[i] as number) + (1 - b2) * gi * gi;
      const mHat = (mw[i] as number) / (1 - b1 ** t);
      const vHat = (vw[i] as number) / (1 - b2 ** t);
      return xi - (lr * mHat) / Math.sqrt(vHat);
    });
}

/**
 * AdadeltaOptimizer (ApplyAdadelta): accum = rho · accum + (1 - rho) · grad²;
 * update = sqrt(accum_update + epsilon) · rsqrt(accum + epsilon) · grad; var -= update · lr;
 * accum_update = rho · accum_update + (1 - rho) · update². Both slots start at 0.
 */
function adadeltaRule(lr: number, rho: number, eps: number): Rule {
  const accum = zeros();
  const accumUpdate = zeros();
  return (x, g) =>
    x.map((v, i) => {
      const gi = g[i] as number;
      accum[i] = rho * (accum[i] as number) + (1 - rho) * gi * gi;
      const update = (Math.sqrt((accumUpdate[i] as number) + eps) / Math.sqrt((accum[i] as number) + eps)) * gi;
      accumUpdate[i] = rho * (accumUpdate[i] as number) + (1 - rho) * update * update;
      return v - update * lr;
    });
}

// ---- The cases ----

interface Case {
  readonly name: string;
  readonly optimizer: () => gg.optim.GradientTransformation<gg.optim.ChainState>;
  readonly rule: () => Rule;
  /** The learning rate the step reports. */
  readonly lr: number;
}

const { optim } = gg;
const CASES: readonly Case[] = [
  { name: "sgd", optimizer: () => optim.sgd({ lr: 0.1 }), rule: () => sgdRule(0.1), lr: 0.1 },
  { name: "momentum", optimizer: () => optim.momentum({ lr: 0.05, momentum: 0.9 }), rule: () => momentumRule(0.05, 0.9, false), lr: 0.05 },
  {
    name: "momentum (nesterov)",
    optimizer: () => optim.momentum({ lr: 0.05, momentum: 0.8, nesterov: true }),
    rule: () => momentumRule(0.05, 0.8, true),
    lr: 0.05,
  },
  { name: "momentum (default momentum 0.9)", optimizer: () => optim.momentum({ lr: 0.02 }), rule: () => momentumRule(0.02, 0.9, false), lr: 0.02 },
  { name: "sgdm (seed)", optimizer: () => optim.sgdm({ lr: 0.1, beta: 0.9 }), rule: () => sgdmRule(0.1, 0.9), lr: 0.1 },
  { name: "sgdm (default beta 0.9)", optimizer: () => optim.sgdm({ lr: 0.3 }), rule: () => sgdmRule(0.3, 0.9), lr: 0.3 },
  { name: "adagrad (TF: accumulator from 0.1)", optimizer: () => optim.adagrad({ lr: 0.2 }), rule: () => adagradRule(0.2, 0.1), lr: 0.2 },
  {
    name: "adagrad (TF, initial accumulator 0.5)",
    optimizer: () => optim.adagrad({ lr: 0.2, initialAccumulator: 0.5 }),
    rule: () => adagradRule(0.2, 0.5),
    lr: 0.2,
  },
  {
    name: "adagrad (seed: accumulator from 0)",
    optimizer: () => optim.adagrad({ lr: 0.1, initialAccumulator: 0 }),
    rule: () => adagradRule(0.1, 0),
    lr: 0.1,
  },
  {
    name: "rmsprop (TF defaults: decay 0.9, momentum 0, eps 1e-10, ms from 1)",
    optimizer: () => optim.rmsprop({ lr: 0.01 }),
    rule: () => rmspropRule({ lr: 0.01, rho: 0.9, momentum: 0, eps: 1e-10, centered: false }),
    lr: 0.01,
  },
  {
    name: "rmsprop (momentum 0.7, decay 0.8, eps 1e-3)",
    optimizer: () => optim.rmsprop({ lr: 0.05, decay: 0.8, momentum: 0.7, eps: 1e-3 }),
    rule: () => rmspropRule({ lr: 0.05, rho: 0.8, momentum: 0.7, eps: 1e-3, centered: false }),
    lr: 0.05,
  },
  {
    name: "rmsprop (centered)",
    optimizer: () => optim.rmsprop({ lr: 0.02, centered: true }),
    rule: () => rmspropRule({ lr: 0.02, rho: 0.9, momentum: 0, eps: 1e-10, centered: true }),
    lr: 0.02,
  },
  {
    name: "rmsprop (centered, momentum 0.5)",
    optimizer: () => optim.rmsprop({ lr: 0.02, centered: true, momentum: 0.5, decay: 0.95 }),
    rule: () => rmspropRule({ lr: 0.02, rho: 0.95, momentum: 0.5, eps: 1e-10, centered: true }),
    lr: 0.02,
  },
  {
    name: "rmsprop (seed: initialScale 0, eps 0)",
    optimizer: () => optim.rmsprop({ lr: 0.01, decay: 0.9, initialScale: 0, eps: 0 }),
    rule: () => seedRmspropRule(0.01, 0.9),
    lr: 0.01,
  },
  {
    name: "adam (TF defaults: lr 0.001, 0.9, 0.999, 1e-8)",
    optimizer: () => optim.adam(),
    rule: () => adamRule(0.001, 0.9, 0.999, 1e-8),
    lr: 0.001,
  },
  {
    name: "adam (lr 0.1, 0.8, 0.9, eps 1e-3)",
    optimizer: () => optim.adam({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-3 }),
    rule: () => adamRule(0.1, 0.8, 0.9, 1e-3),
    lr: 0.1,
  },
  {
    name: "adam (seed: eps 0)",
    optimizer: () => optim.adam({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 0 }),
    rule: () => seedAdamRule(0.1, 0.9, 0.999),
    lr: 0.1,
  },
  {
    name: "adadelta (TF defaults: lr 0.001, rho 0.95, eps 1e-8)",
    optimizer: () => optim.adadelta(),
    rule: () => adadeltaRule(0.001, 0.95, 1e-8),
    lr: 0.001,
  },
  {
    name: "adadelta (lr 1, rho 0.9, eps 1e-4)",
    optimizer: () => optim.adadelta({ lr: 1, rho: 0.9, eps: 1e-4 }),
    rule: () => adadeltaRule(1, 0.9, 1e-4),
    lr: 1,
  },
];

const w = gg.param("w", [3], "float64");
const m = gg.param("m", [2, 2], "float64");
const quadratic = (x: gg.Expr, c: gg.NestedArray, t: gg.NestedArray): gg.Expr =>
  gg.sum(gg.mul(gg.constant(c, "float64"), gg.square(gg.sub(x, gg.constant(t, "float64")))));
const LOSS = gg.add(quadratic(w, C, T), quadratic(m, D, S));

const flat = (state: gg.TrainState): number[] => [...(state.params["w"] as gg.Tensor).data, ...(state.params["m"] as gg.Tensor).data];

/**
 * Each value within 1e-9 of the reference, relative to how far the parameter has moved (so that
 * optimizers with tiny steps are held to the same standard), with a floor of a few float64 ulps.
 */
function expectClose(actual: readonly number[], expected: readonly number[], start: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    const moved = Math.abs(e - (start[i] as number));
    expect(moved).toBeGreaterThan(0);
    const tol = 1e-9 * moved + 1e-15;
    if (!(Math.abs(a - e) <= tol)) throw new Error(`element ${i}: got ${a}, expected ${e} (difference ${Math.abs(a - e)} > ${tol})`);
  });
}

describe("optimizers against TensorFlow's documented update rules (3 steps, float64)", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const step = await gg.trainStep({ loss: LOSS, optimizer: c.optimizer() });
      let state = await step.init({ w: W0, m: M0 });
      expect(flat(state)).toEqual(X0);
      const rule = c.rule();
      let x = [...X0];
      for (let t = 1; t <= 3; t++) {
        const [next, metrics] = await step.run(state, {});
        const g = gradOf(x);
        expect(metrics["loss"]).toBeCloseTo(lossOf(x), 12);
        expect(metrics["gradNorm"]).toBeCloseTo(Math.hypot(...g), 12);
        expect(metrics["lr"]).toBe(c.lr);
        x = rule(x, g, t);
        expectClose(flat(next), x, X0);
        expect(next.step).toBe(t);
        state = next;
      }
    });
  }

  it("the cases tell the rules apart (a reference of another optimizer does not match)", async () => {
    // Guards against a comparison that cannot fail: TF's Adagrad (from 0.1) against the seed's (from 0).
    const step = await gg.trainStep({ loss: LOSS, optimizer: optim.adagrad({ lr: 0.2 }) });
    const [next] = await step.run(await step.init({ w: W0, m: M0 }), {});
    expect(() => expectClose(flat(next), adagradRule(0.2, 0)(X0, gradOf(X0), 1), X0)).toThrow(/expected/);
  });
});

describe("TensorFlow.js's Adam case (lr 0.1, β1 0.8, β2 0.9, ε 1e-8, x = [2, 4], f = Σx²)", () => {
  for (const dtype of ["float64", "float32"] as const) {
    it(`after 1 step [1.9, 3.9], after 2 steps [1.800183, 3.800082] (${dtype})`, async () => {
      const x = gg.param("x", [2], dtype);
      const step = await gg.trainStep({ loss: gg.sum(gg.square(x)), optimizer: optim.adam({ lr: 0.1, b1: 0.8, b2: 0.9, eps: 1e-8 }) });
      const s0 = await step.init({ x: [2, 4] });
      const [s1] = await step.run(s0, {});
      const [s2] = await step.run(s1, {});
      const v1 = [...(s1.params["x"] as gg.Tensor).data];
      const v2 = [...(s2.params["x"] as gg.Tensor).data];
      [1.9, 3.9].forEach((e, i) => expect(Math.abs((v1[i] as number) - e)).toBeLessThan(1e-5));
      [1.800183, 3.800082].forEach((e, i) => expect(Math.abs((v2[i] as number) - e)).toBeLessThan(1e-5));
    });
  }
});
