import { GraphgradError } from "../../ir/errors.js";
import { formatShape, isConcrete } from "../../ir/shape.js";
import { Expr } from "../expr.js";
import { grad } from "../grad.js";
import { cast, equal, iota, reshape, transpose } from "../ops.js";
import { jvp } from "./jvp.js";
import { vmap } from "./vmap.js";

/**
 * Jacobians and Hessians, built from `grad`, `jvp` and `vmap` (no primitive of their own).
 *
 * `jacobian(y, x)` is ∂y/∂x with shape [...y.shape, ...x.shape]: in reverse mode (default) one
 * vector-Jacobian product per element of y, batched by vmap; in forward mode one Jacobian-vector
 * product per element of x (`vmap` of `jvp`). Choose "fwd" when x has fewer elements than y.
 */
export function jacobian(y: Expr, x: Expr, options: { readonly mode?: "rev" | "fwd" } = {}): Expr {
  check("jacobian", y, x);
  const mode = options.mode ?? "rev";
  if (mode === "fwd") {
    const n = count("jacobian", x);
    // Row i of the identity, shaped as x: the tangent of the i-th element.
    const columns = vmap((t: Expr) => jvp(y, [x], [t]))(basis(n, x));
    const moved = transpose(columns, [...Array.from({ length: y.rank }, (_, i) => i + 1), 0]);
    return reshape(moved, [...y.shape, ...x.shape]);
  }
  if (mode !== "rev") throw new GraphgradError("jacobian", `mode must be "rev" or "fwd", got ${JSON.stringify(mode)}`);
  const m = count("jacobian", y);
  const rows = vmap((ct: Expr) => grad(y, x, { cotangent: ct }))(basis(m, y));
  return reshape(rows, [...y.shape, ...x.shape]);
}

/** The Hessian of a scalar y: ∂²y/∂x², shape [...x.shape, ...x.shape] (forward over reverse). */
export function hessian(y: Expr, x: Expr): Expr {
  check("hessian", y, x);
  if (y.rank !== 0) throw new GraphgradError("hessian", `y must be a scalar, got shape ${formatShape(y.shape)}`);
  return jacobian(grad(y, x), x, { mode: "fwd" });
}

/** The Hessian-vector product (∂²y/∂x²)·v of a scalar y, without forming the Hessian: a JVP of the gradient. */
export function hvp(y: Expr, x: Expr, v: Expr): Expr {
  check("hvp", y, x);
  if (!(v instanceof Expr)) throw new GraphgradError("hvp", "v must be an Expr");
  if (y.rank !== 0) throw new GraphgradError("hvp", `y must be a scalar, got shape ${formatShape(y.shape)}`);
  return jvp(grad(y, x), [x], [v]);
}

function check(op: string, y: unknown, x: unknown): void {
  if (!(y instanceof Expr)) throw new GraphgradError(op, "y must be an Expr");
  if (!(x instanceof Expr)) throw new GraphgradError(op, "x must be an Expr");
}

/** The number of elements of e (its shape must be known). */
function count(op: string, e: Expr): number {
  if (!isConcrete(e.shape)) throw new GraphgradError(op, `needs known shapes, got ${formatShape(e.shape)}`);
  return e.shape.reduce((a, b) => a * b, 1);
}

/** The n×n identity (as e's dtype), each row shaped as e: [n, ...e.shape]. Built from iota, so nothing of size n² is stored. */
function basis(n: number, e: Expr): Expr {
  const eye = cast(equal(iota([n, n], 0), iota([n, n], 1)), e.dtype);
  return reshape(eye, [n, ...e.shape]);
}
