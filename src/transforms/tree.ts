import { GraphgradError } from "../../ir/errors.js";
import { Expr } from "../expr.js";

/** Expressions in a structure: an Expr, an array of structures, or a record of them. */
export type ExprTree = Expr | readonly ExprTree[] | { readonly [key: string]: ExprTree };

/** The leaves of a structure, in a fixed order (arrays by index, records by key order); `op` and `where` name it in errors. */
export function leaves(t: ExprTree, op: string, where: string): Expr[] {
  if (t instanceof Expr) return [t];
  if (Array.isArray(t)) return t.flatMap((s, i) => leaves(s as ExprTree, op, `${where}[${i}]`));
  if (typeof t === "object" && t !== null) return Object.entries(t).flatMap(([k, s]) => leaves(s, op, `${where}.${k}`));
  throw new GraphgradError(op, `${where} must be an Expr, an array or a record of Exprs, got ${t === null ? "null" : typeof t}`);
}

/** The structure of `like` with its leaves taken from `values`, in order. */
export function rebuild<T extends ExprTree>(like: T, values: Iterator<Expr>): T {
  if (like instanceof Expr) return values.next().value as T;
  if (Array.isArray(like)) return like.map((s) => rebuild(s as ExprTree, values)) as unknown as T;
  return Object.fromEntries(Object.entries(like).map(([k, s]) => [k, rebuild(s as ExprTree, values)])) as T;
}
