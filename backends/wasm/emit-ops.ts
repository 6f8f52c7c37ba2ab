import type { DType } from "../../ir/dtype.js";
import type { ElementwiseOp } from "../../ir/ops/elementwise.js";
import type { FunctionBuilder } from "./encoder.js";

/**
 * How each elementwise primitive is emitted, keyed by op name (a missing op fails `tsc`):
 * `scalar` consumes its operands' values from the wasm stack (f32 / f64 / i32, bools as i32 0/1)
 * and leaves the result; `simd` does the same on v128 lanes (f32x4 / i32x4, bools as lane masks),
 * or is absent when the op has no vector form here. Transcendental functions call the host's
 * Math functions (imported), so results match the JS reference bit for bit.
 */


/** Indices of the imported host math functions. */
export interface MathImports {
  readonly exp: number;
  readonly log: number;
  readonly tanh: number;
  readonly pow: number;
}

export interface EmitContext {
  readonly f: FunctionBuilder;
  readonly math: MathImports;
  /** The result dtype. */
  readonly dtype: DType;
  /** The operands' dtypes. */
  readonly argTypes: readonly DType[];
  /** A scratch local of a wasm type, reused within one emission. */
  scratch(t: "i32" | "f32" | "f64" | "v128"): number;
}

export interface OpEmitter {
  readonly scalar: (c: EmitContext) => void;
  readonly simd?: (c: EmitContext) => boolean;
}

const F32 = { add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97, abs: 0x8b, neg: 0x8c, floor: 0x8e, sqrt: 0x91, eq: 0x5b, ne: 0x5c, lt: 0x5d, gt: 0x5e, copysign: 0x98 };
const F64 = { add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3, min: 0xa4, max: 0xa5, abs: 0x99, neg: 0x9a, floor: 0x9c, sqrt: 0x9f, eq: 0x61, ne: 0x62, lt: 0x63, gt: 0x64, copysign: 0xa6 };
const PROMOTE = 0xbb;
const DEMOTE = 0xb6;

type FloatTable = typeof F32;
const floatTable = (d: DType): FloatTable | undefined => (d === "float32" ? F32 : d === "float64" ? F64 : undefined);

/** Pushes a float constant of dtype d. */
function fconst(c: EmitContext, d: DType, v: number): void {
  if (d === "float32") c.f.f32(v);
  else c.f.f64(v);
}

/** f(x) for a host Math function of one float64 argument, in dtype d. */
function hostUnary(fn: keyof MathImports) {
  return (c: EmitContext): void => {
    if (c.dtype === "float32") c.f.op(PROMOTE).call(c.math[fn]).op(DEMOTE);
    else c.f.call(c.math[fn]);
  };
}

function floatOrInt(fl: (t: FloatTable, c: EmitContext) => void, int: (c: EmitContext) => void) {
  return (c: EmitContext): void => {
    const t = floatTable(c.argTypes[0] ?? c.dtype);
    if (t !== undefined) fl(t, c);
    else int(c);
  };
}

const SIMD_F32 = { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, min: 0xe8, max: 0xe9, abs: 0xe0, neg: 0xe1, sqrt: 0xe3, floor: 0x68, eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44 };
const SIMD_I32 = { add: 0xae, sub: 0xb1, mul: 0xb5, min: 0xb6, max: 0xb8, abs: 0xa0, neg: 0xc1, eq: 0x37, ne: 0x38, lt: 0x39, gt: 0x3b };

/** A SIMD form for f32 and i32 (bool masks compare as i32). */
function simdBy(f32op: keyof typeof SIMD_F32 | undefined, i32op: keyof typeof SIMD_I32 | undefined) {
  return (c: EmitContext): boolean => {
    const d = c.argTypes[0] ?? c.dtype;
    if (d === "float32" && f32op !== undefined) c.f.simd(SIMD_F32[f32op]);
    else if ((d === "int32" || d === "bool") && i32op !== undefined) c.f.simd(SIMD_I32[i32op]);
    else return false;
    return true;
  };
}

const binaryFloat = (name: "add" | "sub" | "mul" | "div" | "min" | "max") => (t: FloatTable, c: EmitContext) => void c.f.op(t[name]);

/** sign: NaN and ±0 map to themselves, everything else to ±1. */
function floatSign(t: FloatTable, c: EmitContext): void {
  const d = c.argTypes[0] as DType;
  const x = c.scratch(d === "float32" ? "f32" : "f64");
  const { f } = c;
  f.set(x);
  fconst(c, d, 1);
  f.get(x).op(t.copysign);
  f.get(x);
  f.get(x);
  fconst(c, d, 0);
  f.op(t.ne).get(x).get(x).op(t.eq).op(0x71); // x != 0 && x == x
  f.op(0x1b);
}

function intUnary(kind: "neg" | "abs" | "sign"): (c: EmitContext) => void {
  return (c) => {
    const x = c.scratch("i32");
    const { f } = c;
    f.set(x);
    if (kind === "neg") f.i32(0).get(x).op(0x6b);
    else if (kind === "abs") f.i32(0).get(x).op(0x6b).get(x).get(x).i32(0).op(0x48).op(0x1b); // x < 0 ? 0 - x : x
    else f.get(x).i32(0).op(0x4a).get(x).i32(0).op(0x48).op(0x6b); // (x > 0) - (x < 0)
  };
}

function intMinMax(pick: "min" | "max"): (c: EmitContext) => void {
  return (c) => {
    const b = c.scratch("i32");
    const a = c.scratch("i32");
    c.f.set(b).set(a).get(a).get(b).get(a).get(b).op(pick === "max" ? 0x4a : 0x48).op(0x1b);
  };
}

