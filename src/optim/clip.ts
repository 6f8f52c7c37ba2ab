import { GraphgradError } from "../../ir/errors.js";
import type { Expr } from "../expr.js";
import { add, cast, div, maximum, minimum, mul, scalar, sqrt, sum } from "../ops.js";
import { mapParams, type Params } from "./tree.js";
import { type EmptyState, EMPTY, type GradientTransformation, stateless } from "./transform.js";

/** Gradient clipping with TensorFlow's semantics. */

/** sqrt(Σ_t Σ t²) over all tensors (TF's global_norm), in the dtype of the first one. */
export function globalNorm(ts: Params): Expr {
  const parts = Object.values(ts);
  const first = parts[0];
  if (first === undefined) return scalar(0);
  return sqrt(parts.map((t) => cast(sum(mul(t, t)), first.dtype)).reduce((a, b) => add(a, b)));
}

function checkPositive(op: string, c: number): void {
  if (!(c > 0) || !Number.isFinite(c)) throw new GraphgradError(op, `the clip norm must be a positive number, got ${c}`);
}

/**
 * TF's clip_by_global_norm: every t becomes t·c / max(global_norm, c), so the joint norm is at
 * most c and directions are kept. Reports the norm before clipping as the metric `gradNorm`.
 */
export function clipByGlobalNorm(c: number): GradientTransformation<EmptyState> {
  checkPositive("clipByGlobalNorm", c);
  return {
    init: () => EMPTY,
    update: (grads, state) => {
      const norm = globalNorm(grads);
      const factor = div(scalar(c, norm.dtype), maximum(norm, c));
      return [mapParams(grads, (g) => mul(g, cast(factor, g.dtype))), state, { gradNorm: norm }];
    },
  };
}

/** Clamps every element into [lo, hi] (TF's clip_by_value). */
export function clipByValue(lo: number, hi: number): GradientTransformation<EmptyState> {
  if (!(lo <= hi)) throw new GraphgradError("clipByValue", `needs lo <= hi, got [${lo}, ${hi}]`);
  return stateless((g) => minimum(maximum(g, lo), hi));
}

/** Each tensor t becomes t·c / max(‖t‖₂, c) (TF's clip_by_norm, per tensor). */
export function clipByNorm(c: number): GradientTransformation<EmptyState> {
  checkPositive("clipByNorm", c);
  return stateless((g) => {
    const n = sqrt(sum(mul(g, g)));
    return mul(g, div(c, maximum(n, c)));
  });
}
