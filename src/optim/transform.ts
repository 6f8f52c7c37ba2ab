import { cast, add, mul } from "../ops.js";
import * as arg from "../args.js";
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

/** Scalars a transformation reports (the clipping norm, the learning rate...), by name. */
export type Metrics<K extends string = string> = Readonly<Record<K, Expr>>;

export type UpdateResult<S, K extends string = string> = readonly [updates: Params, state: S, metrics: Metrics<K>];

/**
 * What the caller of `update` knows besides gradients, state and parameters. `trainStep` passes
 * its state's `step` (the updates applied before this one, an int32 scalar): every schedule in an
 * optimizer reads it (`scheduleCount`) instead of its own counter, so setting a train state's step
 * (`trainStep(...).withStep(state, n)`) moves every schedule to step n. Called without a
 * context (as optax's `update`), a schedule reads its own count.
 */
export interface UpdateContext {
  readonly step?: Expr;
}

/**
 * A gradient transformation with state S, reporting the metrics named K (`"lr"` for a learning
 * rate, `"gradNorm"` for global-norm clipping; `never` when it reports none).
 */
export interface GradientTransformation<S extends TransformState = TransformState, K extends string = string> {
  /** The initial state, built from the parameters (their shapes, sometimes their values). */
  init(params: Params): S;
  /** Transformed updates and the next state. Pure: the given state is not changed. */
  update(grads: Params, state: S, params: Params, context?: UpdateContext): UpdateResult<S, K>;
}

/** The metric names a transformation reports. */
export type MetricNamesOf<T> = T extends GradientTransformation<infer _S, infer K> ? K : never;

/** The count a schedule reads: the caller's global step when it gives one, else the transformation's own count. */
export function scheduleCount(ownCount: Expr, context: UpdateContext | undefined): Expr {
  return context?.step ?? ownCount;
}

export interface EmptyState extends TransformState {
  readonly _tag: "EmptyState";
}
export const EMPTY: EmptyState = Object.freeze({ _tag: "EmptyState" });

/** A stateless transformation from a function of (gradient, parameter), optionally reporting metrics. */
export function stateless<K extends string = never>(f: (g: Expr, p: Expr, name: string) => Expr, metrics?: (grads: Params) => Metrics<K>): GradientTransformation<EmptyState, K> {
  arg.func("optim.stateless", f, "the update function");
  if (metrics !== undefined) arg.func("optim.stateless", metrics, "the metrics function");
  return {
    init: () => EMPTY,
    update: (grads, state, params) => [mapParams(grads, (g, n) => f(g, entry(params, n, "update"), n)), state, metrics?.(grads) ?? ({} as Metrics<K>)],
  };
}

/** Passes gradients through unchanged. */
export function identity(): GradientTransformation<EmptyState, never> {
  return stateless((g) => g);
}

/** Multiplies every update by a constant. */
export function scale(c: number): GradientTransformation<EmptyState, never> {
  arg.number("optim.scale", c, "the factor");
  return stateless((g) => mul(g, c));
}

export interface ChainState extends TransformState {
  readonly _tag: "ChainState";
  readonly inner: readonly TransformState[];
}

/** Applies transformations in order; the state is the tuple of their states; metrics are merged (the context is passed to each). */
export function chain<const T extends readonly GradientTransformation<TransformState, string>[]>(...transforms: T): GradientTransformation<ChainState, MetricNamesOf<T[number]>> {
  const all = transforms as readonly GradientTransformation[];
  all.forEach((t, i) => {
    arg.record("optim.chain", t, `transformation ${i}`);
    arg.func("optim.chain", t.init, `transformation ${i}'s init`);
    arg.func("optim.chain", t.update, `transformation ${i}'s update`);
  });
  return {
    init: (params) => Object.freeze({ _tag: "ChainState", inner: Object.freeze(all.map((t) => t.init(params))) }),
    update: (grads, state, params, context) => {
      let u = grads;
      const next: TransformState[] = [];
      let metrics: Metrics = {};
      all.forEach((t, i) => {
        const [u2, s2, m2] = t.update(u, state.inner[i] as TransformState, params, context);
        u = u2;
        next.push(s2);
        metrics = { ...metrics, ...m2 };
      });
      return [u, Object.freeze({ _tag: "ChainState", inner: Object.freeze(next) }), metrics as Metrics<MetricNamesOf<T[number]>>];
    },
  };
}

/** params + updates, each update cast to its parameter's dtype. */
export function applyUpdates(params: Params, updates: Params): Params {
  arg.exprRecord("optim.applyUpdates", params, "the parameters");
  arg.exprRecord("optim.applyUpdates", updates, "the updates");
  return mapParams(params, (p, n) => {
    const u = updates[n];
    return u === undefined ? p : add(p, cast(u, p.dtype));
  });
}
