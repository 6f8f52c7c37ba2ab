import * as t from "io-ts";

/**
 * The io-ts pieces op attributes are made of. Convention: the only attributes that may hold
 * symbolic dimensions are named `shape` (a Shape) and `size` (a Dim or Shape); they are
 * substituted when the graph runs (see `bindAttrs` in backends/plan.ts).
 */
export const None = t.type({}, "None");
export const Int = t.refinement(t.number, Number.isInteger, "Int");
export const Axes = t.readonlyArray(Int, "Axes");

/** The attribute codecs of a table of attribute-free primitives (one `None` per key). */
export function noAttrs<T extends object>(table: T): { readonly [K in keyof T]: typeof None } {
  const out: Partial<Record<keyof T, typeof None>> = {};
  for (const k of Object.keys(table) as (keyof T)[]) out[k] = None;
  return out as { readonly [K in keyof T]: typeof None };
}
