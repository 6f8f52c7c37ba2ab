import { allocate, type DType, type TypedArray } from "../../ir/dtype.js";
import { binaryFn, castFn, COMPARE_FN, UNARY_FN } from "../../ir/ops/elementwise.js";
import type { BinaryOp, CompareOp, OpAttrs, OpName, UnaryOp } from "../../ir/ops/attrs.js";
import { randomElement } from "../../ir/random.js";
import { sizeOf, stridesOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { broadcastStrides, matmulInto, reduceInto, stridedCopy, walk } from "../../ir/loops.js";

/**
 * The JS reference backend's kernels: one per primitive, on typed arrays. These define what every
 * other backend must compute. Float32 results are computed in float64 and rounded once on store.
 */

export interface OutInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface KernelContext {
  readonly feeds: ReadonlyMap<string, Tensor>;
}

export type JsKernel<K extends OpName> = (attrs: OpAttrs[K], inputs: readonly Tensor[], out: OutInfo, ctx: KernelContext) => Tensor;

const arg = (xs: readonly Tensor[], i: number): Tensor => xs[i] as Tensor;
const make = (out: OutInfo): TypedArray => allocate(out.dtype, sizeOf(out.shape));

function unary(op: UnaryOp): JsKernel<UnaryOp> {
  const f = UNARY_FN[op];
  return (_a, xs, out) => {
    const x = arg(xs, 0).data;
    const y = make(out);
    for (let i = 0; i < y.length; i++) y[i] = f(x[i] as number);
    return new Tensor(out.dtype, out.shape, y);
  };
}

/** out = f(a, b) with numpy broadcasting; fast paths for equal shapes and scalar operands. */
function zipWith(a: Tensor, b: Tensor, out: OutInfo, f: (x: number, y: number) => number): Tensor {
  const y = make(out);
  const ad = a.data;
  const bd = b.data;
  const n = y.length;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) y[i] = f(ad[i] as number, bd[i] as number);
  } else if (ad.length === n && bd.length === 1) {
    const s = bd[0] as number;
    for (let i = 0; i < n; i++) y[i] = f(ad[i] as number, s);
  } else if (ad.length === 1 && bd.length === n) {
    const s = ad[0] as number;
    for (let i = 0; i < n; i++) y[i] = f(s, bd[i] as number);
  } else {
    let o = 0;
    walk(out.shape, [broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)], [0, 0], (p) => {
      y[o++] = f(ad[p[0] as number] as number, bd[p[1] as number] as number);
    });
  }
  return new Tensor(out.dtype, out.shape, y);
}

function binary(op: BinaryOp): JsKernel<BinaryOp> {
  return (_a, xs, out) => zipWith(arg(xs, 0), arg(xs, 1), out, binaryFn(op, out.dtype));
}

function compare(op: CompareOp): JsKernel<CompareOp> {
  const f = COMPARE_FN[op];
  return (_a, xs, out) => zipWith(arg(xs, 0), arg(xs, 1), out, (x, y) => (f(x, y) ? 1 : 0));
}

function reduce(init: number, step: (acc: number, v: number) => number): JsKernel<"reduceSum" | "reduceMax"> {
  return (attrs, xs, out) => {
    const x = arg(xs, 0);
    // Accumulate in float64, store once in the result dtype.
    const acc = new Float64Array(sizeOf(out.shape)).fill(init);
    reduceInto(x.shape, x.data, attrs.axes, step, acc);
    const y = make(out);
    y.set(acc);
    return new Tensor(out.dtype, out.shape, y);
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
  return new Tensor(out.dtype, out.shape, y);
};

function copyLayout(x: Tensor, out: OutInfo, srcStrides: readonly number[], srcOff: number): Tensor {
  const y = make(out);
  stridedCopy(out.shape, x.data, srcStrides, srcOff, y, stridesOf(out.shape), 0);
  return new Tensor(out.dtype, out.shape, y);
}

const clampIndex = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);

