import * as arg from "../args.js";
import { entry, mapParams } from "./tree.js";
import { type Mask, maskedNames, pick } from "./mask.js";
import type { GradientTransformation, TransformState } from "./transform.js";

export interface MaskedState<S extends TransformState = TransformState> extends TransformState {
  readonly _tag: "MaskedState";
  /** The inner transformation's state, built from the masked parameters only. */
  readonly inner: S;
}

/**
 * optax's `masked(inner, mask)`: `inner` sees only the parameters the mask selects (their
 * gradients, state and values); the other updates pass through unchanged, as given. The inner
 * state holds entries for the selected parameters only. The update context (the global step) is
 * passed on to `inner`.
 */
export function masked<S extends TransformState, K extends string>(inner: GradientTransformation<S, K>, mask: Mask): GradientTransformation<MaskedState<S>, K> {
  arg.transformation("masked", inner, "the inner transformation");
  arg.mask("masked", mask);
  return {
    init: (params) => Object.freeze({ _tag: "MaskedState", inner: inner.init(pick(params, maskedNames(mask, params, "masked"))) }),
    update: (grads, state, params, context) => {
      const keep = maskedNames(mask, grads, "masked");
      const [updates, next, metrics] = inner.update(pick(grads, keep), state.inner, pick(params, keep), context);
      const merged = mapParams(grads, (g, n) => (keep.has(n) ? entry(updates, n, "masked") : g));
      return [merged, Object.freeze({ _tag: "MaskedState", inner: next }), metrics];
    },
  };
}
