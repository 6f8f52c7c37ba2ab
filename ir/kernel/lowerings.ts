import { type DType, roundTo } from "../dtype.js";
import type { Node, NodeOf } from "../node.js";
import { CLOSED_FORM_TERMS } from "../closed-form.js";
import { boundSize } from "../ops/check.js";
import { ELEMENTWISE_OPS, type ElementwiseOp } from "../ops/elementwise.js";
import type { OpName } from "../ops/attrs.js";
import { sizeOf } from "../shape.js";
import { walk } from "../loops.js";
import { broadcastStridesOf, broadcastView, concatRegions, padRegion, reshapeView, reverseView, sliceView, transposeView, type View } from "../view.js";
import { lowerConv } from "./lower-conv.js";
import type { Subgraph } from "../subgraph.js";
import { lowerScan } from "./lower-scan.js";
import { type ConvKernel, exprPlacements, type Kernel, movePlacements, type ScalarExpr } from "./program.js";
import { type BufferView, iotaView, place, treeOf, type Tree, type Value } from "./values.js";

/**
 * How each primitive becomes kernels, keyed by op name: a primitive without a lowering is a type
 * error. A lowering receives the node (with its concrete shape) and its operands' values, and
 * returns the node's value: a view (layout ops never copy), a constant, an expression left for
 * its consumers to fuse, or a buffer that kernels it emits will write.
 */
export interface LowerContext {
  /** The node's concrete shape, and its operands' values and concrete shapes. */
  readonly shape: readonly number[];
  readonly args: readonly Value[];
  readonly argShapes: readonly (readonly number[])[];
  /** The sizes of the symbolic dimensions. */
  readonly env: ReadonlyMap<string, number>;
  /** A new buffer holding the node's result (row-major, of its shape). */
  output(dtype: DType): BufferView;
  /** A new scratch buffer of any shape. */
  temp(dtype: DType, shape: readonly number[]): BufferView;
  /** A new input or constant buffer. */
  source(dtype: DType, role: "input" | "const", extra: { readonly name?: string; readonly data?: readonly number[] }): BufferView;
  emit(k: Kernel): void;
  /** A contiguous buffer holding v (a new map kernel unless v already is one). */
  materialize(v: Value): BufferView;
  /** A new contiguous buffer holding v (always a copy). */
  copy(v: Value): BufferView;
  /** A matmul operand: row-major (false) or column-major (true: a fused transpose) matrices; anything else materialized. */
  matrixOperand(v: Value): readonly [BufferView, boolean];
  /** Whether an elementwise node may stay an expression (see fusion.ts). */
  fusible(tree: Tree): boolean;
  /** A subgraph lowered into kernels of its own over the program's buffers, its parameters given: its kernels and materialized results. */
  lowerSubgraph(body: Subgraph, params: readonly BufferView[]): { readonly kernels: Kernel[]; readonly results: BufferView[] };
  /** Values shared by the nodes of one multi-result op (the results of one scan), by a key of the lowering's choice. */
  readonly memo: Map<string, unknown>;
  /** The nodes of the graph being lowered (a multi-result op finds which of its results exist). */
  readonly nodes: readonly Node[];
  /** The backend's answer to whether its kernel for this convolution reads the input in place as fast as a copy (LowerOptions). */
  readonly convInPlace?: (k: ConvKernel) => boolean;
}

export type Lowering<K extends OpName> = (n: NodeOf<K>, c: LowerContext) => Value;

const arg = (c: LowerContext, i = 0): Value => c.args[i] as Value;
const argShape = (c: LowerContext, i = 0): readonly number[] => c.argShapes[i] as readonly number[];

const elementwise: Lowering<ElementwiseOp> = (n, c) => {
  const tree: Tree = { kind: "op", op: n.op, dtype: n.dtype, args: c.args.map(treeOf) };
  const e: Value = { kind: "expr", tree, shape: c.shape, dtype: n.dtype };
  return c.fusible(tree) ? e : c.materialize(e);
};

/** A layout op: a constant keeps its value in the new shape; anything else is read through a view of a buffer. */
function layout<K extends OpName>(f: (base: BufferView, n: NodeOf<K>, c: LowerContext) => BufferView): Lowering<K> {
  return (n, c) => {
    const x = arg(c);
    if (x.kind === "const") return { ...x, shape: c.shape };
    return f(x.kind === "view" ? x : c.materialize(x), n, c);
  };
}

