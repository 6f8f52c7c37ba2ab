import type { DType } from "../dtype.js";
import type { ElementwiseOp } from "../ops/elementwise.js";
import { broadcastStridesOf, type View } from "../view.js";
import type { ScalarExpr } from "./program.js";

/**
 * What a node is during lowering: a strided view of a buffer, a constant, or an elementwise
 * expression not yet materialized (fused into whatever reads it).
 */
export type BufferView = View & { readonly kind: "view"; readonly buffer: number; readonly dtype: DType };

export type Value =
  | BufferView
  | { readonly kind: "const"; readonly value: number; readonly shape: readonly number[]; readonly dtype: DType }
  | { readonly kind: "expr"; readonly tree: Tree; readonly shape: readonly number[]; readonly dtype: DType };

/** An expression whose loads are views with their own shapes, placed in an iteration space later. */
export type Tree =
  | { readonly kind: "load"; readonly view: BufferView }
  | { readonly kind: "const"; readonly value: number; readonly dtype: DType }
  /** An iota not stored: its value at each element is that element's address in `view` (see `iotaView`). */
  | { readonly kind: "index"; readonly view: View; readonly dtype: DType }
  | { readonly kind: "op"; readonly op: ElementwiseOp; readonly dtype: DType; readonly args: readonly Tree[] };

export function treeOf(v: Value): Tree {
  if (v.kind === "view") return { kind: "load", view: v };
  if (v.kind === "const") return { kind: "const", value: v.value, dtype: v.dtype };
  return v.tree;
}

/** The tree as a kernel expression over the iteration space `space` (each view broadcast into it). */
export function place(t: Tree, space: readonly number[]): ScalarExpr {
  switch (t.kind) {
    case "load":
      return { kind: "load", dtype: t.view.dtype, access: { buffer: t.view.buffer, offset: t.view.offset, strides: broadcastStridesOf(t.view, space) } };
    case "const":
      return t;
    case "index":
      return { kind: "index", offset: t.view.offset, strides: broadcastStridesOf(t.view, space), dtype: t.dtype };
    case "op":
      return { kind: "op", op: t.op, dtype: t.dtype, args: t.args.map((a) => place(a, space)) };
  }
}

/** The view whose address at each element of `shape` is the element's index along `axis` (an iota's values). */
export function iotaView(shape: readonly number[], axis: number): View {
  return { shape, offset: 0, strides: shape.map((_, i) => (i === axis ? 1 : 0)) };
}
