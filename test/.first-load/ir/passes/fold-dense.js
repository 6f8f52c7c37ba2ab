import { isElementwise, scalarFunction } from "../ops/elementwise.js";
import { broadcastStrides, copyView, matmulInto, reduceInto, walk } from "../loops.js";
import { isConcrete, sizeOf } from "../shape.js";
import { broadcastView, concatRegions, contiguous, padRegion, sliceView, transposeView } from "../view.js";
import { compact, denseValues, MAX_FOLD_ELEMENTS, stored } from "./consts.js";
function scalarFn(n) {
  if (!isElementwise(n.op)) return void 0;
  const f = scalarFunction(n.op, n.dtype);
  return (xs) => f(xs[0], xs[1], xs[2]);
}
function operand(n, cs, i) {
  const x = n.inputs[i];
  const c = cs[i];
  if (!isConcrete(x.shape)) return void 0;
  const values = denseValues(c, x.shape);
  return values === void 0 ? void 0 : { shape: [...x.shape], values };
}
function viewed(x, view) {
  const v = view(contiguous(x.shape));
  const out = new Array(sizeOf(v.shape));
  copyView(x.values, v, out, contiguous(v.shape));
  return out;
}
function foldDense(n, cs) {
  const shape = n.shape;
  if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return void 0;
  const values = denseResult(n, cs, shape);
  return values === void 0 ? void 0 : compact(shape, values.map((v) => stored(n.dtype, v)));
}
function denseResult(n, cs, shape) {
  const f = scalarFn(n);
  if (f !== void 0) return elementwise(cs, shape, f);
  const x = operand(n, cs, 0);
  if (x === void 0) return void 0;
  switch (n.op) {
    case "reshape":
      return x.values;
    case "broadcast":
      return viewed(x, (v) => broadcastView(v, shape));
    case "transpose": {
      const perm = n.attrs.perm;
      return viewed(x, (v) => transposeView(v, perm));
    }
    case "slice": {
      const begin = n.attrs.begin;
      return viewed(x, (v) => sliceView(v, begin, shape));
    }
    case "pad": {
      const out = new Array(sizeOf(shape)).fill(0);
      copyView(x.values, contiguous(x.shape), out, padRegion(shape, x.shape, n.attrs.lo));
      return out;
    }
    case "concat":
      return concat(n, cs, shape);
    case "reduceSum":
      return reduce(n, x, 0, (acc, v) => acc + v);
    case "reduceMax":
      return reduce(n, x, -Infinity, Math.max);
    case "matmul": {
      const y = operand(n, cs, 1);
      return y === void 0 ? void 0 : matmul(x, y, shape, n.dtype === "int32");
    }
    default:
      return void 0;
  }
}
function elementwise(cs, shape, f) {
  const views = cs.map(
    (c) => c.kind === "splat" ? { values: [c.value], strides: shape.map(() => 0) } : { values: c.values, strides: broadcastStrides(c.shape, shape) }
  );
  const out = [];
  const args = new Array(views.length);
  walk(shape, views.map((v) => v.strides), views.map(() => 0), (offs) => {
    views.forEach((v, i) => args[i] = v.values[offs[i]]);
    out.push(f(args));
  });
  return out;
}
function concat(n, cs, shape) {
  const out = new Array(sizeOf(shape)).fill(0);
  const xs = n.inputs.map((_, i) => operand(n, cs, i));
  if (!xs.every((x) => x !== void 0)) return void 0;
  const regions = concatRegions(shape, xs.map((x) => x.shape), n.attrs.axis);
  xs.forEach((x, i) => copyView(x.values, contiguous(x.shape), out, regions[i]));
  return out;
}
function reduce(n, x, init, step) {
  const { axes } = n.attrs;
  const acc = new Array(sizeOf(x.shape.map((d, i) => axes.includes(i) ? 1 : d))).fill(init);
  reduceInto(x.shape, x.values, axes, step, acc);
  return acc;
}
function matmul(a, b, shape, wrap) {
  const out = new Array(sizeOf(shape)).fill(0);
  matmulInto(a.shape, a.values, b.shape, b.values, shape, wrap, out);
  return out;
}
export {
  foldDense,
  scalarFn
};
