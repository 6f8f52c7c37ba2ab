import { fail, record } from "./args-base.js";
import { Expr } from "./ops.js";

/**
 * Argument checks for the public functions (see `args-base.ts`), with those of Expr arguments:
 * `arg.expr("relu", x)` at the top of an exported function.
 */

export * from "./args-base.js";

export function expr(where: string, v: unknown, what = "the operand"): asserts v is Expr {
  if (!(v instanceof Expr)) fail(where, what, "an Expr", v);
}

/** An Expr or a number (a weakly typed constant). */
export function exprLike(where: string, v: unknown, what = "the operand"): asserts v is Expr | number {
  if (!(v instanceof Expr) && typeof v !== "number") fail(where, what, "an Expr or a number", v);
}

export function exprList(where: string, v: unknown, what = "the operands"): asserts v is readonly Expr[] {
  if (!Array.isArray(v)) fail(where, what, "an array of Exprs", v);
  v.forEach((e, i) => expr(where, e, `${what}[${i}]`));
}

/** A record of named Exprs (outputs, parameters, gradients). */
export function exprRecord(where: string, v: unknown, what: string): asserts v is Readonly<Record<string, Expr>> {
  record(where, v, what);
  for (const [k, e] of Object.entries(v)) expr(where, e, `${what}['${k}']`);
}

