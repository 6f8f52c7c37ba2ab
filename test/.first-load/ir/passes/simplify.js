import { apply } from "../build.js";
import { shapesEqual } from "../shape.js";
import { constOf, splatValue } from "./consts.js";
import { asShapeOf, rewritePass } from "./rewrite.js";
const simplify = rewritePass("simplify", simplifyNode);
function simplifyNode(n) {
  let cur = n;
  for (; ; ) {
    const next = rewriteOnce(cur);
    if (next === cur) return cur;
    cur = next;
  }
}
function make(op, inputs, attrs) {
  const r = apply(op, inputs, attrs);
  return r._tag === "Right" ? simplifyNode(r.right) : void 0;
}
const isValue = (x, v) => splatValue(x) === v;
function rewriteOnce(n) {
  const [a, b] = n.inputs;
  const same = (x) => asShapeOf(x, n) ?? n;
  switch (n.op) {
    case "add":
      if (isValue(b, 0)) return same(a);
      if (isValue(a, 0)) return same(b);
      return n;
    case "sub":
      if (isValue(b, 0)) return same(a);
      if (isValue(a, 0)) return withShape(make("neg", [b], {}), n);
      return n;
    case "mul":
      if (isValue(b, 1)) return same(a);
      if (isValue(a, 1)) return same(b);
      if (isValue(a, 0) || isValue(b, 0)) return make("fill", [], { shape: n.shape, dtype: n.dtype, value: 0 }) ?? n;
      return n;
    case "div":
      return isValue(b, 1) ? same(a) : n;
    case "pow":
      if (isValue(b, 1)) return same(a);
      if (isValue(b, 2)) return withShape(make("mul", [a, a], {}), n);
      return n;
    case "neg":
      return a.op === "neg" ? same(a.inputs[0]) : n;
    case "where": {
      const [x, y] = [n.inputs[1], n.inputs[2]];
      return x === y ? same(x) : n;
    }
    case "stopGradient":
      return constOf(a) !== void 0 || a.op === "stopGradient" ? a : n;
    case "cast":
      return simplifyCast(n, a, n.attrs.dtype);
    case "reshape":
      if (shapesEqual(a.shape, n.shape)) return a;
      if (a.op === "reshape" && symbolsKept(a, n)) return make("reshape", [a.inputs[0]], { shape: n.shape }) ?? n;
      return n;
    case "broadcast":
      if (shapesEqual(a.shape, n.shape)) return a;
      if (a.op === "broadcast") return make("broadcast", [a.inputs[0]], { shape: n.shape }) ?? n;
      return n;
    case "transpose": {
      const perm = n.attrs.perm;
      if (perm.every((p, i) => p === i)) return a;
      if (a.op !== "transpose") return n;
      const inner = a.attrs.perm;
      return make("transpose", [a.inputs[0]], { perm: perm.map((q) => inner[q]) }) ?? n;
    }
    case "slice":
      return n.attrs.begin.every((x) => x === 0) && shapesEqual(a.shape, n.shape) ? a : n;
    case "pad":
      return [...n.attrs.lo, ...n.attrs.hi].every((p) => p === 0) ? a : n;
    case "concat":
      return n.inputs.length === 1 ? a : n;
    default:
      return n;
  }
}
function withShape(x, n) {
  return x === void 0 ? n : asShapeOf(x, n) ?? n;
}
const LOSSLESS = /* @__PURE__ */ new Set(["bool>int32", "bool>float32", "bool>float64", "int32>float64", "float32>float64"]);
function simplifyCast(n, x, to) {
  if (x.dtype === to) return x;
  if (x.op !== "cast") return n;
  const src = x.inputs[0];
  if (!LOSSLESS.has(`${src.dtype}>${x.dtype}`)) return n;
  if (src.dtype === to) return src;
  return make("cast", [src], { dtype: to }) ?? n;
}
function symbolsKept(inner, outer) {
  const x = inner.inputs[0];
  return inner.shape.every((d) => typeof d === "number" || x.shape.includes(d) || outer.shape.includes(d));
}
export {
  simplify
};
