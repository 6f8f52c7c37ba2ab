import { cast, add, mul } from "../ops.js";
import type { Expr } from "../expr.js";
import { entry, mapParams, type Params } from "./tree.js";

/**
 * Gradient transformations in optax's shape: `init(params) -> state` and
 * `update(grads, state, params) -> [updates, state, metrics]`, pure functions of symbolic
 * tensors. Updates are ADDED to the parameters (`applyUpdates`), so a descent step carries its
 * minus sign (as in optax). States are immutable records tagged with `_tag`.
 */
export interface TransformState {
  readonly _tag: string;
}

/** Scalars a transformation reports (the clipping norm, the learning rate...). */
export type Metrics = Readonly<Record<string, Expr>>;

export type UpdateResult<S> = readonly [updates: Params, state: S, metrics: Metrics];

export interface GradientTransformation<S extends TransformState = TransformState> {
  /** The initial state, built from the parameters (their shapes, sometimes their values). */
  init(params: Params): S;
  /** Transformed updates and the next state. Pure: the given state is not changed. */
  update(grads: Params, state: S, params: Params): UpdateResult<S>;
}

export interface EmptyState extends TransformState {
  readonly _tag: "EmptyState";
}
export const EMPTY: EmptyState = Object.freeze({ _tag: "EmptyState" });

/** A stateless transformation from a function of (gradient, parameter). */
export function stateless(f: (g: Expr, p: Expr, name: string) => Expr, metrics?: (grads: Params) => Metrics): GradientTransformation<EmptyState> {
  return {
    init: () => EMPTY,
    update: (grads, state, params) => [mapParams(grads, (g, n) => f(g, entry(params, n, "update"), n)), state, metrics?.(grads) ?? {}],
  };
}

/** Passes gradients through unchanged. */
export function identity(): GradientTransformation<EmptyState> {
  return stateless((g) => g);
}

/** Multiplies every update by a constant. */
export function scale(c: number): GradientTransformation<EmptyState> {
  return stateless((g) => mul(g, c));
}

export interface ChainState extends TransformState {
  readonly _tag: "ChainState";
  readonly inner: readonly TransformState[];
}

/** Applies transformations in order; the state is the tuple of their states; metrics are merged. */
export function chain(...transforms: readonly GradientTransformation[]): GradientTransformation<ChainState> {
  return {
    init: (params) => Object.freeze({ _tag: "ChainState", inner: Object.freeze(transforms.map((t) => t.init(params))) }),
    update: (grads, state, params) => {
      let u = grads;
      const next: TransformState[] = [];
      let metrics: Metrics = {};
      transforms.forEach((t, i) => {
        const [u2, s2, m2] = t.update(u, state.inner[i] as TransformState, params);
        u = u2;
        next.push(s2);
        metrics = { ...metrics, ...m2 };
      });
      return [u, Object.freeze({ _tag: "ChainState", inner: Object.freeze(next) }), metrics];
    },
  };
}

/** params + updates, each update cast to its parameter's dtype. */
export function applyUpdates(params: Params, updates: Params): Params {
  return mapParams(params, (p, n) => {
    const u = updates[n];
    return u === undefined ? p : add(p, cast(u, p.dtype));
  });
}
