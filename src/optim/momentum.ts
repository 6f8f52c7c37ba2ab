import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, mul, zerosLike } from "../ops.js";
import { entry, mapParams, type Params } from "./tree.js";
import type { GradientTransformation, TransformState } from "./transform.js";

export interface TraceState extends TransformState {
  readonly _tag: "TraceState";
  readonly trace: Params;
}

/**
 * TF's MomentumOptimizer accumulator: a ← m·a + g, update a (Nesterov: g + m·a, with the new a).
 * Chained before `scaleByLearningRate` this is `w -= lr·a`.
 */
export function traceMomentum(o: { decay: number; nesterov?: boolean }): GradientTransformation<TraceState, never> {
  arg.record("optim.traceMomentum", o, "the options");
  arg.number("optim.traceMomentum", o.decay, "decay (the momentum)");
  arg.optionalBoolean("optim.traceMomentum", o.nesterov, "nesterov");
  return {
    init: (params) => Object.freeze({ _tag: "TraceState", trace: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const trace = mapParams(grads, (g, n) => add(mul(entry(state.trace, n, "traceMomentum"), o.decay), g));
      const updates = o.nesterov === true ? mapParams(grads, (g, n) => add(g, mul(entry(trace, n, "traceMomentum"), o.decay))) : trace;
      return [updates, Object.freeze({ _tag: "TraceState", trace }), {}];
    },
  };
}

export interface EmaState extends TransformState {
  readonly _tag: "EmaState";
  readonly mu: Params;
}

/** The seed's SGDM momentum, an exponential moving average of gradients: m ← β·m + (1-β)·g. */
export function emaMomentum(o: { beta: number }): GradientTransformation<EmaState, never> {
  arg.record("optim.emaMomentum", o, "the options");
  arg.number("optim.emaMomentum", o.beta, "beta");
  return {
    init: (params) => Object.freeze({ _tag: "EmaState", mu: mapParams(params, zerosLike) }),
    update: (grads, state) => {
      const mu = mapParams(grads, (g: Expr, n) => add(mul(entry(state.mu, n, "emaMomentum"), o.beta), mul(g, 1 - o.beta)));
      return [mu, Object.freeze({ _tag: "EmaState", mu }), {}];
    },
  };
}
