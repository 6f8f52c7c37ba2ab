import { apply } from "../ir/build.js";
import { isFloat, promote } from "../ir/dtype.js";
import { GraphgradError, orThrow } from "../ir/errors.js";
import { BINARY, BINARY_OPS, COMPARE_OPS, UNARY, UNARY_OPS } from "../ir/ops/elementwise.js";
import { formatShape, normalizeAxis } from "../ir/shape.js";
import { nestedShape, tensorFrom } from "../ir/tensor.js";
import { Expr } from "./expr.js";
function prim(op, inputs, attrs) {
  return Expr.of(orThrow(apply(op, inputs.map((e) => e.node), attrs)));
}
function check(x, op, i) {
  if (!(x instanceof Expr) && typeof x !== "number") {
    throw new GraphgradError(op, `operand ${i} must be an Expr or a number, got ${typeof x}`);
  }
}
function scalar(value, dtype = "float32") {
  return prim("fill", [], { shape: [], dtype, value });
}
function lift2(op, a, b) {
  check(a, op, 0);
  check(b, op, 1);
  if (a instanceof Expr && b instanceof Expr) {
    const d = promote(a.dtype, b.dtype);
    return [cast(a, d), cast(b, d)];
  }
  if (a instanceof Expr) return [a, weak(b, a)];
  if (b instanceof Expr) return [weak(a, b), b];
  return [scalar(a), scalar(b)];
}
function weak(v, like) {
  if ((like.dtype === "int32" || like.dtype === "bool") && !Number.isInteger(v)) return scalar(v, "float32");
  return scalar(v, like.dtype === "bool" ? "int32" : like.dtype);
}
function toFloat(x) {
  return isFloat(x.dtype) ? x : cast(x, "float32");
}
function unaryBuilder(op) {
  return (x) => {
    check(x, op, 0);
    const e = x instanceof Expr ? x : scalar(x);
    return prim(op, [UNARY[op].accepts === "float" ? toFloat(e) : e], {});
  };
}
function binaryBuilder(op) {
  return (a, b) => {
    let [x, y] = lift2(op, a, b);
    if (BINARY[op].accepts === "float") [x, y] = [toFloat(x), toFloat(y)];
    else if (x.dtype === "bool") [x, y] = [cast(x, "int32"), cast(y, "int32")];
    return prim(op, [x, y], {});
  };
}
function compareBuilder(op) {
  return (a, b) => prim(op, lift2(op, a, b), {});
}
const builders = (ops, make) => Object.fromEntries(ops.map((op) => [op, make(op)]));
const { neg, abs, sign, floor, stopGradient, exp, log, sqrt, tanh } = builders(UNARY_OPS, unaryBuilder);
const { add, sub, mul, div, pow, maximum, minimum } = builders(BINARY_OPS, binaryBuilder);
const { greater, less, equal } = builders(COMPARE_OPS, compareBuilder);
const EXPORTED = { neg, abs, sign, floor, stopGradient, exp, log, sqrt, tanh, add, sub, mul, div, pow, maximum, minimum, greater, less, equal };
void EXPORTED;
const greaterEqual = (a, b) => logicalNot(less(a, b));
const lessEqual = (a, b) => logicalNot(greater(a, b));
const notEqual = (a, b) => logicalNot(equal(a, b));
function logicalNot(x) {
  return prim("equal", [x, scalar(0, x.dtype)], {});
}
function where(cond, a, b) {
  if (!(cond instanceof Expr)) throw new GraphgradError("where", "the condition must be a bool Expr");
  const [x, y] = lift2("where", a, b);
  return prim("where", [cond, x, y], {});
}
function cast(x, dtype) {
  return x.dtype === dtype ? x : prim("cast", [x], { dtype });
}
function axesOf(op, x, axes) {
  const list = axes === void 0 ? [...Array(x.rank).keys()] : typeof axes === "number" ? [axes] : [...axes];
  return list.map((a) => {
    const r = normalizeAxis(a, x.rank);
    if (r._tag === "Left") throw new GraphgradError(op, `${r.left} (shape ${formatShape(x.shape)})`);
    return r.right;
  });
}
function sum(x, axes, keepdims = false) {
  const a = axesOf("reduceSum", x, axes);
  return prim("reduceSum", [x.dtype === "bool" ? cast(x, "int32") : x], { axes: a, keepdims });
}
function max(x, axes, keepdims = false) {
  return prim("reduceMax", [x], { axes: axesOf("reduceMax", x, axes), keepdims });
}
function min(x, axes, keepdims = false) {
  return neg(max(neg(x), axes, keepdims));
}
function mean(x, axes, keepdims = false) {
  const a = axesOf("mean", x, axes);
  const fx = toFloat(x);
  return div(sum(fx, a, keepdims), countOf(fx, a));
}
function countOf(x, axes) {
  let known = 1;
  let symbolic = false;
  for (const a of axes) {
    const d = x.shape[a];
    if (typeof d === "number") known *= d;
    else symbolic = true;
  }
  if (!symbolic) return scalar(known, x.dtype);
  return sum(prim("fill", [], { shape: axes.map((a) => x.shape[a]), dtype: x.dtype, value: 1 }));
}
function matmul(a, b) {
  check(a, "matmul", 0);
  check(b, "matmul", 1);
  const [x, y] = lift2("matmul", a, b);
  return prim("matmul", [x, y], {});
}
function reshape(x, shape) {
  return prim("reshape", [x], { shape: shape.map((d) => d === null ? -1 : d) });
}
function transpose(x, perm) {
  const p = perm ?? [...Array(x.rank).keys()].reverse();
  return prim("transpose", [x], { perm: axesOf("transpose", x, p) });
}
function broadcastTo(x, shape) {
  return prim("broadcast", [x], { shape });
}
function expandDims(x, axis) {
  const r = normalizeAxis(axis, x.rank + 1);
  if (r._tag === "Left") throw new GraphgradError("expandDims", `${r.left} (shape ${formatShape(x.shape)})`);
  const shape = [...x.shape];
  shape.splice(r.right, 0, 1);
  return prim("reshape", [x], { shape });
}
function squeeze(x, axes) {
  const a = axes === void 0 ? x.shape.flatMap((d, i) => d === 1 ? [i] : []) : axesOf("squeeze", x, axes);
  for (const i of a) {
    if (x.shape[i] !== 1) throw new GraphgradError("squeeze", `axis ${i} of ${formatShape(x.shape)} has size ${String(x.shape[i])}, not 1`);
  }
  return prim("reshape", [x], { shape: x.shape.filter((_, i) => !a.includes(i)) });
}
function slice(x, begin, size) {
  if (begin.length !== x.rank || size !== void 0 && size.length !== x.rank) {
    throw new GraphgradError("slice", `need one begin and size per axis of ${formatShape(x.shape)}, got [${begin.join(",")}] and [${(size ?? []).join(",")}]`);
  }
  const b = begin.map((v, i) => {
    const d = x.shape[i];
    return v < 0 && typeof d === "number" ? d + v : v;
  });
  const s = b.map((v, i) => {
    const want = size?.[i] ?? -1;
    const d = x.shape[i];
    if (want !== -1) return want;
    return typeof d === "number" ? d - v : d;
  });
  return prim("slice", [x], { begin: b, size: s });
}
function pad(x, paddings) {
  return prim("pad", [x], { lo: paddings.map((p) => p[0]), hi: paddings.map((p) => p[1]) });
}
function concat(xs, axis = 0) {
  const first = xs[0];
  if (first === void 0) throw new GraphgradError("concat", "needs at least one operand");
  const d = xs.reduce((acc, x) => promote(acc, x.dtype), first.dtype);
  return prim("concat", xs.map((x) => cast(x, d)), { axis: axesOf("concat", first, axis)[0] });
}
function stack(xs, axis = 0) {
  const first = xs[0];
  if (first === void 0) throw new GraphgradError("stack", "needs at least one operand");
  return concat(xs.map((x) => expandDims(x, axis < 0 ? axis + first.rank + 1 : axis)), axis < 0 ? axis + first.rank + 1 : axis);
}
function gather(params, indices) {
  return prim("gather", [params, indices], {});
}
function scatterAdd(updates, indices, size) {
  return prim("scatterAdd", [updates, indices], { size });
}
function iota(shape, axis = 0, dtype = "int32") {
  return prim("iota", [], { shape, axis, dtype });
}
function oneHot(indices, depth, dtype = "float32") {
  const positions = iota([...indices.shape, depth], indices.rank, indices.dtype);
  return cast(equal(positions, expandDims(indices, -1)), dtype);
}
function argmax(x, axis = -1) {
  const a = axesOf("argmax", x, axis)[0];
  const n = x.shape[a];
  if (typeof n !== "number") throw new GraphgradError("argmax", `axis ${a} of ${formatShape(x.shape)} is symbolic`);
  const top = max(x, a, true);
  const idx = iota(x.shape, a, "int32");
  const score = where(equal(x, top), sub(scalar(n, "int32"), idx), scalar(0, "int32"));
  return sub(scalar(n, "int32"), max(score, a));
}
function fill(shape, value, dtype = "float32") {
  return prim("fill", [], { shape, dtype, value });
}
const zeros = (shape, dtype = "float32") => fill(shape, 0, dtype);
const ones = (shape, dtype = "float32") => fill(shape, 1, dtype);
const zerosLike = (x) => fill(x.shape, 0, x.dtype);
const onesLike = (x) => fill(x.shape, 1, x.dtype);
function constant(value, dtype = "float32") {
  if (typeof value === "number" || typeof value === "boolean") return scalar(Number(value), dtype);
  const shape = nestedShape(value, "constant");
  const t = tensorFrom(value, dtype, shape, "constant");
  return prim("literal", [], { shape, dtype, values: Array.from(t.data) });
}
function input(name, shape, dtype = "float32") {
  return source(name, shape, dtype, "input");
}
function param(name, shape, dtype = "float32") {
  return source(name, shape, dtype, "param");
}
function source(name, shape, dtype, kind) {
  if (!Array.isArray(shape)) throw new GraphgradError(kind, `'${name}': the shape must be an array, got ${typeof shape}`);
  return prim("input", [], { name, shape: shape.map((d, i) => d === null ? `?${name}.${i}` : d), dtype, kind });
}
export {
  abs,
  add,
  argmax,
  axesOf,
  broadcastTo,
  cast,
  concat,
  constant,
  countOf,
  div,
  equal,
  exp,
  expandDims,
  fill,
  floor,
  gather,
  greater,
  greaterEqual,
  input,
  iota,
  less,
  lessEqual,
  log,
  logicalNot,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  notEqual,
  oneHot,
  ones,
  onesLike,
  pad,
  param,
  pow,
  prim,
  reshape,
  scalar,
  scatterAdd,
  sign,
  slice,
  sqrt,
  squeeze,
  stack,
  stopGradient,
  sub,
  sum,
  tanh,
  transpose,
  where,
  zeros,
  zerosLike
};
