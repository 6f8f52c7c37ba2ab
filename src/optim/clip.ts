import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, div, maximum, minimum, mul, scalar, sqrt, sum } from "../ops.js";
import { mapParams, type Params } from "./tree.js";
import { type EmptyState, EMPTY, type GradientTransformation, stateless } from "./transform.js";

/** Gradient clipping with TensorFlow's semantics. */

/** sqrt(Σ_t Σ t²) over all tensors, a list or a record (TF's global_norm), in the dtype of the first one. */
export function globalNorm(ts: GradientList): Expr {
  if (Array.isArray(ts)) arg.exprList("optim.globalNorm", ts, "the tensors");
  else arg.exprRecord("optim.globalNorm", ts, "the tensors");
  const parts: readonly Expr[] = Array.isArray(ts) ? ts : Object.values(ts as Params);
  const first = parts[0];
  if (first === undefined) return scalar(0);
  return sqrt(parts.map((t) => cast(sumOfSquares(t), first.dtype)).reduce((a, b) => add(a, b)));
}

/**
 * Σ t², over the last axis first and then over those row sums: many short chains that a backend
 * interleaves and shares between threads, where one sum over every element is a single chain of
 * dependent additions (each sum accumulates in float64, in order).
 */
function sumOfSquares(t: Expr): Expr {
  const squares = mul(t, t);
  return t.shape.length >= 2 ? sum(sum(squares, -1)) : sum(squares);
}

function checkPositive(op: string, c: number): void {
  arg.number(op, c, "the clip norm", { nonFinite: true });
  if (!(c > 0) || !Number.isFinite(c)) throw new GraphgradError(op, `the clip norm must be a positive number, got ${c}`);
}

/** The factor c / max(norm, c) of TF's clip_by_global_norm, in the norm's dtype (1 while norm <= c). */
function clipFactor(norm: Expr, c: number): Expr {
  return div(scalar(c, norm.dtype), maximum(norm, c));
}

/** Gradients as a list (a tuple stays a tuple of the same length) or as a record by name. */
export type GradientList = readonly Expr[] | Params;

/** The same container of expressions: a tuple of the same length, or a record with the same keys. */
export type Clipped<T extends GradientList> = T extends readonly Expr[] ? { -readonly [I in keyof T]: Expr } : { readonly [K in keyof T]: Expr };

/**
 * TF's `tf.clip_by_global_norm(t_list, clip_norm)` as expressions: every t becomes
 * t·c / max(globalNorm, c), so the joint norm is at most c and directions are kept. Returns the
 * clipped tensors (a list or a record, as given) and the global norm before clipping.
 * The math `optim.clipByGlobalNorm(c)` applies inside an optimizer.
 */
export function clipByGlobalNormOf<const T extends GradientList>(grads: T, c: number): [clipped: Clipped<T>, norm: Expr] {
  checkPositive("clipByGlobalNorm", c);
  if (Array.isArray(grads)) arg.exprList("clipByGlobalNorm", grads, "the gradients");
  else arg.exprRecord("clipByGlobalNorm", grads, "the gradients");
  const list: readonly Expr[] = Array.isArray(grads) ? grads : Object.values(grads as Params);
  const norm = globalNorm(list);
  const factor = clipFactor(norm, c);
  const clip = (g: Expr): Expr => mul(g, cast(factor, g.dtype));
  const clipped = Array.isArray(grads) ? grads.map(clip) : mapParams(grads as Params, clip);
  return [clipped as Clipped<T>, norm];
}

/**
 * TF's clip_by_global_norm as a transformation: every update t becomes t·c / max(global_norm, c).
 * Reports the norm before clipping as the metric `gradNorm`.
 */
export function clipByGlobalNorm(c: number): GradientTransformation<EmptyState, "gradNorm"> {
  checkPositive("clipByGlobalNorm", c);
  return {
    init: () => EMPTY,
    update: (grads, state) => {
      const [clipped, norm] = clipByGlobalNormOf(grads, c);
      return [clipped, state, { gradNorm: norm }];
    },
  };
}

/** Clamps every element into [lo, hi] (TF's clip_by_value). */
export function clipByValue(lo: number, hi: number): GradientTransformation<EmptyState, never> {
  arg.number("clipByValue", lo, "lo", { nonFinite: true });
  arg.number("clipByValue", hi, "hi", { nonFinite: true });
  if (!(lo <= hi)) throw new GraphgradError("clipByValue", `needs lo <= hi, got [${lo}, ${hi}]`);
  return stateless((g) => minimum(maximum(g, lo), hi));
}

/** Each tensor t becomes t·c / max(‖t‖₂, c) (TF's clip_by_norm, per tensor). */
export function clipByNorm(c: number): GradientTransformation<EmptyState, never> {
  checkPositive("clipByNorm", c);
  return stateless((g) => {
    const n = sqrt(sum(mul(g, g)));
    return mul(g, div(c, maximum(n, c)));
  });
}
