import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, mul, scalar, sign, zerosLike } from "../ops.js";
import { scaleByLearningRate } from "./learning-rate.js";
import type { Mask } from "./mask.js";
import type { LearningRate, Schedule } from "./schedules.js";
import { chain, type ChainState, type GradientTransformation, type TransformState } from "./transform.js";
import { entry, mapParams, type Params } from "./tree.js";
import { addDecayedWeights } from "./weight-decay.js";

export interface LionState extends TransformState {
  readonly _tag: "LionState";
  /** Steps taken (int32 scalar). */
  readonly count: Expr;
  readonly mu: Params;
}

/**
 * optax's `scale_by_lion` (Chen et al. 2023): direction sign((1−β1)·g + β1·m), then the momentum
 * m ← (1−β2)·g + β2·m (a slower average than the one the sign is taken of).
 */
export function scaleByLion(o: { b1?: number; b2?: number } = {}): GradientTransformation<LionState, never> {
  arg.options("optim.lion", o);
  arg.optionalNumber("optim.lion", o.b1, "b1");
  arg.optionalNumber("optim.lion", o.b2, "b2");
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.99;
  return {
    init: (params) => Object.freeze({ _tag: "LionState", count: scalar(0, "int32"), mu: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const updates = mapParams(grads, (g, n) => sign(add(mul(g, 1 - b1), mul(entry(state.mu, n, "lion"), b1))));
      const mu = mapParams(grads, (g, n) => add(mul(g, 1 - b2), mul(entry(state.mu, n, "lion"), b2)));
      return [updates, Object.freeze({ _tag: "LionState", count: add(state.count, 1), mu }), {}];
    },
  };
}

/**
 * optax's `lion`: chain(scale_by_lion, add_decayed_weights(weightDecay, mask), scale_by_learning_rate(lr)),
 * w ← w − lr·(sign((1−β1)·g + β1·m) + weightDecay·w). Defaults β1 0.9, β2 0.99, weight decay 1e-3.
 */
export function lion(o: { lr: LearningRate; b1?: number; b2?: number; weightDecay?: number | Schedule; mask?: Mask }): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.lion", o, "the options");
  return chain(scaleByLion(o), addDecayedWeights(o.weightDecay ?? 1e-3, o.mask), scaleByLearningRate(o.lr));
}
