import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, div, mul, pow, scalar, sqrt, sub, zerosLike } from "../ops.js";
import { scaleByLearningRate } from "./learning-rate.js";
import type { Mask } from "./mask.js";
import type { LearningRate, Schedule } from "./schedules.js";
import { chain, type ChainState, type GradientTransformation, type TransformState } from "./transform.js";
import { entry, mapParams, type Params } from "./tree.js";
import { addDecayedWeights } from "./weight-decay.js";

export interface BiasCorrectedAdamState extends TransformState {
  readonly _tag: "BiasCorrectedAdamState";
  /** Steps taken (int32 scalar). */
  readonly count: Expr;
  readonly mu: Params;
  readonly nu: Params;
}

/** 1 − decay^t (optax's bias_correction denominator), in `dtype`. */
const correction = (decay: number, t: Expr, dtype: Expr["dtype"]): Expr => sub(1, pow(scalar(decay, dtype), cast(t, dtype)));

/**
 * optax's `scale_by_adam`: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², t ← t + 1,
 * m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), direction m̂ / (√(v̂ + εroot) + ε). Unlike `scaleByAdam`
 * (TensorFlow's), ε is added to the bias-corrected √v̂. With `nesterov` (NAdam, Dozat 2016),
 * m̂ = β1·m/(1−β1ᵗ⁺¹) + (1−β1)·g/(1−β1ᵗ).
 */
export function scaleByBiasCorrectedAdam(o: { b1?: number; b2?: number; eps?: number; epsRoot?: number; nesterov?: boolean } = {}): GradientTransformation<BiasCorrectedAdamState, never> {
  arg.options("optim.adamw", o);
  for (const k of ["b1", "b2", "eps", "epsRoot"] as const) arg.optionalNumber("optim.adamw", o[k], k);
  arg.optionalBoolean("optim.adamw", o.nesterov, "nesterov");
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const epsRoot = o.epsRoot ?? 0;
  const nesterov = o.nesterov === true;
  return {
    init: (params) =>
      Object.freeze({ _tag: "BiasCorrectedAdamState", count: scalar(0, "int32"), mu: mapParams(params, zerosLike), nu: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const count = add(state.count, 1);
      const mu = mapParams(grads, (g, n) => add(mul(g, 1 - b1), mul(entry(state.mu, n, "adamw"), b1)));
      const nu = mapParams(grads, (g, n) => add(mul(mul(g, g), 1 - b2), mul(entry(state.nu, n, "adamw"), b2)));
      const updates = mapParams(grads, (g, n) => {
        const m = entry(mu, n, "adamw");
        const mHat = nesterov
          ? add(mul(div(m, correction(b1, add(count, 1), g.dtype)), b1), mul(div(g, correction(b1, count, g.dtype)), 1 - b1))
          : div(m, correction(b1, count, g.dtype));
        const vHat = div(entry(nu, n, "adamw"), correction(b2, count, g.dtype));
        return div(mHat, add(sqrt(add(vHat, epsRoot)), eps));
      });
      return [updates, Object.freeze({ _tag: "BiasCorrectedAdamState", count, mu, nu }), {}];
    },
  };
}

/**
 * optax's `adamw`: Adam with decoupled weight decay (Loshchilov & Hutter 2019),
 * chain(scale_by_adam, add_decayed_weights(weightDecay, mask), scale_by_learning_rate(lr)):
 * w ← w − lr·(m̂/(√(v̂ + εroot) + ε) + weightDecay·w). The mask chooses which parameters decay
 * (Adam itself applies to all); `nesterov` gives optax's `nadamw`.
 */
export function adamw(o: {
  lr: LearningRate;
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  weightDecay?: number | Schedule;
  mask?: Mask;
  nesterov?: boolean;
}): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.adamw", o, "the options");
  return chain(scaleByBiasCorrectedAdam(o), addDecayedWeights(o.weightDecay ?? 1e-4, o.mask), scaleByLearningRate(o.lr));
}