export const JS_KERNELS: { readonly [K in OpName]: JsKernel<K> } = {
  neg: unary("neg"),
  exp: unary("exp"),
  log: unary("log"),
  sqrt: unary("sqrt"),
  abs: unary("abs"),
  sign: unary("sign"),
  tanh: unary("tanh"),
  floor: unary("floor"),
  stopGradient: unary("stopGradient"),
  add: binary("add"),
  sub: binary("sub"),
  mul: binary("mul"),
  div: binary("div"),
  pow: binary("pow"),
  maximum: binary("maximum"),
  minimum: binary("minimum"),
  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal"),
  where: (_a, xs, out) => {
    const [c, a, b] = [arg(xs, 0), arg(xs, 1), arg(xs, 2)];
    const y = make(out);
    let o = 0;
    const st = [c, a, b].map((t) => broadcastStrides(t.shape, out.shape));
    walk(out.shape, st, [0, 0, 0], (p) => {
      y[o++] = (c.data[p[0] as number] as number) !== 0 ? (a.data[p[1] as number] as number) : (b.data[p[2] as number] as number);
    });
    return new Tensor(out.dtype, out.shape, y);
  },
  cast: (attrs, xs, out) => {
    const x = arg(xs, 0).data;
    const f = castFn(attrs.dtype);
    const y = make(out);
    for (let i = 0; i < y.length; i++) y[i] = f(x[i] as number);
    return new Tensor(out.dtype, out.shape, y);
  },
  reduceSum: reduce(0, (acc, v) => acc + v),
  // Math.max as for `maximum`: NaN sticks, and +0 beats -0 in any order.
  reduceMax: reduce(-Infinity, Math.max),
  matmul,
  reshape: (_a, xs, out) => new Tensor(out.dtype, out.shape, arg(xs, 0).data.slice()),
  transpose: (attrs, xs, out) => {
    const x = arg(xs, 0);
    const st = stridesOf(x.shape);
    return copyLayout(x, out, attrs.perm.map((p) => st[p] as number), 0);
  },
  broadcast: (_a, xs, out) => {
    const x = arg(xs, 0);
    return copyLayout(x, out, broadcastStrides(x.shape, out.shape), 0);
  },
  slice: (attrs, xs, out) => {
    const x = arg(xs, 0);
    const st = stridesOf(x.shape);
    return copyLayout(x, out, st, attrs.begin.reduce((acc, b, i) => acc + b * (st[i] as number), 0));
  },
  pad: (attrs, xs, out) => {
    const x = arg(xs, 0);
    const y = make(out);
    const ost = stridesOf(out.shape);
    const off = attrs.lo.reduce((acc, l, i) => acc + l * (ost[i] as number), 0);
    stridedCopy(x.shape, x.data, stridesOf(x.shape), 0, y, ost, off);
    return new Tensor(out.dtype, out.shape, y);
  },
  concat: (attrs, xs, out) => {
    const y = make(out);
    const ost = stridesOf(out.shape);
    let at = 0;
    for (const x of xs) {
      stridedCopy(x.shape, x.data, stridesOf(x.shape), 0, y, ost, at * (ost[attrs.axis] as number));
      at += x.shape[attrs.axis] as number;
    }
    return new Tensor(out.dtype, out.shape, y);
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
    return new Tensor(out.dtype, out.shape, y);
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
    return new Tensor(out.dtype, out.shape, y);
  },
  input: (attrs, _xs, _out, ctx) => ctx.feeds.get(attrs.name) as Tensor,
  fill: (attrs, _xs, out) => {
    const y = make(out);
    y.fill(attrs.value);
    return new Tensor(out.dtype, out.shape, y);
  },
  literal: (attrs, _xs, out) => {
    const y = make(out);
    y.set(attrs.values);
    return new Tensor(out.dtype, out.shape, y);
  },
  iota: (attrs, _xs, out) => {
    const y = make(out);
    const stride = stridesOf(out.shape)[attrs.axis] as number;
    const n = out.shape[attrs.axis] as number;
    for (let i = 0; i < y.length; i++) y[i] = Math.floor(i / stride) % n;
    return new Tensor(out.dtype, out.shape, y);
  },
  random: (attrs, xs, out) => {
    const key = arg(xs, 0).data;
    const k0 = (key[0] as number) >>> 0;
    const k1 = (key[1] as number) >>> 0;
    const y = make(out);
    for (let i = 0; i < y.length; i++) y[i] = randomElement(k0, k1, i, attrs.dist);
    return new Tensor(out.dtype, out.shape, y);
  },
};
