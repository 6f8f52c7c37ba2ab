import { allocate, type DType, roundTo } from "../dtype.js";
import { emit } from "../build.js";
import type { Node } from "../node.js";
import { isConcrete, type Shape, sizeOf } from "../shape.js";
import { iotaAt } from "../view.js";

/**
 * Compile-time constants for constant folding and the algebraic simplifier: what a constant node
 * holds, exactly as the JS backend holds it, and how to turn a folded value back into a node.
 */

/** The largest folded result (in elements) written into the graph as a `literal`; a splat of any size becomes a `fill`. */
export const MAX_FOLD_ELEMENTS = 4096;

/**
 * A value known at compile time, each element already stored in the node's dtype:
 * a splat (one value in every element of the node's shape, which may be symbolic), or the dense
 * row-major values of a concrete shape.
 */
export type Const =
  | { readonly kind: "splat"; readonly value: number }
  | { readonly kind: "dense"; readonly shape: readonly number[]; readonly values: readonly number[] };

export const splat = (value: number): Const => ({ kind: "splat", value });

/**
 * The value a typed-array store of dtype `d` keeps: what a backend kernel writes. For the numeric
 * dtypes this is `roundTo`; a bool tensor is a Uint8Array, which keeps `v mod 256`, not `v != 0`.
 */
export function stored(d: DType, v: number): number {
  if (d !== "bool") return roundTo(d, v);
  const cell = allocate(d, 1);
  cell[0] = v;
  return cell[0] as number;
}

const cache = new WeakMap<Node, Const | null>();

/** The constant a `fill`, `literal` or small `iota` node holds; undefined for any other node. */
export function constOf(n: Node): Const | undefined {
  const hit = cache.get(n);
  if (hit !== undefined) return hit ?? undefined;
  const c = readConst(n) ?? null;
  cache.set(n, c);
  return c ?? undefined;
}

function readConst(n: Node): Const | undefined {
  switch (n.op) {
    case "fill":
      return splat(stored(n.dtype, n.attrs.value));
    case "literal":
      return compact(
        n.attrs.shape,
        n.attrs.values.map((v) => stored(n.dtype, v)),
      );
    case "iota": {
      const { shape, axis } = n.attrs;
      if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return undefined;
      const at = iotaAt(shape, axis);
      const values = Array.from({ length: sizeOf(shape) }, (_, i) => stored(n.dtype, at(i)));
      return compact(shape, values);
    }
    default:
      return undefined;
  }
}

/** Dense values as a splat when they are all the same value (same bits up to NaN payloads). */
export function compact(shape: readonly number[], values: readonly number[]): Const {
  const first = values[0];
  if (first !== undefined && values.every((v) => Object.is(v, first))) return splat(first);
  return { kind: "dense", shape, values };
}

/** The value of a node holding one value everywhere (a `fill`, or a literal of equal values). */
export function splatValue(n: Node): number | undefined {
  const c = constOf(n);
  return c?.kind === "splat" ? c.value : undefined;
}

/** A node holding constant `c` with shape `shape` and dtype `dtype`. */
export function constNode(c: Const, shape: Shape, dtype: DType): Node {
  if (c.kind === "splat") return emit("fill", [], { shape, dtype, value: c.value });
  return emit("literal", [], { shape: c.shape, dtype, values: c.values });
}

/** All values of `c` over a concrete shape, or undefined when there are too many to materialize. */
export function denseValues(c: Const, shape: Shape): readonly number[] | undefined {
  if (c.kind === "dense") return c.values;
  if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return undefined;
  return new Array<number>(sizeOf(shape)).fill(c.value);
}
