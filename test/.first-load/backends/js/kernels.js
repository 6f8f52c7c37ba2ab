import { allocate } from "../../ir/dtype.js";
import { ELEMENTWISE_OPS, scalarFunction } from "../../ir/ops/elementwise.js";
import { randomElement } from "../../ir/random.js";
import { sizeOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { broadcastStrides, copyView, matmulInto, reduceInto, walk } from "../../ir/loops.js";
import { broadcastView, concatRegions, contiguous, iotaAt, padRegion, sliceView, transposeView } from "../../ir/view.js";
const arg = (xs, i) => xs[i];
const make = (out) => allocate(out.dtype, sizeOf(out.shape));
function elementwise(op) {
  return (_a, xs, out) => {
    const f = scalarFunction(op, out.dtype);
    const y = make(out);
    const n = y.length;
    const [a, b, c] = [xs[0]?.data ?? ZERO, xs[1]?.data ?? ZERO, xs[2]?.data ?? ZERO];
    if (xs.length === 1) {
      for (let i = 0; i < n; i++) y[i] = f(a[i], 0, 0);
    } else if (xs.length === 2 && a.length === n && b.length === n) {
      for (let i = 0; i < n; i++) y[i] = f(a[i], b[i], 0);
    } else if (xs.length === 2 && a.length === n && b.length === 1) {
      const s = b[0];
      for (let i = 0; i < n; i++) y[i] = f(a[i], s, 0);
    } else if (xs.length === 2 && a.length === 1 && b.length === n) {
      const s = a[0];
      for (let i = 0; i < n; i++) y[i] = f(s, b[i], 0);
    } else {
      let o = 0;
      walk(out.shape, xs.map((t) => broadcastStrides(t.shape, out.shape)), xs.map(() => 0), (p) => {
        y[o++] = f(a[p[0]], b[p[1]], c[p[2]]);
      });
    }
    return new Tensor(out.dtype, out.shape, y);
  };
}
const ZERO = new Float64Array(1);
function reduce(init, step) {
  return (attrs, xs, out) => {
    const x = arg(xs, 0);
    const acc = new Float64Array(sizeOf(out.shape)).fill(init);
    reduceInto(x.shape, x.data, attrs.axes, step, acc);
    const y = make(out);
    y.set(acc);
    return new Tensor(out.dtype, out.shape, y);
  };
}
const matmul = (_attrs, xs, out) => {
  const a = arg(xs, 0);
  const b = arg(xs, 1);
  const y = make(out);
  matmulInto(a.shape, a.data, b.shape, b.data, out.shape, out.dtype === "int32", y);
  return new Tensor(out.dtype, out.shape, y);
};
function copyLayout(x, out, view) {
  const y = make(out);
  copyView(x.data, view(contiguous(x.shape)), y, contiguous(out.shape));
  return new Tensor(out.dtype, out.shape, y);
}
const clampIndex = (i, n) => i < 0 ? 0 : i >= n ? n - 1 : i;
const ELEMENTWISE_KERNELS = Object.fromEntries(ELEMENTWISE_OPS.map((op) => [op, elementwise(op)]));
const JS_KERNELS = {
  ...ELEMENTWISE_KERNELS,
  reduceSum: reduce(0, (acc, v) => acc + v),
  // Math.max as for `maximum`: NaN sticks, and +0 beats -0 in any order.
  reduceMax: reduce(-Infinity, Math.max),
  matmul,
  reshape: (_a, xs, out) => new Tensor(out.dtype, out.shape, arg(xs, 0).data.slice()),
  transpose: (attrs, xs, out) => copyLayout(arg(xs, 0), out, (v) => transposeView(v, attrs.perm)),
  broadcast: (_a, xs, out) => copyLayout(arg(xs, 0), out, (v) => broadcastView(v, out.shape)),
  slice: (_a, xs, out) => copyLayout(arg(xs, 0), out, (v) => sliceView(v, _a.begin, out.shape)),
  pad: (attrs, xs, out) => {
    const x = arg(xs, 0);
    const y = make(out);
    copyView(x.data, contiguous(x.shape), y, padRegion(out.shape, x.shape, attrs.lo));
    return new Tensor(out.dtype, out.shape, y);
  },
  concat: (attrs, xs, out) => {
    const y = make(out);
    const regions = concatRegions(out.shape, xs.map((x) => x.shape), attrs.axis);
    xs.forEach((x, i) => copyView(x.data, contiguous(x.shape), y, regions[i]));
    return new Tensor(out.dtype, out.shape, y);
  },
  gather: (_a, xs, out) => {
    const [p, idx] = [arg(xs, 0), arg(xs, 1)];
    const rows = p.shape[0];
    const width = sizeOf(p.shape.slice(1));
    const y = make(out);
    for (let r = 0; r < idx.data.length; r++) {
      const src = clampIndex(idx.data[r], rows) * width;
      for (let j = 0; j < width; j++) y[r * width + j] = p.data[src + j];
    }
    return new Tensor(out.dtype, out.shape, y);
  },
  scatterAdd: (_a, xs, out) => {
    const [u, idx] = [arg(xs, 0), arg(xs, 1)];
    const rows = out.shape[0];
    const width = sizeOf(out.shape.slice(1));
    const acc = new Float64Array(sizeOf(out.shape));
    for (let r = 0; r < idx.data.length; r++) {
      const dst = clampIndex(idx.data[r], rows) * width;
      for (let j = 0; j < width; j++) acc[dst + j] = acc[dst + j] + u.data[r * width + j];
    }
    const y = make(out);
    y.set(acc);
    return new Tensor(out.dtype, out.shape, y);
  },
  input: (attrs, _xs, _out, ctx) => ctx.feeds.get(attrs.name),
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
    const at = iotaAt(out.shape, attrs.axis);
    for (let i = 0; i < y.length; i++) y[i] = at(i);
    return new Tensor(out.dtype, out.shape, y);
  },
  random: (attrs, xs, out) => {
    const key = arg(xs, 0).data;
    const k0 = key[0] >>> 0;
    const k1 = key[1] >>> 0;
    const y = make(out);
    for (let i = 0; i < y.length; i++) y[i] = randomElement(k0, k1, i, attrs.dist);
    return new Tensor(out.dtype, out.shape, y);
  }
};
export {
  JS_KERNELS
};
