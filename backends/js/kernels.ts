import { allocate, type DType, type TypedArray } from "../../ir/dtype.js";
import { boundSize, indexInRange, indexOutOfRange } from "../../ir/ops/check.js";
import { ELEMENTWISE_OPS, type ElementwiseOp, scalarFunction } from "../../ir/ops/elementwise.js";
import type { OpAttrs, OpName } from "../../ir/ops/attrs.js";
import { randomElement } from "../../ir/random.js";
import { sizeOf } from "../../ir/shape.js";
import type { Subgraph } from "../../ir/subgraph.js";
import { libraryTensor, Tensor } from "../../ir/tensor.js";
import { broadcastStrides, copyView, matmulInto, reduceInto, walk } from "../../ir/loops.js";
import { broadcastView, concatRegions, contiguous, iotaAt, padRegion, reverseView, sliceView, transposeView, type View } from "../../ir/view.js";
import { convInto } from "./conv.js";

/**
 * The JS reference backend's kernels: one per primitive, on typed arrays. These define what every
 * other backend must compute. Float32 results are computed in float64 and rounded once on store.
 * Elementwise kernels come from each primitive's scalar semantics (its definition in `ir/ops/`);
 * layout kernels copy through the view algebra of `ir/view.ts`.
 */

export interface OutInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface KernelContext {
  readonly feeds: ReadonlyMap<string, Tensor>;
  /** Evaluates a subgraph (a scan's body) on feeds for its parameters, by name: its results. */
  readonly subgraph: (body: Subgraph, feeds: ReadonlyMap<string, Tensor>) => Tensor[];
  /** The results of scans run so far in this run, by body: the result nodes of one scan are computed once. */
  readonly memo: Map<Subgraph, { readonly key: string; readonly inputs: readonly Tensor[]; readonly results: readonly Tensor[] }[]>;
  /** The sizes of the symbolic dimensions in this run. */
  readonly env: ReadonlyMap<string, number>;
}

export type JsKernel<K extends OpName> = (attrs: OpAttrs[K], inputs: readonly Tensor[], out: OutInfo, ctx: KernelContext) => Tensor;

const arg = (xs: readonly Tensor[], i: number): Tensor => xs[i] as Tensor;
const make = (out: OutInfo): TypedArray => allocate(out.dtype, sizeOf(out.shape));

/**
 * out[i] = f(operands at i) with numpy broadcasting: plain loops where every operand has the
 * output's size or is a scalar, the strided walk otherwise.
 */
function elementwise(op: ElementwiseOp): JsKernel<ElementwiseOp> {
  return (_a, xs, out) => {
    const f = scalarFunction(op, out.dtype);
    const y = make(out);
    const n = y.length;
    const [a, b, c] = [xs[0]?.data ?? ZERO, xs[1]?.data ?? ZERO, xs[2]?.data ?? ZERO];
    if (xs.length === 1) {
      for (let i = 0; i < n; i++) y[i] = f(a[i] as number, 0, 0);
    } else if (xs.length === 2 && a.length === n && b.length === n) {
      for (let i = 0; i < n; i++) y[i] = f(a[i] as number, b[i] as number, 0);
    } else if (xs.length === 2 && a.length === n && b.length === 1) {
      const s = b[0] as number;
      for (let i = 0; i < n; i++) y[i] = f(a[i] as number, s, 0);
    } else if (xs.length === 2 && a.length === 1 && b.length === n) {
      const s = a[0] as number;
      for (let i = 0; i < n; i++) y[i] = f(s, b[i] as number, 0);
    } else {
      let o = 0;
      walk(out.shape, xs.map((t) => broadcastStrides(t.shape, out.shape)), xs.map(() => 0), (p) => {
        y[o++] = f(a[p[0] as number] as number, b[p[1] as number] as number, c[p[2] as number] as number);
      });
    }
    return libraryTensor(out.dtype, out.shape, y);
  };
}

/** The data of an absent operand (never read: its value is ignored by the scalar function). */
const ZERO = new Float64Array(1);

function reduce(init: number, step: (acc: number, v: number) => number): JsKernel<"reduceSum" | "reduceMax"> {
  return (attrs, xs, out) => {
    const x = arg(xs, 0);
    // Accumulate in float64, store once in the result dtype.
    const acc = new Float64Array(sizeOf(out.shape)).fill(init);
    reduceInto(x.shape, x.data, attrs.axes, step, acc);
    const y = make(out);
    y.set(acc);
    return libraryTensor(out.dtype, out.shape, y);
  };
}

/**
 * [...A, m, k] x [...B, k, n], batch axes broadcast; rows accumulated in float64 (int32: wrapping,
 * products by Math.imul, as int32 add and mul). Every product is added, zeros included: 0·∞ is NaN.
 */
