import { CLOSED_FORM_TERMS, repeatedSum } from "../closed-form.js";
import type { Pass } from "../graph.js";
import type { Node, NodeOf } from "../node.js";
import { indexInRange } from "../ops/check.js";
import { type Shape } from "../shape.js";
import { type Const, constNode, constOf, splat, stored } from "./consts.js";
import { foldDense, scalarFn } from "./fold-dense.js";
import { asShapeOf, rewritePass } from "./rewrite.js";

/**
 * Constant folding: a node whose operands are all constants (`fill`, `literal`, small `iota`) is
 * replaced by a constant holding exactly what the JS backend would compute (bit for bit: the same
 * scalar functions, float64 accumulation in the same order, one store into the result dtype, so
 * float32 results round as the backend rounds them).
 *
 * - splats fold through the elementwise ops, cast, reshape/broadcast/transpose/slice (to a splat of
 *   the new shape, symbolic shapes included), concat of equal splats, zero padding of a zero
 *   splat, reduceSum/reduceMax (when the reduced sizes are known) and matmul (when k is known) —
 *   sums of more than 2²⁰ terms in closed form, count·value (see ir/closed-form.ts);
 * - with dense constant operands, the elementwise ops, reshape, broadcast, transpose, slice, pad,
 *   concat, reduceSum, reduceMax, matmul and checkIndex fold when the result has a known shape of
 *   at most `MAX_FOLD_ELEMENTS` elements (written as a `literal`; see fold-dense.ts); the other
 *   ops (convolution, reverse, scan, custom gradients, ...) are left to the backends;
 * - `where` with a constant condition that is all true or all false becomes the chosen branch.
 *
 * Inputs, `random` (even with a constant key), gather and scatterAdd are never folded; no folded
 * value depends on a fed input. A `checkIndex` of constant indices folds to them only when every
 * one is in range: a failing check stays in the graph, to fail the run.
 */
export const fold: Pass = rewritePass("fold", foldNode);

const SOURCES: ReadonlySet<string> = new Set(["input", "fill", "literal", "iota", "random"]);

function foldNode(n: Node): Node {
  if (SOURCES.has(n.op)) return n;
  const cs = n.inputs.map(constOf);
  if (cs.every((c): c is Const => c !== undefined)) {
    const c = foldConst(n, cs);
    if (c !== undefined) return constNode(c, n.shape, n.dtype);
  }
  if (n.op === "where") {
    // The branch may come back broadcast to n's shape: a new node, folded in turn.
    const b = pickBranch(n, cs[0]);
    return b === undefined ? n : b === n.inputs[1] || b === n.inputs[2] ? b : foldNode(b);
  }
  return n;
}

function foldConst(n: Node, cs: readonly Const[]): Const | undefined {
  const values = cs.map((c) => (c.kind === "splat" ? c.value : undefined));
  if (values.every((v): v is number => v !== undefined)) {
    const s = foldSplats(n, values);
    if (s !== undefined) return s;
  }
  return foldDense(n, cs);
}

/** Ops on splat operands whose result is a splat of the node's (possibly symbolic) shape. */
function foldSplats(n: Node, vs: readonly number[]): Const | undefined {
  const f = scalarFn(n);
  if (f !== undefined) return splat(stored(n.dtype, f(vs)));
  const v = vs[0] as number;
  switch (n.op) {
    case "reshape":
    case "broadcast":
    case "transpose":
    case "slice":
      return splat(v);
    case "concat":
      return vs.every((w) => Object.is(w, v)) ? splat(v) : undefined;
    case "pad":
      // The padding is +0 of the dtype.
      return Object.is(v, 0) || [...n.attrs.lo, ...n.attrs.hi].every((p) => p === 0) ? splat(v) : undefined;
    case "reduceSum": {
      const count = reducedCount((n.inputs[0] as Node).shape, n.attrs.axes);
      return count === undefined ? undefined : splat(stored(n.dtype, repeatedSum(v, count, n.dtype)));
    }
    case "reduceMax": {
      const count = reducedCount((n.inputs[0] as Node).shape, n.attrs.axes);
      if (count === undefined) return undefined;
      return splat(stored(n.dtype, count === 0 ? -Infinity : v));
    }
    case "matmul":
      return matmulSplat(n, v, vs[1] as number);
    case "checkIndex":
      return typeof n.attrs.size === "number" && indexInRange(v, n.attrs.size) ? splat(v) : undefined;
    default:
      return undefined;
  }
}

/** The number of elements each output of a reduction sums, when the reduced sizes are known. */
function reducedCount(shape: Shape, axes: readonly number[]): number | undefined {
  let count = 1;
  for (const a of axes) {
    const d = shape[a];
    if (typeof d !== "number") return undefined;
    count *= d;
  }
  return count;
}

/** Every element of a matmul of splats a and b: the sum of k products a·b (int32: Math.imul, wrapping). */
function matmulSplat(n: NodeOf<"matmul">, a: number, b: number): Const | undefined {
  const x = n.inputs[0] as Node;
  const k = x.shape[x.shape.length - 1];
  if (typeof k !== "number") return undefined;
  if (n.dtype !== "int32") return splat(stored(n.dtype, repeatedSum(a * b, k, n.dtype)));
  // The reference adds each wrapped product and wraps the running sum.
  let acc = 0;
  if (k > CLOSED_FORM_TERMS) acc = repeatedSum(Math.imul(a, b), k, "int32");
  else for (let i = 0; i < k; i++) acc = (acc + Math.imul(a, b)) | 0;
  return splat(stored(n.dtype, acc));
}

/** where(c, a, b) with c constant and all true (all false): a (b), broadcast to the result's shape. */
function pickBranch(n: NodeOf<"where">, c: Const | undefined): Node | undefined {
  if (c === undefined) return undefined;
  const values = c.kind === "splat" ? [c.value] : c.values;
  if (values.length === 0) return undefined;
  const branch = values.every((v) => v !== 0) ? n.inputs[1] : values.every((v) => v === 0) ? n.inputs[2] : undefined;
  return branch === undefined ? undefined : asShapeOf(branch, n);
}