const reduction: Lowering<"reduceSum" | "reduceMax"> = (n, c) => {
  const inShape = argShape(c);
  const axes = n.attrs.axes;
  const kept = inShape.map((_, i) => i).filter((i) => !axes.includes(i));
  const red = inShape.map((_, i) => i).filter((i) => axes.includes(i));
  // The iteration space is [kept..., reduced...]: the expression's strides permuted to that order.
  const perm = [...kept, ...red];
  const placed = place(treeOf(arg(c)), inShape);
  const out = c.output(n.dtype);
  const outShape = kept.map((i) => inShape[i] as number);
  const permuted = perm.length === 0 ? placed : movePlacements(placed, (p) => ({ offset: p.offset, strides: perm.map((i) => p.strides[i] as number) }));
  const { redShape, expr } = closedForm(n.op, permuted, outShape, red.map((i) => inShape[i] as number));
  c.emit({
    kind: "reduce",
    op: n.op === "reduceSum" ? "sum" : "max",
    outShape,
    redShape,
    out: out.buffer,
    expr,
    dtype: n.dtype,
  });
  return out;
};

/**
 * A reduction reading more than CLOSED_FORM_TERMS elements does not loop along the reduced axes
 * where no load or index of its expression moves (a splat, a broadcast): a max drops them, a sum drops them
 * and multiplies each remaining term by their size (ir/closed-form.ts).
 */
function closedForm(op: "reduceSum" | "reduceMax", expr: ScalarExpr, outShape: readonly number[], redShape: readonly number[]): { redShape: readonly number[]; expr: ScalarExpr } {
  const rank = outShape.length;
  if (sizeOf(outShape) * sizeOf(redShape) <= CLOSED_FORM_TERMS) return { redShape, expr };
  const placements = exprPlacements(expr);
  const still = redShape.map((d, j) => d !== 1 && placements.every((l) => l.strides[rank + j] === 0));
  if (!still.includes(true)) return { redShape, expr };
  const keep = (strides: readonly number[]): number[] => strides.filter((_, i) => i < rank || still[i - rank] !== true);
  const dropped = movePlacements(expr, (p) => ({ offset: p.offset, strides: keep(p.strides) }));
  const copies = sizeOf(redShape.filter((_, j) => still[j]));
  const scaled: ScalarExpr =
    op === "reduceMax" ? dropped : { kind: "op", op: "mul", dtype: expr.dtype, args: [dropped, { kind: "const", value: roundTo(expr.dtype, copies), dtype: expr.dtype }] };
  return { redShape: redShape.filter((_, j) => !still[j]), expr: scaled };
}

const matmul: Lowering<"matmul"> = (n, c) => {
  const [a, ta] = c.matrixOperand(arg(c, 0));
  const [b, tb] = c.matrixOperand(arg(c, 1));
  const r = c.shape.length;
  const batch = c.shape.slice(0, r - 2);
  // Each batch index's matrix offset, from the operands' batch strides (broadcast axes: stride 0).
  const offsets = (v: BufferView): number[] => {
    const st = broadcastStridesOf({ shape: v.shape.slice(0, -2), strides: v.strides.slice(0, -2) }, batch);
    const out: number[] = [];
    walk(batch, [st], [v.offset], (o) => out.push(o[0] as number));
    return out;
  };
  const out = c.output(n.dtype);
  c.emit({
    kind: "matmul",
    a: a.buffer,
    b: b.buffer,
    out: out.buffer,
    m: c.shape[r - 2] as number,
    n: c.shape[r - 1] as number,
    k: a.shape[a.shape.length - 1] as number,
    aOffsets: offsets(a),
    bOffsets: offsets(b),
    transA: ta,
    transB: tb,
    dtype: n.dtype,
  });
  return out;
};

/** A map kernel writing `v` into `region` of `out`'s buffer. */
function writeRegion(c: LowerContext, out: BufferView, region: { readonly shape: readonly number[]; readonly strides: readonly number[]; readonly offset: number }, v: Value): void {
  if (sizeOf(region.shape) === 0) return;
  c.emit({ kind: "map", shape: region.shape, out: { buffer: out.buffer, offset: region.offset, strides: region.strides }, expr: place(treeOf(v), region.shape), dtype: out.dtype });
}

/** Every elementwise primitive lowers the same way. */
const ELEMENTWISE_LOWERINGS = Object.fromEntries(ELEMENTWISE_OPS.map((op) => [op, elementwise])) as { readonly [K in ElementwiseOp]: Lowering<K> };