function compare(name: "eq" | "lt" | "gt", intOp: number): OpEmitter {
  return {
    scalar: floatOrInt((t, c) => void c.f.op(t[name]), (c) => void c.f.op(intOp)),
    simd: simdBy(name, name),
  };
}

/** cast between dtypes: saturating float->int32, "non-zero" to bool. */
function castScalar(c: EmitContext): void {
  const from = c.argTypes[0] as DType;
  const to = c.dtype;
  const { f } = c;
  if (from === to) return;
  if (to === "bool") {
    if (from === "float32") f.f32(0).op(F32.ne);
    else if (from === "float64") f.f64(0).op(F64.ne);
    else if (from === "int32") f.i32(0).op(0x47);
    return;
  }
  const fromInt = from === "int32" || from === "bool";
  if (to === "int32") {
    if (from === "float32") f.sat(0x00);
    else if (from === "float64") f.sat(0x02);
    return; // bool -> int32: already 0/1
  }
  if (to === "float32") f.op(fromInt ? 0xb2 : DEMOTE);
  else f.op(fromInt ? 0xb7 : PROMOTE);
}

function castSimd(c: EmitContext): boolean {
  const from = c.argTypes[0] as DType;
  const to = c.dtype;
  const { f } = c;
  if (from === to) return true;
  if (from === "float32" && to === "int32") f.simd(0xf8);
  else if (from === "int32" && to === "float32") f.simd(0xfa);
  else if (from === "bool" && to === "float32") f.f32(1).simd(0x13).simd(0x4e); // mask & splat(1.0f)
  else if (from === "bool" && to === "int32") f.i32(1).simd(0x11).simd(0x4e);
  else if (from === "float32" && to === "bool") f.f32(0).simd(0x13).simd(SIMD_F32.ne);
  else if (from === "int32" && to === "bool") f.i32(0).simd(0x11).simd(SIMD_I32.ne);
  else return false;
  return true;
}

const identity: OpEmitter = { scalar: () => undefined, simd: () => true };

export const ELEMENTWISE_EMIT: { readonly [K in ElementwiseOp]: OpEmitter } = {
  neg: { scalar: floatOrInt((t, c) => void c.f.op(t.neg), intUnary("neg")), simd: simdBy("neg", "neg") },
  abs: { scalar: floatOrInt((t, c) => void c.f.op(t.abs), intUnary("abs")), simd: simdBy("abs", "abs") },
  sign: { scalar: floatOrInt(floatSign, intUnary("sign")) },
  floor: { scalar: floatOrInt((t, c) => void c.f.op(t.floor), () => undefined), simd: (c) => (c.dtype === "int32" ? true : simdBy("floor", undefined)(c)) },
  sqrt: { scalar: floatOrInt((t, c) => void c.f.op(t.sqrt), () => undefined), simd: simdBy("sqrt", undefined) },
  exp: { scalar: hostUnary("exp") },
  log: { scalar: hostUnary("log") },
  tanh: { scalar: hostUnary("tanh") },
  stopGradient: identity,
  add: { scalar: floatOrInt(binaryFloat("add"), (c) => void c.f.op(0x6a)), simd: simdBy("add", "add") },
  sub: { scalar: floatOrInt(binaryFloat("sub"), (c) => void c.f.op(0x6b)), simd: simdBy("sub", "sub") },
  mul: { scalar: floatOrInt(binaryFloat("mul"), (c) => void c.f.op(0x6c)), simd: simdBy("mul", "mul") },
  div: { scalar: floatOrInt(binaryFloat("div"), intDivFixed), simd: simdBy("div", undefined) },
  maximum: { scalar: floatOrInt(binaryFloat("max"), intMinMax("max")), simd: simdBy("max", "max") },
  minimum: { scalar: floatOrInt(binaryFloat("min"), intMinMax("min")), simd: simdBy("min", "min") },
  pow: {
    scalar: (c) => {
      // Operands are on the stack as (a, b): keep b, promote a, then b.
      if (c.dtype === "float32") {
        const b = c.scratch("f32");
        c.f.set(b).op(PROMOTE).get(b).op(PROMOTE).call(c.math.pow).op(DEMOTE);
      } else c.f.call(c.math.pow);
    },
  },
  greater: compare("gt", 0x4a),
  less: compare("lt", 0x48),
  equal: compare("eq", 0x46),
  // select(a, b, cond): operands are emitted as (a, b, cond) by the expression emitter.
  where: { scalar: (c) => void c.f.op(0x1b), simd: (c) => (c.f.simd(0x52), true) },
  cast: { scalar: castScalar, simd: castSimd },
};

/** int32 division truncating toward zero, with x / 0 = 0 and no trap on INT_MIN / -1. */
function intDivFixed(c: EmitContext): void {
  const b = c.scratch("i32");
  const a = c.scratch("i32");
  const { f } = c;
  f.set(b).set(a);
  // q = (b == -1) ? 0 - a : a div_s ((b == 0 || b == -1) ? 1 : b)
  f.i32(0).get(a).op(0x6b);
  f.get(a).i32(1).get(b).get(b).op(0x45).get(b).i32(-1).op(0x46).op(0x72).op(0x1b).op(0x6d);
  f.get(b).i32(-1).op(0x46).op(0x1b);
  // r = b != 0 ? q : 0
  f.i32(0).get(b).op(0x1b);
}

/** The wasm value type holding a dtype's scalars. */
export function wasmType(d: DType): "i32" | "f32" | "f64" {
  return d === "float32" ? "f32" : d === "float64" ? "f64" : "i32";
}