const matmul: JsKernel<"matmul"> = (_attrs, xs, out) => {
  const a = arg(xs, 0);
  const b = arg(xs, 1);
  const y = make(out);
  matmulInto(a.shape, a.data, b.shape, b.data, out.shape, out.dtype === "int32", y);
  return libraryTensor(out.dtype, out.shape, y);
};

/** The result of reading x through `view` (of x's contiguous layout), copied into a new contiguous tensor. */
function copyLayout(x: Tensor, out: OutInfo, view: (v: View) => View): Tensor {
  const y = make(out);
  copyView(x.data, view(contiguous(x.shape)), y, contiguous(out.shape));
  return libraryTensor(out.dtype, out.shape, y);
}

/** Slice t of a tensor along its leading axis. */
function step(x: Tensor, t: number): Tensor {
  const per = sizeOf(x.shape.slice(1));
  return libraryTensor(x.dtype, x.shape.slice(1), x.data.slice(t * per, (t + 1) * per));
}

/** Tensors of one shape stacked along a new leading axis. */
function stack(parts: readonly Tensor[], like: Tensor): Tensor {
  const per = like.size;
  const data = allocate(like.dtype, parts.length * per);
  parts.forEach((p, t) => data.set(p.data, t * per));
  return libraryTensor(like.dtype, [parts.length, ...like.shape], data);
}

/**
 * Every result of a scan (see ir/ops/scan.ts): the body interpreted once per step, the carry
 * threaded through; memoized for the run, so each result node of one scan reuses the loop.
 */
function scanResults(a: OpAttrs["scan"], xs: readonly Tensor[], ctx: KernelContext): readonly Tensor[] {
  const seen = ctx.memo.get(a.body) ?? [];
  const key = `scan:${String(a.length)}:${a.reverse}:${a.consts}:${a.carry}`;
  const same = (r: (typeof seen)[number]): boolean => r.key === key && r.inputs.length === xs.length && r.inputs.every((x, i) => x === xs[i]);
  const hit = seen.find(same);
  if (hit !== undefined) return hit.results;
  const { params } = a.body;
  const [C, K] = [a.consts, a.carry];
  const T = xs.length > C + K ? ((xs[C + K] as Tensor).shape[0] as number) : (a.length as number);
  let carry = xs.slice(C, C + K);
  const ys: Tensor[][] = [];
  const carries: Tensor[][] = carry.map(() => []);
  for (let s = 0; s < T; s++) {
    const t = a.reverse ? T - 1 - s : s;
    const feeds = new Map<string, Tensor>();
    params.forEach((p, i) => feeds.set(p.attrs.name, i < C ? (xs[i] as Tensor) : i < C + K ? (carry[i - C] as Tensor) : step(xs[i] as Tensor, t)));
    carry.forEach((c, j) => ((carries[j] as Tensor[])[t] = c));
    const outs = ctx.subgraph(a.body, feeds);
    carry = outs.slice(0, K);
    outs.slice(K).forEach((y, j) => ((ys[j] ??= [])[t] = y));
  }
  const results = [...carry, ...ys.map((parts) => stack(parts, parts[0] as Tensor)), ...carries.map((parts) => stack(parts, parts[0] as Tensor))];
  ctx.memo.set(a.body, [...seen, { key, inputs: xs, results }]);
  return results;
}

/** A subgraph's results on arguments, once per run for all the nodes of one call. */
function callResults(body: Subgraph, args: readonly Tensor[], ctx: KernelContext): readonly Tensor[] {
  const key = `call`;
  const seen = ctx.memo.get(body) ?? [];
  const hit = seen.find((r) => r.inputs.length === args.length && r.inputs.every((x, i) => x === args[i]) && r.key === key);
  if (hit !== undefined) return hit.results;
  const results = ctx.subgraph(body, new Map(body.params.map((p, i) => [p.attrs.name, args[i] as Tensor])));
  ctx.memo.set(body, [...seen, { key, inputs: args, results }]);
  return results;
}

const clampIndex = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);

const ELEMENTWISE_KERNELS = Object.fromEntries(ELEMENTWISE_OPS.map((op) => [op, elementwise(op)])) as { readonly [K in ElementwiseOp]: JsKernel<K> };

