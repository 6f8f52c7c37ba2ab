import { emit } from "../../../ir/build.js";
import { sizeOf } from "../../../ir/shape.js";
import { Expr } from "../../expr.js";
import { grad } from "../../grad.js";
import { concat, mul, reshape, sum } from "../../ops.js";
import { jvp } from "../../transforms/jvp.js";

export type GradMode = "rev" | "fwd";

/** Fixed values in [0.5, 1.5) (a golden-ratio sequence): no zeros, no two alike, the same every run. */
export function pattern(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => 0.5 + ((i * 0.618034 + seed * 0.381966) % 1));
}

/** A float64 constant of `shape` holding `pattern(size, seed)`. */
export function patternOf(shape: readonly number[], seed: number): Expr {
  return Expr.of(emit("literal", [], { shape, dtype: "float64", values: pattern(sizeOf(shape), seed) }));
}

/** Σ y·c for the fixed cotangent c of level `seed`: what reverse mode differentiates. */
export function contracted(y: Expr, seed: number): Expr {
  return sum(mul(y, patternOf(y.shape as number[], seed)));
}

/**
 * One more derivative of `y` with respect to `xs`, built by `mode`: in reverse mode the gradient
 * of Σ y·c (the gradients of several inputs flattened and joined), in forward mode the JVP along
 * fixed tangents. Applying it n−1 times and checking the first derivatives of the result checks
 * the n-th derivatives (along those fixed directions).
 */
export function derivative(y: Expr, xs: readonly Expr[], mode: GradMode, level: number): Expr {
  if (mode === "fwd") return jvp(y, xs, xs.map((x, i) => patternOf(x.shape as number[], level + i)));
  const gs = grad(contracted(y, level), xs);
  return gs.length === 1 ? (gs[0] as Expr) : concat(gs.map((g) => reshape(g, [-1])), 0);
}