export const LOWERINGS: { readonly [K in OpName]: Lowering<K> } = {
  ...ELEMENTWISE_LOWERINGS,
  reduceSum: reduction,
  reduceMax: reduction,
  matmul,
  // A reshape is a view of a contiguous buffer; a strided one is copied first.
  reshape: layout<"reshape">((base, _n, c) => {
    const src = reshapeView(base, c.shape) === undefined ? c.materialize(base) : base;
    return { ...src, ...(reshapeView(src, c.shape) as View) };
  }),
  transpose: layout<"transpose">((base, n) => ({ ...base, ...transposeView(base, n.attrs.perm) })),
  broadcast: layout<"broadcast">((base, _n, c) => ({ ...base, ...broadcastView(base, c.shape) })),
  slice: layout<"slice">((base, n, c) => ({ ...base, ...sliceView(base, n.attrs.begin, c.shape) })),
  pad: (n, c) => {
    const out = c.output(n.dtype);
    writeRegion(c, out, out, { kind: "const", value: 0, shape: c.shape, dtype: n.dtype });
    writeRegion(c, out, padRegion(c.shape, argShape(c), n.attrs.lo), arg(c));
    return out;
  },
  concat: (n, c) => {
    const out = c.output(n.dtype);
    concatRegions(c.shape, c.argShapes, n.attrs.axis).forEach((region, i) => writeRegion(c, out, region, arg(c, i)));
    return out;
  },
  reverse: layout<"reverse">((base, n) => ({ ...base, ...reverseView(base, n.attrs.axes) })),
  conv: (n, c) => lowerConv(n, c),
  gather: (n, c) => {
    const [p, idx] = [c.materialize(arg(c, 0)), c.materialize(arg(c, 1))];
    const out = c.output(n.dtype);
    c.emit({ kind: "gather", params: p.buffer, indices: idx.buffer, out: out.buffer, rows: p.shape[0] as number, width: sizeOf(p.shape.slice(1)), count: sizeOf(idx.shape), dtype: n.dtype });
    return out;
  },
  scatterAdd: (n, c) => {
    const [u, idx] = [c.materialize(arg(c, 0)), c.materialize(arg(c, 1))];
    const out = c.output(n.dtype);
    c.emit({ kind: "scatterAdd", updates: u.buffer, indices: idx.buffer, out: out.buffer, rows: c.shape[0] as number, width: sizeOf(c.shape.slice(1)), count: sizeOf(idx.shape), dtype: n.dtype });
    return out;
  },
  checkIndex: (n, c) => {
    const idx = c.materialize(arg(c));
    const status = c.temp("int32", [2]);
    const { caller, operand } = n.attrs;
    c.emit({ kind: "checkIndex", indices: idx.buffer, status: status.buffer, size: boundSize(n.attrs.size, c.env), shape: c.shape, caller, operand });
    return idx;
  },
  input: (n, c) => c.source(n.dtype, "input", { name: n.attrs.name }),
  fill: (n, c) => ({ kind: "const", value: n.attrs.value, shape: c.shape, dtype: n.dtype }),
  literal: (n, c) => c.source(n.dtype, "const", { data: n.attrs.values }),
  // An iota read only by elementwise kernels and reductions is computed where it is read (no buffer).
  iota: (n, c) => {
    const tree: Tree = { kind: "index", view: iotaView(c.shape, n.attrs.axis), dtype: n.dtype };
    if (c.fusible(tree)) return { kind: "expr", tree, shape: c.shape, dtype: n.dtype };
    const out = c.output(n.dtype);
    c.emit({ kind: "iota", out: out.buffer, shape: c.shape, axis: n.attrs.axis, dtype: n.dtype });
    return out;
  },
  scan: (n, c) => lowerScan(n, c),
  // The function's computation, as a subgraph of kernels (the compile passes usually inline it first).
  customVjp: (n, c) => {
    const key = `call:${n.inputs.map((x) => x.id).join(",")}:${n.attrs.fwd.results.map((r) => r.id).join(",")}`;
    let results = c.memo.get(key) as readonly BufferView[] | undefined;
    if (results === undefined) {
      const sub = c.lowerSubgraph(n.attrs.fwd, c.args.map((v) => c.materialize(v)));
      sub.kernels.forEach((k) => c.emit(k));
      results = sub.results;
      c.memo.set(key, results);
    }
    return results[n.attrs.output] as BufferView;
  },
  random: (n, c) => {
    const key = c.materialize(arg(c));
    const out = c.output(n.dtype);
    const keys = sizeOf(key.shape) / 2;
    c.emit({ kind: "random", key: key.buffer, out: out.buffer, size: keys === 0 ? 0 : sizeOf(c.shape) / keys, keys, dist: n.attrs.dist, dtype: n.dtype });
    return out;
  },
};