export const JS_KERNELS: { readonly [K in OpName]: JsKernel<K> } = {
  ...ELEMENTWISE_KERNELS,
  reduceSum: reduce(0, (acc, v) => acc + v),
  // Math.max as for `maximum`: NaN sticks, and +0 beats -0 in any order.
  reduceMax: reduce(-Infinity, Math.max),
  matmul,
  reshape: (_a, xs, out) => libraryTensor(out.dtype, out.shape, arg(xs, 0).data.slice()),
  transpose: (attrs, xs, out) => copyLayout(arg(xs, 0), out, (v) => transposeView(v, attrs.perm)),
  broadcast: (_a, xs, out) => copyLayout(arg(xs, 0), out, (v) => broadcastView(v, out.shape)),
  slice: (_a, xs, out) => copyLayout(arg(xs, 0), out, (v) => sliceView(v, _a.begin, out.shape)),
  pad: (attrs, xs, out) => {
    const x = arg(xs, 0);
    const y = make(out);
    copyView(x.data, contiguous(x.shape), y, padRegion(out.shape, x.shape, attrs.lo));
    return libraryTensor(out.dtype, out.shape, y);
  },
  concat: (attrs, xs, out) => {
    const y = make(out);
    const regions = concatRegions(out.shape, xs.map((x) => x.shape), attrs.axis);
    xs.forEach((x, i) => copyView(x.data, contiguous(x.shape), y, regions[i] as View));
    return libraryTensor(out.dtype, out.shape, y);
  },
  gather: (_a, xs, out) => {
    const [p, idx] = [arg(xs, 0), arg(xs, 1)];
    const rows = p.shape[0] as number;
    const width = sizeOf(p.shape.slice(1));
    const y = make(out);
    for (let r = 0; r < idx.data.length; r++) {
      const src = clampIndex(idx.data[r] as number, rows) * width;
      for (let j = 0; j < width; j++) y[r * width + j] = p.data[src + j] as number;
    }
    return libraryTensor(out.dtype, out.shape, y);
  },
  scatterAdd: (_a, xs, out) => {
    const [u, idx] = [arg(xs, 0), arg(xs, 1)];
    const rows = out.shape[0] as number;
    const width = sizeOf(out.shape.slice(1));
    const acc = new Float64Array(sizeOf(out.shape));
    for (let r = 0; r < idx.data.length; r++) {
      const dst = clampIndex(idx.data[r] as number, rows) * width;
      for (let j = 0; j < width; j++) acc[dst + j] = (acc[dst + j] as number) + (u.data[r * width + j] as number);
    }
    const y = make(out);
    y.set(acc);
    return libraryTensor(out.dtype, out.shape, y);
  },
  checkIndex: (attrs, xs, _out, ctx) => {
    const idx = arg(xs, 0);
    const size = boundSize(attrs.size, ctx.env);
    for (let i = 0; i < idx.data.length; i++) {
      const v = idx.data[i] as number;
      if (!indexInRange(v, size)) throw indexOutOfRange(attrs.caller, attrs.operand, idx.shape, i, v, size);
    }
    return idx;
  },
  reverse: (attrs, xs, out) => copyLayout(arg(xs, 0), out, (v) => reverseView(v, attrs.axes)),
  conv: (attrs, xs, out) => {
    const y = make(out);
    convInto(arg(xs, 0), arg(xs, 1), out.shape, attrs, out.dtype === "int32", y);
    return new Tensor(out.dtype, out.shape, y);
  },
  input: (attrs, _xs, _out, ctx) => ctx.feeds.get(attrs.name) as Tensor,
  // The function's own computation (its gradient rule matters only to the gradient pass).
  customVjp: (attrs, xs, _out, ctx) => callResults(attrs.fwd, xs, ctx)[attrs.output] as Tensor,
  // A loop of no steps has the initial carry and empty stacks.
  scan: (attrs, xs, out, ctx) => {
    const T = xs.length > attrs.consts + attrs.carry ? ((xs[attrs.consts + attrs.carry] as Tensor).shape[0] as number) : (attrs.length as number);
    if (T === 0) return attrs.output < attrs.carry ? (xs[attrs.consts + attrs.output] as Tensor) : libraryTensor(out.dtype, out.shape, make(out));
    return scanResults(attrs, xs, ctx)[attrs.output] as Tensor;
  },
  fill: (attrs, _xs, out) => {
    const y = make(out);
    y.fill(attrs.value);
    return libraryTensor(out.dtype, out.shape, y);
  },
  literal: (attrs, _xs, out) => {
    const y = make(out);
    y.set(attrs.values);
    return libraryTensor(out.dtype, out.shape, y);
  },
  iota: (attrs, _xs, out) => {
    const y = make(out);
    const at = iotaAt(out.shape, attrs.axis);
    for (let i = 0; i < y.length; i++) y[i] = at(i);
    return libraryTensor(out.dtype, out.shape, y);
  },
  // One block of `shape` per key (a batch of keys [..., 2] gives [..., ...shape]).
  random: (attrs, xs, out) => {
    const key = arg(xs, 0).data;
    const y = make(out);
    const keys = key.length / 2;
    const per = keys === 0 ? 0 : y.length / keys;
    for (let k = 0; k < keys; k++) {
      const k0 = (key[2 * k] as number) >>> 0;
      const k1 = (key[2 * k + 1] as number) >>> 0;
      for (let i = 0; i < per; i++) y[k * per + i] = randomElement(k0, k1, i, attrs.dist);
    }
    return libraryTensor(out.dtype, out.shape, y);
  },
};
