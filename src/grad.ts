import { orThrow } from "../ir/errors.js";
import { vjp } from "../ir/passes/transforms.js";
import * as arg from "./args.js";
import { Expr } from "./expr.js";

/** One gradient per differentiated expression, in a tuple of the same length when `xs` is a tuple. */
export type Gradients<T extends readonly Expr[]> = { -readonly [I in keyof T]: Expr };

/**
 * Symbolic gradients: `grad(y, [a, b])` gives [∂y/∂a, ∂y/∂b] as expressions in the same graph,
 * which can be compiled, combined, or differentiated again. A literal list gives a tuple of the
 * same length (`const [ga, gb] = grad(y, [a, b])` types both as `Expr`).
 *
 * - y must be a float scalar; for a non-scalar y pass `{ cotangent }` (of y's shape) to get the
 *   vector-Jacobian product.
 * - An x that y does not depend on gets zeros of x's shape.
 * - No gradient flows through `stopGradient`, comparisons, `sign`, `floor`, or integer values.
 */
export function grad<const T extends readonly Expr[]>(y: Expr, xs: T, options?: { cotangent?: Expr }): Gradients<T>;
export function grad(y: Expr, x: Expr, options?: { cotangent?: Expr }): Expr;
export function grad(y: Expr, xs: Expr | readonly Expr[], options?: { cotangent?: Expr }): Expr | Expr[] {
  arg.expr("grad", y, "y");
  if (!(xs instanceof Expr)) arg.exprList("grad", xs, "xs");
  arg.options("grad", options);
  if (options?.cotangent !== undefined) arg.expr("grad", options.cotangent, "the cotangent");
  const list = xs instanceof Expr ? [xs] : xs;
  const gs = orThrow(vjp(y.node, list.map((x) => x.node), options?.cotangent?.node)).map((n) => Expr.of(n));
  return xs instanceof Expr ? (gs[0] as Expr) : gs;
}
