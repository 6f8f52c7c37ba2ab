import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, div, equal, scalar, sub, where, zerosLike } from "../ops.js";
import type { GradientTransformation, TransformState } from "./transform.js";
import { entry, flattenTree, mapParams, mapTree, type Params } from "./tree.js";

export interface MultiStepsState<S extends TransformState = TransformState> extends TransformState {
  readonly _tag: "MultiStepsState";
  /** Gradients accumulated since the last update, 0..k−1 (int32 scalar). */
  readonly miniStep: Expr;
  /** Updates the inner transformation has made (int32 scalar). */
  readonly gradientStep: Expr;
  readonly inner: S;
  /** The running mean of the gradients accumulated since the last update. */
  readonly accGrads: Params;
}

/**
 * optax's `MultiSteps(inner, every_k_schedule=k)` (as a gradient transformation): gradient
 * accumulation. Each call folds the gradient into a running mean, acc ← acc + (g − acc)/(n + 1);
 * on every k-th call the inner transformation updates from that mean (and its state moves on)
 * and the mean restarts from 0; on the other calls the updates are zero and the inner state is
 * kept. Both branches are in the graph and selected with `where`: no host control flow. The
 * accumulator keeps the gradients' dtype (optax's default accumulator is float32). Given a global
 * step (the mini-batches so far, as `trainStep` passes it), the inner schedules read ⌊step/k⌋,
 * the inner updates so far, which is optax's count.
 */
export function multiSteps<S extends TransformState, K extends string>(inner: GradientTransformation<S, K>, k: number): GradientTransformation<MultiStepsState<S>, K> {
  arg.transformation("multiSteps", inner, "the inner transformation");
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1) throw new GraphgradError("multiSteps", `k (the number of gradients per update) must be a positive integer, got ${arg.describe(k)}`);
  return {
    init: (params) =>
      Object.freeze({
        _tag: "MultiStepsState",
        miniStep: scalar(0, "int32"),
        gradientStep: scalar(0, "int32"),
        inner: inner.init(params),
        accGrads: mapParams(params, zerosLike),
      }),
    update: (grads, state, params, context) => {
      const accGrads = mapParams(grads, (g, n) => {
        const acc = entry(state.accGrads, n, "multiSteps");
        return add(acc, div(sub(g, acc), cast(add(state.miniStep, 1), g.dtype)));
      });
      // The inner transformation counts its own updates; a global step (mini-batches) becomes ⌊step/k⌋.
      const innerContext = context?.step === undefined ? context : { ...context, step: div(context.step, k) };
      const [innerUpdates, innerNext, metrics] = inner.update(accGrads, state.inner, params, innerContext);
      const emit = equal(state.miniStep, k - 1);
      const next: MultiStepsState<S> = Object.freeze({
        _tag: "MultiStepsState",
        miniStep: where(emit, scalar(0, "int32"), add(state.miniStep, 1)),
        gradientStep: where(emit, add(state.gradientStep, 1), state.gradientStep),
        inner: selectTree(emit, innerNext, state.inner),
        accGrads: mapParams(accGrads, (a) => where(emit, zerosLike(a), a)),
      });
      const updates = mapParams(grads, (g, n) => where(emit, cast(entry(innerUpdates, n, "multiSteps"), g.dtype), zerosLike(g)));
      return [updates, next, metrics];
    },
  };
}

/** The tree `ifTrue` where `cond` holds, else `ifFalse`, leaf by leaf (the trees have one structure). */
function selectTree<S extends TransformState>(cond: Expr, ifTrue: S, ifFalse: S): S {
  const chosen = new Map(flattenTree(ifTrue));
  if (chosen.size !== flattenTree(ifFalse).length) throw new GraphgradError("multiSteps", "the inner transformation's state changed structure in update");
  return mapTree(ifFalse, (leaf, path) => {
    const t = chosen.get(path);
    if (t === undefined) throw new GraphgradError("multiSteps", `the inner transformation's updated state has no leaf '${path}'`);
    return cast(where(cond, t as Expr, leaf as Expr), (leaf as Expr).dtype);
  }) as S;
}
