import type { DType } from "../dtype.js";
import type { Graph } from "../graph.js";
import { type Access, type BufferInfo, type Kernel, type KernelProgram, kernelReads, kernelWrites, type ScalarExpr } from "../kernel.js";
import type { Node } from "../node.js";
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type OpName } from "../ops/attrs.js";
import { sizeOf, stridesOf } from "../shape.js";

/**
 * Lowers a graph, with the concrete shape of every node, to kernels (see `ir/kernel.ts`):
 *
 * - Elementwise ops fuse into their consumer when it is elementwise or a reduction, they have a
 *   single consumer, and they have as many elements as the consumer's iteration space (so fusing
 *   never recomputes). Scalar constants (`fill`) always fuse.
 * - Layout ops on a materialized buffer (transpose, slice, broadcast, and reshape of a contiguous
 *   view) are views: strided reads fused into the kernels that read them, never copies of their own.
 * - A reduction fuses its elementwise prologue; matmul, gather, scatterAdd, pad, concat, iota and
 *   random are kernels of their own (pad and concat write regions of one buffer with map kernels).
 */

const ELEMENTWISE: ReadonlySet<OpName> = new Set<OpName>([...UNARY_OPS, ...BINARY_OPS, ...COMPARE_OPS, "where", "cast"]);
const VIEW_OPS: ReadonlySet<OpName> = new Set<OpName>(["transpose", "slice", "broadcast", "reshape"]);

/** Ops cheap enough to recompute in each consumer rather than store once (one SIMD instruction). */
const RECOMPUTABLE: ReadonlySet<string> = new Set(["add", "sub", "mul", "neg", "abs", "maximum", "minimum", "greater", "less", "equal", "where", "cast", "stopGradient"]);

/** A value during lowering: a strided view of a buffer, a constant, or an expression not yet materialized. */
type Value =
  | { readonly kind: "view"; readonly buffer: number; readonly offset: number; readonly strides: readonly number[]; readonly shape: readonly number[]; readonly dtype: DType }
  | { readonly kind: "const"; readonly value: number; readonly shape: readonly number[]; readonly dtype: DType }
  | { readonly kind: "expr"; readonly tree: Tree; readonly shape: readonly number[]; readonly dtype: DType };

/** An expression whose loads are views with their own shapes, placed in an iteration space later. */
type Tree =
  | { readonly kind: "load"; readonly view: Extract<Value, { kind: "view" }> }
  | { readonly kind: "const"; readonly value: number; readonly dtype: DType }
  | { readonly kind: "op"; readonly op: Extract<ScalarExpr, { kind: "op" }>["op"]; readonly dtype: DType; readonly args: readonly Tree[] };

/** Strides of a view (right-aligned) read over the iteration shape `space` (0 on broadcast axes). */
function placeStrides(viewShape: readonly number[], strides: readonly number[], space: readonly number[]): number[] {
  const lead = space.length - viewShape.length;
  return space.map((d, i) => {
    if (i < lead) return 0;
    const v = viewShape[i - lead] as number;
    return v === 1 && d !== 1 ? 0 : (strides[i - lead] as number);
  });
}

function place(t: Tree, space: readonly number[]): ScalarExpr {
  switch (t.kind) {
    case "load":
      return {
        kind: "load",
        dtype: t.view.dtype,
        access: { buffer: t.view.buffer, offset: t.view.offset, strides: placeStrides(t.view.shape, t.view.strides, space) },
      };
    case "const":
      return t;
    case "op":
      return { kind: "op", op: t.op, dtype: t.dtype, args: t.args.map((a) => place(a, space)) };
  }
}

function isContiguous(v: Extract<Value, { kind: "view" }>): boolean {
  const st = stridesOf(v.shape);
  return v.shape.every((d, i) => d === 1 || v.strides[i] === st[i]);
}

export interface LowerOptions {
  /**
   * Whether the backend can apply this expression as a matmul epilogue (fused into the product's
   * store). Absent: no epilogue fusion.
   */
  readonly epilogue?: (expr: ScalarExpr, dtype: DType) => boolean;
}

