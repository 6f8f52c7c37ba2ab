import { FC, I, V } from "./opcodes.js";
const HOST_MATH = { exp: 1, log: 1, tanh: 1, pow: 2 };
const HOST_MATH_NAMES = Object.keys(HOST_MATH);
function hostMath() {
  return Object.fromEntries(HOST_MATH_NAMES.map((k) => [k, Math[k]]));
}
function hostMathSource() {
  return `{ ${HOST_MATH_NAMES.map((k) => `${k}: Math.${k}`).join(", ")} }`;
}
const F32 = { add: I.f32_add, sub: I.f32_sub, mul: I.f32_mul, div: I.f32_div, min: I.f32_min, max: I.f32_max, abs: I.f32_abs, neg: I.f32_neg, floor: I.f32_floor, sqrt: I.f32_sqrt, eq: I.f32_eq, ne: I.f32_ne, lt: I.f32_lt, gt: I.f32_gt, copysign: I.f32_copysign };
const F64 = { add: I.f64_add, sub: I.f64_sub, mul: I.f64_mul, div: I.f64_div, min: I.f64_min, max: I.f64_max, abs: I.f64_abs, neg: I.f64_neg, floor: I.f64_floor, sqrt: I.f64_sqrt, eq: I.f64_eq, ne: I.f64_ne, lt: I.f64_lt, gt: I.f64_gt, copysign: I.f64_copysign };
const PROMOTE = I.f64_promote_f32;
const DEMOTE = I.f32_demote_f64;
const floatTable = (d) => d === "float32" ? F32 : d === "float64" ? F64 : void 0;
function fconst(c, d, v) {
  if (d === "float32") c.f.f32(v);
  else c.f.f64(v);
}
function hostUnary(fn) {
  return (c) => {
    if (c.dtype === "float32") c.f.op(PROMOTE).call(c.math[fn]).op(DEMOTE);
    else c.f.call(c.math[fn]);
  };
}
function floatOrInt(fl, int) {
  return (c) => {
    const t = floatTable(c.argTypes[0] ?? c.dtype);
    if (t !== void 0) fl(t, c);
    else int(c);
  };
}
const SIMD_F32 = { add: V.f32x4_add, sub: V.f32x4_sub, mul: V.f32x4_mul, div: V.f32x4_div, min: V.f32x4_min, max: V.f32x4_max, abs: V.f32x4_abs, neg: V.f32x4_neg, sqrt: V.f32x4_sqrt, floor: V.f32x4_floor, eq: V.f32x4_eq, ne: V.f32x4_ne, lt: V.f32x4_lt, gt: V.f32x4_gt };
const SIMD_I32 = { add: V.i32x4_add, sub: V.i32x4_sub, mul: V.i32x4_mul, min: V.i32x4_min_s, max: V.i32x4_max_s, abs: V.i32x4_abs, neg: V.i32x4_neg, eq: V.i32x4_eq, ne: V.i32x4_ne, lt: V.i32x4_lt_s, gt: V.i32x4_gt_s };
function simdBy(f32op, i32op) {
  return (c) => {
    const d = c.argTypes[0] ?? c.dtype;
    if (d === "float32" && f32op !== void 0) c.f.simd(SIMD_F32[f32op]);
    else if ((d === "int32" || d === "bool") && i32op !== void 0) c.f.simd(SIMD_I32[i32op]);
    else return false;
    return true;
  };
}
const binaryFloat = (name) => (t, c) => void c.f.op(t[name]);
function floatSign(t, c) {
  const d = c.argTypes[0];
  const x = c.scratch(d === "float32" ? "f32" : "f64");
  const { f } = c;
  f.set(x);
  fconst(c, d, 1);
  f.get(x).op(t.copysign);
  f.get(x);
  f.get(x);
  fconst(c, d, 0);
  f.op(t.ne).get(x).get(x).op(t.eq).op(I.i32_and);
  f.op(I.select);
}
function intUnary(kind) {
  return (c) => {
    const x = c.scratch("i32");
    const { f } = c;
    f.set(x);
    if (kind === "neg") f.i32(0).get(x).op(I.i32_sub);
    else if (kind === "abs") f.i32(0).get(x).op(I.i32_sub).get(x).get(x).i32(0).op(I.i32_lt_s).op(I.select);
    else f.get(x).i32(0).op(I.i32_gt_s).get(x).i32(0).op(I.i32_lt_s).op(I.i32_sub);
  };
}
function intMinMax(pick) {
  return (c) => {
    const b = c.scratch("i32");
    const a = c.scratch("i32");
    c.f.set(b).set(a).get(a).get(b).get(a).get(b).op(pick === "max" ? I.i32_gt_s : I.i32_lt_s).op(I.select);
  };
}
function compare(name, intOp) {
  return {
    scalar: floatOrInt((t, c) => void c.f.op(t[name]), (c) => void c.f.op(intOp)),
    simd: simdBy(name, name)
  };
}
function castScalar(c) {
  const from = c.argTypes[0];
  const to = c.dtype;
  const { f } = c;
  if (from === to) return;
  if (to === "bool") {
    if (from === "float32") f.f32(0).op(F32.ne);
    else if (from === "float64") f.f64(0).op(F64.ne);
    else if (from === "int32") f.i32(0).op(I.i32_ne);
    return;
  }
  const fromInt = from === "int32" || from === "bool";
  if (to === "int32") {
    if (from === "float32") f.sat(FC.i32_trunc_sat_f32_s);
    else if (from === "float64") f.sat(FC.i32_trunc_sat_f64_s);
    return;
  }
  if (to === "float32") f.op(fromInt ? I.f32_convert_i32_s : DEMOTE);
  else f.op(fromInt ? I.f64_convert_i32_s : PROMOTE);
}
function castSimd(c) {
  const from = c.argTypes[0];
  const to = c.dtype;
  const { f } = c;
  if (from === to) return true;
  if (from === "float32" && to === "int32") f.simd(V.i32x4_trunc_sat_f32x4_s);
  else if (from === "int32" && to === "float32") f.simd(V.f32x4_convert_i32x4_s);
  else if (from === "bool" && to === "float32") f.f32(1).simd(V.f32x4_splat).simd(V.v128_and);
  else if (from === "bool" && to === "int32") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
  else if (from === "float32" && to === "bool") f.f32(0).simd(V.f32x4_splat).simd(SIMD_F32.ne);
  else if (from === "int32" && to === "bool") f.i32(0).simd(V.i32x4_splat).simd(SIMD_I32.ne);
  else return false;
  return true;
}
const identity = { scalar: () => void 0, simd: () => true };
const ELEMENTWISE_EMIT = {
  neg: { scalar: floatOrInt((t, c) => void c.f.op(t.neg), intUnary("neg")), simd: simdBy("neg", "neg") },
  abs: { scalar: floatOrInt((t, c) => void c.f.op(t.abs), intUnary("abs")), simd: simdBy("abs", "abs") },
  sign: { scalar: floatOrInt(floatSign, intUnary("sign")) },
  floor: { scalar: floatOrInt((t, c) => void c.f.op(t.floor), () => void 0), simd: (c) => c.dtype === "int32" ? true : simdBy("floor", void 0)(c) },
  sqrt: { scalar: floatOrInt((t, c) => void c.f.op(t.sqrt), () => void 0), simd: simdBy("sqrt", void 0) },
  exp: { scalar: hostUnary("exp") },
  log: { scalar: hostUnary("log") },
  tanh: { scalar: hostUnary("tanh") },
  stopGradient: identity,
  add: { scalar: floatOrInt(binaryFloat("add"), (c) => void c.f.op(I.i32_add)), simd: simdBy("add", "add") },
  sub: { scalar: floatOrInt(binaryFloat("sub"), (c) => void c.f.op(I.i32_sub)), simd: simdBy("sub", "sub") },
  mul: { scalar: floatOrInt(binaryFloat("mul"), (c) => void c.f.op(I.i32_mul)), simd: simdBy("mul", "mul") },
  div: { scalar: floatOrInt(binaryFloat("div"), intDivFixed), simd: simdBy("div", void 0) },
  maximum: { scalar: floatOrInt(binaryFloat("max"), intMinMax("max")), simd: simdBy("max", "max") },
  minimum: { scalar: floatOrInt(binaryFloat("min"), intMinMax("min")), simd: simdBy("min", "min") },
  pow: {
    scalar: (c) => {
      if (c.dtype === "float32") {
        const b = c.scratch("f32");
        c.f.set(b).op(PROMOTE).get(b).op(PROMOTE).call(c.math.pow).op(DEMOTE);
      } else c.f.call(c.math.pow);
    }
  },
  greater: compare("gt", I.i32_gt_s),
  less: compare("lt", I.i32_lt_s),
  equal: compare("eq", I.i32_eq),
  // select(a, b, cond): operands are emitted as (a, b, cond) by the expression emitter.
  where: { scalar: (c) => void c.f.op(I.select), simd: (c) => (c.f.simd(V.v128_bitselect), true) },
  cast: { scalar: castScalar, simd: castSimd }
};
function intDivFixed(c) {
  const b = c.scratch("i32");
  const a = c.scratch("i32");
  const { f } = c;
  f.set(b).set(a);
  f.i32(0).get(a).op(I.i32_sub);
  f.get(a).i32(1).get(b).get(b).op(I.i32_eqz).get(b).i32(-1).op(I.i32_eq).op(I.i32_or).op(I.select).op(I.i32_div_s);
  f.get(b).i32(-1).op(I.i32_eq).op(I.select);
  f.i32(0).get(b).op(I.select);
}
function wasmType(d) {
  return d === "float32" ? "f32" : d === "float64" ? "f64" : "i32";
}
export {
  ELEMENTWISE_EMIT,
  HOST_MATH,
  HOST_MATH_NAMES,
  hostMath,
  hostMathSource,
  wasmType
};
