import { constNode, constOf, splat, stored } from "./consts.js";
import { foldDense, scalarFn } from "./fold-dense.js";
import { asShapeOf, rewritePass } from "./rewrite.js";
const fold = rewritePass("fold", foldNode);
const MAX_SPLAT_STEPS = 1 << 20;
const SOURCES = /* @__PURE__ */ new Set(["input", "fill", "literal", "iota", "random"]);
function foldNode(n) {
  if (SOURCES.has(n.op)) return n;
  const cs = n.inputs.map(constOf);
  if (cs.every((c) => c !== void 0)) {
    const c = foldConst(n, cs);
    if (c !== void 0) return constNode(c, n.shape, n.dtype);
  }
  if (n.op === "where") {
    const b = pickBranch(n, cs[0]);
    return b === void 0 ? n : b === n.inputs[1] || b === n.inputs[2] ? b : foldNode(b);
  }
  return n;
}
function foldConst(n, cs) {
  const values = cs.map((c) => c.kind === "splat" ? c.value : void 0);
  if (values.every((v) => v !== void 0)) {
    const s = foldSplats(n, values);
    if (s !== void 0) return s;
  }
  return foldDense(n, cs);
}
function foldSplats(n, vs) {
  const f = scalarFn(n);
  if (f !== void 0) return splat(stored(n.dtype, f(vs)));
  const v = vs[0];
  switch (n.op) {
    case "reshape":
    case "broadcast":
    case "transpose":
    case "slice":
      return splat(v);
    case "concat":
      return vs.every((w) => Object.is(w, v)) ? splat(v) : void 0;
    case "pad":
      return Object.is(v, 0) || [...n.attrs.lo, ...n.attrs.hi].every((p) => p === 0) ? splat(v) : void 0;
    case "reduceSum": {
      const count = reducedCount(n.inputs[0].shape, n.attrs.axes);
      if (count === void 0 || count > MAX_SPLAT_STEPS) return void 0;
      let acc = 0;
      for (let i = 0; i < count; i++) acc += v;
      return splat(stored(n.dtype, acc));
    }
    case "reduceMax": {
      const count = reducedCount(n.inputs[0].shape, n.attrs.axes);
      if (count === void 0) return void 0;
      return splat(stored(n.dtype, count === 0 ? -Infinity : v));
    }
    case "matmul":
      return matmulSplat(n, v, vs[1]);
    default:
      return void 0;
  }
}
function reducedCount(shape, axes) {
  let count = 1;
  for (const a of axes) {
    const d = shape[a];
    if (typeof d !== "number") return void 0;
    count *= d;
  }
  return count;
}
function matmulSplat(n, a, b) {
  const x = n.inputs[0];
  const k = x.shape[x.shape.length - 1];
  if (typeof k !== "number" || k > MAX_SPLAT_STEPS) return void 0;
  const wrap = n.dtype === "int32";
  let acc = 0;
  for (let i = 0; i < k; i++) acc = wrap ? acc + Math.imul(a, b) | 0 : acc + a * b;
  return splat(stored(n.dtype, acc));
}
function pickBranch(n, c) {
  if (c === void 0) return void 0;
  const values = c.kind === "splat" ? [c.value] : c.values;
  if (values.length === 0) return void 0;
  const branch = values.every((v) => v !== 0) ? n.inputs[1] : values.every((v) => v === 0) ? n.inputs[2] : void 0;
  return branch === void 0 ? void 0 : asShapeOf(branch, n);
}
export {
  fold
};