export function lowerToKernels(graph: Graph, shapes: readonly (readonly number[])[], options: LowerOptions = {}): KernelProgram {
  const buffers: BufferInfo[] = [];
  const kernels: Kernel[] = [];
  const position = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  const shapeOf = (n: Node): readonly number[] => shapes[position.get(n) as number] as readonly number[];
  const isOutput = new Set(Object.values(graph.outputs));
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const x of n.inputs) consumers.set(x, [...(consumers.get(x) ?? []), n]);

  const newBuffer = (dtype: DType, size: number, role: BufferInfo["role"], extra: { name?: string; data?: readonly number[] } = {}): number => {
    buffers.push({ id: buffers.length, dtype, size, role, ...extra });
    return buffers.length - 1;
  };
  const contiguous = (buffer: number, shape: readonly number[], dtype: DType): Value => ({
    kind: "view",
    buffer,
    offset: 0,
    strides: stridesOf(shape),
    shape,
    dtype,
  });

  const treeOf = (v: Value): Tree =>
    v.kind === "view" ? { kind: "load", view: v } : v.kind === "const" ? { kind: "const", value: v.value, dtype: v.dtype } : v.tree;

  /** A contiguous buffer holding v (a new map kernel unless v already is one). */
  const materialize = (v: Value): Extract<Value, { kind: "view" }> => {
    if (v.kind === "view" && v.offset === 0 && isContiguous(v) && buffers[v.buffer]?.size === sizeOf(v.shape)) return v;
    const out = newBuffer(v.dtype, sizeOf(v.shape), "temp");
    kernels.push({ kind: "map", shape: v.shape, out: { buffer: out, offset: 0, strides: stridesOf(v.shape) }, expr: place(treeOf(v), v.shape), dtype: v.dtype });
    return contiguous(out, v.shape, v.dtype) as Extract<Value, { kind: "view" }>;
  };

  /**
   * A matmul operand as a view whose matrices are row-major ([k, 1] strides: false) or
   * column-major ([1, rows] strides: a fused transpose, true); anything else is materialized.
   */
  const matrixOperand = (v: Value): [Extract<Value, { kind: "view" }>, boolean] => {
    if (v.kind === "view" && v.shape.length >= 2) {
      const r = v.shape.length;
      const rows = v.shape[r - 2] as number;
      const cols = v.shape[r - 1] as number;
      const [sr, sc] = [v.strides[r - 2] as number, v.strides[r - 1] as number];
      const colMajor = (sc === rows || cols === 1) && (sr === 1 || rows === 1);
      const rowMajor = (sr === cols || rows === 1) && (sc === 1 || cols === 1);
      if (rowMajor) return [v, false];
      if (colMajor) return [v, true];
    }
    return [materialize(v), false];
  };

  /**
   * May node n stay an unmaterialized expression, fused into its consumers? With one consumer,
   * when that consumer is elementwise or a reduction visiting each element once. With several,
   * only when n is a single cheap arithmetic op on loaded values (recomputing it, e.g. g·g for
   * both a moving average and a norm, is cheaper than writing and reading it back; an exp or a
   * tanh is not) and every consumer qualifies.
   */
  const fusible = (n: Node, tree: Tree): boolean => {
    if (isOutput.has(n)) return false;
    const cs = consumers.get(n) ?? [];
    if (cs.length === 0) return false;
    if (cs.length > 1 && !(tree.kind === "op" && RECOMPUTABLE.has(tree.op) && tree.args.every((a) => a.kind !== "op"))) return false;
    return cs.every((c) => {
      if (!ELEMENTWISE.has(c.op) && c.op !== "reduceSum" && c.op !== "reduceMax") return false;
      const space = c.op === "reduceSum" || c.op === "reduceMax" ? shapeOf(n) : shapeOf(c);
      return sizeOf(shapeOf(n)) === sizeOf(space);
    });
  };

  const values = new Map<Node, Value>();
  const valueOf = (n: Node): Value => values.get(n) as Value;

  for (const n of graph.nodes) {
    const shape = shapeOf(n);
    const dtype = n.dtype;
    const args = n.inputs.map(valueOf);
    let v: Value;
    if (ELEMENTWISE.has(n.op)) {
      const tree: Tree = { kind: "op", op: n.op as Extract<Tree, { kind: "op" }>["op"], dtype, args: args.map(treeOf) };
      const e: Value = { kind: "expr", tree, shape, dtype };
      v = fusible(n, tree) ? e : materialize(e);
    } else if (VIEW_OPS.has(n.op)) {
      v = view(n as Extract<Node, { op: "transpose" | "slice" | "broadcast" | "reshape" }>, args[0] as Value, shape);
    } else {
      v = lowerOther(n, args, shape);
    }
    values.set(n, v);
  }

  function view(n: Extract<Node, { op: "transpose" | "slice" | "broadcast" | "reshape" }>, x: Value, shape: readonly number[]): Value {
    if (x.kind === "const") return { ...x, shape };
    const base = x.kind === "view" ? x : materialize(x);
    switch (n.op) {
      case "transpose":
        return { ...base, shape, strides: n.attrs.perm.map((p) => base.strides[p] as number) };
      case "slice":
        return { ...base, shape, offset: base.offset + n.attrs.begin.reduce((acc, b, i) => acc + b * (base.strides[i] as number), 0) };
      case "broadcast":
        return { ...base, shape, strides: placeStrides(base.shape, base.strides, shape) };
      case "reshape": {
        const c = isContiguous(base) ? base : materialize(base);
        return { ...c, shape, strides: stridesOf(shape) };
      }
    }
  }

  function lowerOther(n: Node, args: readonly Value[], shape: readonly number[]): Value {
    const dtype = n.dtype;
    const size = sizeOf(shape);
    switch (n.op) {
      case "input":
        return contiguous(newBuffer(dtype, size, "input", { name: n.attrs.name }), shape, dtype);
      case "fill":
        return { kind: "const", value: n.attrs.value, shape, dtype };
      case "literal":
        return contiguous(newBuffer(dtype, size, "const", { data: n.attrs.values }), shape, dtype);
      case "reduceSum":
      case "reduceMax": {
        const x = args[0] as Value;
        const inShape = shapeOf(n.inputs[0] as Node);
        const axes = n.attrs.axes;
        const kept = inShape.map((_, i) => i).filter((i) => !axes.includes(i));
        const red = inShape.map((_, i) => i).filter((i) => axes.includes(i));
        const space = [...kept, ...red].map((i) => inShape[i] as number);
        // The expression's strides over the input shape, permuted to [kept..., reduced...].
        const placed = place(treeOf(x), inShape);
        const expr = permuteExpr(placed, [...kept, ...red]);
        const out = newBuffer(dtype, size, "temp");
        kernels.push({
          kind: "reduce",
          op: n.op === "reduceSum" ? "sum" : "max",
          outShape: kept.map((i) => inShape[i] as number),
          redShape: red.map((i) => inShape[i] as number),
          out,
          expr: space.length === 0 ? placed : expr,
          dtype,
        });
        return contiguous(out, shape, dtype);
      }
      case "matmul": {
        const [a, ta] = matrixOperand(args[0] as Value);
        const [b, tb] = matrixOperand(args[1] as Value);
        const r = shape.length;
        const m = shape[r - 2] as number;
        const nn = shape[r - 1] as number;
        const k = a.shape[a.shape.length - 1] as number;
        const batch = shape.slice(0, r - 2);
        const aSt = placeStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), batch);
        const bSt = placeStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), batch);
        const aOffsets: number[] = [];
        const bOffsets: number[] = [];
        forEachIndex(batch, (idx) => {
          aOffsets.push(a.offset + idx.reduce((acc, v, i) => acc + v * (aSt[i] as number), 0));
          bOffsets.push(b.offset + idx.reduce((acc, v, i) => acc + v * (bSt[i] as number), 0));
        });
        const out = newBuffer(dtype, size, "temp");
        kernels.push({ kind: "matmul", a: a.buffer, b: b.buffer, out, m, n: nn, k, aOffsets, bOffsets, transA: ta, transB: tb, dtype });
        return contiguous(out, shape, dtype);
      }
      case "pad": {
        const x = args[0] as Value;
        const out = newBuffer(dtype, size, "temp");
        const st = stridesOf(shape);
        kernels.push({ kind: "map", shape, out: { buffer: out, offset: 0, strides: st }, expr: { kind: "const", value: 0, dtype }, dtype });
        const inShape = shapeOf(n.inputs[0] as Node);
        const offset = n.attrs.lo.reduce((acc, l, i) => acc + l * (st[i] as number), 0);
        if (sizeOf(inShape) > 0) kernels.push({ kind: "map", shape: inShape, out: { buffer: out, offset, strides: st }, expr: place(treeOf(x), inShape), dtype });
        return contiguous(out, shape, dtype);
      }
      case "concat": {
        const out = newBuffer(dtype, size, "temp");
        const st = stridesOf(shape);
        let at = 0;
        n.inputs.forEach((input, i) => {
          const inShape = shapeOf(input);
          if (sizeOf(inShape) > 0) {
            kernels.push({
              kind: "map",
              shape: inShape,
              out: { buffer: out, offset: at * (st[n.attrs.axis] as number), strides: st },
              expr: place(treeOf(args[i] as Value), inShape),
              dtype,
            });
          }
          at += inShape[n.attrs.axis] as number;
        });
        return contiguous(out, shape, dtype);
      }
      case "gather": {
        const [p, idx] = args.map(materialize) as [Extract<Value, { kind: "view" }>, Extract<Value, { kind: "view" }>];
        const out = newBuffer(dtype, size, "temp");
        const width = sizeOf(p.shape.slice(1));
        kernels.push({ kind: "gather", params: p.buffer, indices: idx.buffer, out, rows: p.shape[0] as number, width, count: sizeOf(idx.shape), dtype });
        return contiguous(out, shape, dtype);
      }
      case "scatterAdd": {
        const [u, idx] = args.map(materialize) as [Extract<Value, { kind: "view" }>, Extract<Value, { kind: "view" }>];
        const out = newBuffer(dtype, size, "temp");
        kernels.push({ kind: "scatterAdd", updates: u.buffer, indices: idx.buffer, out, rows: shape[0] as number, width: sizeOf(shape.slice(1)), count: sizeOf(idx.shape), dtype });
        return contiguous(out, shape, dtype);
      }
      case "iota": {
        const out = newBuffer(dtype, size, "temp");
        kernels.push({ kind: "iota", out, shape, axis: n.attrs.axis, dtype });
        return contiguous(out, shape, dtype);
      }
      case "random": {
        const key = materialize(args[0] as Value);
        const out = newBuffer(dtype, size, "temp");
        kernels.push({ kind: "random", key: key.buffer, out, size, dist: n.attrs.dist, dtype });
        return contiguous(out, shape, dtype);
      }
      default:
        throw new Error(`lowerToKernels: no lowering for ${n.op}`);
    }
  }

  const outputs: Record<string, { buffer: number; shape: readonly number[]; dtype: DType }> = {};
  for (const [name, n] of Object.entries(graph.outputs)) {
    const m = materialize(valueOf(n));
    outputs[name] = { buffer: m.buffer, shape: m.shape, dtype: m.dtype };
  }
  const program = { buffers, kernels, outputs };
  return options.epilogue === undefined ? program : fuseEpilogues(program, options.epilogue);
}

