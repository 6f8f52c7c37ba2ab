import { GraphgradError, orThrow } from "../../ir/errors.js";
import { jvp as jvpNodes } from "../../ir/passes/transforms.js";
import { Expr } from "../expr.js";

/**
 * Forward mode: the tangent of `y` (an Expr, or a record of Exprs) when each of `xs` moves along
 * the matching tangent — the Jacobian-vector product ∂y/∂x·t, as expressions in the same graph
 * (compile them, differentiate them again, batch them with `vmap`). Costs one forward sweep over
 * the graph of y, whatever the number of outputs.
 */
export function jvp(y: Expr, xs: Expr | readonly Expr[], tangents: Expr | readonly Expr[]): Expr;
export function jvp<R extends Readonly<Record<string, Expr>>>(y: R, xs: Expr | readonly Expr[], tangents: Expr | readonly Expr[]): { readonly [K in keyof R]: Expr };
export function jvp(y: Expr | Readonly<Record<string, Expr>>, xs: Expr | readonly Expr[], tangents: Expr | readonly Expr[]): Expr | Record<string, Expr> {
  const xl = exprs("xs", xs);
  const tl = exprs("tangents", tangents);
  if (y instanceof Expr) return Expr.of(orThrow(jvpNodes([y.node], xl.map((x) => x.node), tl.map((t) => t.node)))[0] as Expr["node"]);
  if (typeof y !== "object" || y === null) throw new GraphgradError("jvp", `y must be an Expr or a record of Exprs, got ${y === null ? "null" : typeof y}`);
  const entries = Object.entries(y);
  for (const [k, v] of entries) if (!(v instanceof Expr)) throw new GraphgradError("jvp", `y.${k} is not an Expr`);
  const ts = orThrow(jvpNodes(entries.map(([, v]) => v.node), xl.map((x) => x.node), tl.map((t) => t.node)));
  return Object.fromEntries(entries.map(([k], i) => [k, Expr.of(ts[i] as Expr["node"])]));
}

/** An Expr or a list of them, checked. */
export function exprs(what: string, v: Expr | readonly Expr[]): readonly Expr[] {
  const list = v instanceof Expr ? [v] : v;
  if (!Array.isArray(list)) throw new GraphgradError("jvp", `${what} must be an Expr or a list of Exprs, got ${typeof v}`);
  list.forEach((e, i) => {
    if (!(e instanceof Expr)) throw new GraphgradError("jvp", `${what}[${i}] is not an Expr`);
  });
  return list;
}