/**
 * Matmul epilogues: a map kernel that is the only reader of a 2-D matmul's product, reads it
 * element for element, and writes a whole [m, n] buffer, is folded into the matmul's store — when
 * every other operand it reads is ready before the matmul runs and the backend accepts the
 * expression (a bias add, an activation).
 */
function fuseEpilogues(p: KernelProgram, accept: (expr: ScalarExpr, dtype: DType) => boolean): KernelProgram {
  const kernels: (Kernel | undefined)[] = [...p.kernels];
  const outputBuffers = new Set(Object.values(p.outputs).map((o) => o.buffer));
  // Per buffer: the last kernel writing it, and how many do.
  const lastWriter = new Map<number, number>();
  const writers = new Map<number, number>();
  kernels.forEach((k, i) => {
    if (k === undefined) return;
    const w = kernelWrites(k);
    lastWriter.set(w, i);
    writers.set(w, (writers.get(w) ?? 0) + 1);
  });
  const tryFuse = (mm: Kernel | undefined, ki: number): boolean => {
    if (mm === undefined || mm.kind !== "matmul" || mm.aOffsets.length !== 1 || outputBuffers.has(mm.out)) return false;
    const readers = kernels.flatMap((k, i) => (k !== undefined && kernelReads(k).includes(mm.out) ? [i] : []));
    const ri = readers[0];
    if (readers.length !== 1 || ri === undefined) return false;
    const map = kernels[ri];
    if (map === undefined || map.kind !== "map" || map.shape.length !== 2 || map.shape[0] !== mm.m || map.shape[1] !== mm.n) return false;
    if (map.out.offset !== 0 || map.out.strides[0] !== mm.n || map.out.strides[1] !== 1 || writers.get(map.out.buffer) !== 1) return false;
    const identity = (a: Access): boolean => a.buffer !== mm.out || (a.offset === 0 && a.strides[0] === mm.n && a.strides[1] === 1);
    const loads = exprLoads(map.expr);
    if (!loads.every(identity)) return false;
    const ready = loads.every((a) => a.buffer === mm.out || (lastWriter.get(a.buffer) ?? -1) < ki);
    // An existing epilogue composes: the map's reads of the product become that epilogue.
    const inner: ScalarExpr = mm.epilogue ?? { kind: "acc", dtype: mm.dtype };
    const expr = substitute(map.expr, mm.out, inner);
    if (!ready || !accept(expr, map.dtype)) return false;
    kernels[ki] = { ...mm, out: map.out.buffer, epilogue: expr, outDtype: map.dtype };
    kernels[ri] = undefined;
    return true;
  };
  for (let ki = 0; ki < kernels.length; ki++) {
    while (tryFuse(kernels[ki], ki)) {
      // Fold the next reader in too (e.g. bias add, then the activation).
    }
  }
  return { ...p, kernels: kernels.filter((k): k is Kernel => k !== undefined) };
}

function exprLoads(e: ScalarExpr): Access[] {
  if (e.kind === "load") return [e.access];
  return e.kind === "op" ? e.args.flatMap(exprLoads) : [];
}

/** e with every load of `buffer` replaced by `by`. */
function substitute(e: ScalarExpr, buffer: number, by: ScalarExpr): ScalarExpr {
  if (e.kind === "load") return e.access.buffer === buffer ? by : e;
  return e.kind === "op" ? { ...e, args: e.args.map((a) => substitute(a, buffer, by)) } : e;
}

/** The same expression with its access strides permuted (axis order `perm` of the iteration space). */
function permuteExpr(e: ScalarExpr, perm: readonly number[]): ScalarExpr {
  switch (e.kind) {
    case "load":
      return { ...e, access: { ...e.access, strides: perm.map((p) => e.access.strides[p] as number) } };
    case "const":
    case "acc":
      return e;
    case "op":
      return { ...e, args: e.args.map((a) => permuteExpr(a, perm)) };
  }
}

function forEachIndex(shape: readonly number[], f: (idx: readonly number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(idx);
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (shape[a] as number)) break;
      idx[a] = 0;
    }
  }
}
