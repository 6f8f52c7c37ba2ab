import type { DType } from "../../ir/dtype.js";
import type { ElementwiseOp } from "../../ir/ops/elementwise.js";
import { ERF, type PortableFunction } from "../../ir/ops/erf.js";
import type { FunctionBuilder } from "./encoder.js";
import { FC, I, V } from "./opcodes.js";
import { emitExp32, emitTanh32 } from "./math-f32x4.js";

/**
 * How each elementwise primitive is emitted, keyed by op name (a missing op fails `tsc`):
 * `scalar` consumes its operands' values from the wasm stack (f32 / f64 / i32, bools as i32 0/1)
 * and leaves the result; `simd` does the same on v128 lanes (f32x4 / i32x4, bools as lane masks),
 * or is absent when the op has no vector form here. Results match the JS reference bit for bit:
 * float32 exp and tanh are emitted inline (math-f32x4.ts, the float32 algorithms the reference
 * defines); other transcendental functions call the host's (imported: `Math`'s, or graphgrad's
 * own erf).
 */


/** The names of JavaScript's `Math` functions of one or two numbers. */
type MathFunction = { [K in keyof Math]: Math[K] extends (a: number, b: number) => number ? K : never }[keyof Math];

/**
 * graphgrad's own scalar functions for what `Math` lacks, defined with their ops in `ir/ops/`
 * (the JS reference and constant folding call the same functions). Each is a `PortableFunction`:
 * the main thread imports `fn` itself; a worker thread, which cannot import our modules, gets it
 * as source text (`source`: an expression without free variables, here erf's self-contained
 * factory applied to its coefficient table's JSON), evaluated once when the worker starts.
 */
export const OWN_MATH = { erf: ERF } as const satisfies Readonly<Record<string, PortableFunction>>;
type OwnFunction = keyof typeof OWN_MATH;

/**
 * The host functions the emitted code imports (module "m"), by name — a `Math` function, or one
 * of `OWN_MATH` — with their number of float64 operands. The import objects of the main module
 * and of every worker thread are generated from this table (see `hostMath`, `hostMathSource`), so
 * an op calling a new host function is one entry here and one in `ELEMENTWISE_EMIT`.
 */
export const HOST_MATH = { exp: 1, log: 1, tanh: 1, pow: 2, sin: 1, cos: 1, erf: 1 } as const satisfies { readonly [K in MathFunction | OwnFunction]?: 1 | 2 };
export type HostMath = keyof typeof HOST_MATH;
export const HOST_MATH_NAMES = Object.keys(HOST_MATH) as readonly HostMath[];

const isOwn = (name: HostMath): name is HostMath & OwnFunction => Object.prototype.hasOwnProperty.call(OWN_MATH, name);

/** The import object of the host math functions: the very functions the JS reference calls. */
export function hostMath(): { readonly [K in HostMath]: (a: number, b: number) => number } {
  return Object.fromEntries(HOST_MATH_NAMES.map((k) => [k, isOwn(k) ? OWN_MATH[k].fn : Math[k]])) as { readonly [K in HostMath]: (a: number, b: number) => number };
}

/** The source of an expression evaluating to an object equal to `hostMath()` (for a worker's source text). */
export function hostMathSource(): string {
  return `{ ${HOST_MATH_NAMES.map((k) => `${k}: ${isOwn(k) ? OWN_MATH[k].source : `Math.${k}`}`).join(", ")} }`;
}

/**
 * The functions float64 math ops call: the host's (imports), or for exp and tanh the module's own
 * (math.ts, where they give the host's bits).
 */
export type MathImports = HostFunctions;

/** Function indices by host math name. */
export type HostFunctions = { readonly [K in HostMath]: number };

/** Math imports for asking which ops have SIMD forms (`canSimd`), where function indices do not matter. */
export const PROBE_MATH: MathImports = Object.fromEntries(HOST_MATH_NAMES.map((name, i) => [name, i])) as HostFunctions;

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

const F32 = { add: I.f32_add, sub: I.f32_sub, mul: I.f32_mul, div: I.f32_div, min: I.f32_min, max: I.f32_max, abs: I.f32_abs, neg: I.f32_neg, floor: I.f32_floor, sqrt: I.f32_sqrt, eq: I.f32_eq, ne: I.f32_ne, lt: I.f32_lt, gt: I.f32_gt, copysign: I.f32_copysign };
const F64 = { add: I.f64_add, sub: I.f64_sub, mul: I.f64_mul, div: I.f64_div, min: I.f64_min, max: I.f64_max, abs: I.f64_abs, neg: I.f64_neg, floor: I.f64_floor, sqrt: I.f64_sqrt, eq: I.f64_eq, ne: I.f64_ne, lt: I.f64_lt, gt: I.f64_gt, copysign: I.f64_copysign };
const PROMOTE = I.f64_promote_f32;
const DEMOTE = I.f32_demote_f64;

type FloatTable = { readonly [K in keyof typeof F32]: number };
const floatTable = (d: DType): FloatTable | undefined => (d === "float32" ? F32 : d === "float64" ? F64 : undefined);

/** Pushes a float constant of dtype d. */
function fconst(c: EmitContext, d: DType, v: number): void {
  if (d === "float32") c.f.f32(v);
  else c.f.f64(v);
}

/** f(x) for a host Math function of one float64 argument, in dtype d. */
function hostUnary(fn: HostMath) {
  return (c: EmitContext): void => {
    if (c.dtype === "float32") c.f.op(PROMOTE).call(c.math[fn]).op(DEMOTE);
    else c.f.call(c.math[fn]);
  };
}

/** exp and tanh of float32: their f32x4 forms (math-f32x4.ts, ir/ops/float32-math.ts's float32 algorithms). */
const FLOAT32_LANES = { exp: emitExp32, tanh: emitTanh32 } as const;

/** Scalar: float32 through lane 0 of the f32x4 form (the same bits); float64 the host's (or the module's own) function. */
function float32OrHost(fn: keyof typeof FLOAT32_LANES) {
  return (c: EmitContext): void => {
    if (c.dtype !== "float32") return void c.f.call(c.math[fn]);
    c.f.simd(V.f32x4_splat);
    FLOAT32_LANES[fn](c.f, () => c.scratch("v128"));
    c.f.simd(V.f32x4_extract_lane).op(0);
  };
}

/** SIMD: the f32x4 form (float32 is the only floating vector dtype). */
function float32Lanes(fn: keyof typeof FLOAT32_LANES) {
  return (c: EmitContext): boolean => {
    if (c.dtype !== "float32") return false;
    FLOAT32_LANES[fn](c.f, () => c.scratch("v128"));
    return true;
  };
}

function floatOrInt(fl: (t: FloatTable, c: EmitContext) => void, int: (c: EmitContext) => void) {
  return (c: EmitContext): void => {
    const t = floatTable(c.argTypes[0] ?? c.dtype);
    if (t !== undefined) fl(t, c);
    else int(c);
  };
}

const SIMD_F32 = { add: V.f32x4_add, sub: V.f32x4_sub, mul: V.f32x4_mul, div: V.f32x4_div, min: V.f32x4_min, max: V.f32x4_max, abs: V.f32x4_abs, neg: V.f32x4_neg, sqrt: V.f32x4_sqrt, floor: V.f32x4_floor, eq: V.f32x4_eq, ne: V.f32x4_ne, lt: V.f32x4_lt, gt: V.f32x4_gt };
const SIMD_I32 = { add: V.i32x4_add, sub: V.i32x4_sub, mul: V.i32x4_mul, min: V.i32x4_min_s, max: V.i32x4_max_s, abs: V.i32x4_abs, neg: V.i32x4_neg, eq: V.i32x4_eq, ne: V.i32x4_ne, lt: V.i32x4_lt_s, gt: V.i32x4_gt_s };

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
  f.op(t.ne).get(x).get(x).op(t.eq).op(I.i32_and); // x != 0 && x == x
  f.op(I.select);
}

function intUnary(kind: "neg" | "abs" | "sign"): (c: EmitContext) => void {
  return (c) => {
    const x = c.scratch("i32");
    const { f } = c;
    f.set(x);
    if (kind === "neg") f.i32(0).get(x).op(I.i32_sub);
    else if (kind === "abs") f.i32(0).get(x).op(I.i32_sub).get(x).get(x).i32(0).op(I.i32_lt_s).op(I.select); // x < 0 ? 0 - x : x
    else f.get(x).i32(0).op(I.i32_gt_s).get(x).i32(0).op(I.i32_lt_s).op(I.i32_sub); // (x > 0) - (x < 0)
  };
}

function intMinMax(pick: "min" | "max"): (c: EmitContext) => void {
  return (c) => {
    const b = c.scratch("i32");
    const a = c.scratch("i32");
    c.f.set(b).set(a).get(a).get(b).get(a).get(b).op(pick === "max" ? I.i32_gt_s : I.i32_lt_s).op(I.select);
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
    else if (from === "int32") f.i32(0).op(I.i32_ne);
    return;
  }
  const fromInt = from === "int32" || from === "bool";
  if (to === "int32") {
    if (from === "float32") f.sat(FC.i32_trunc_sat_f32_s);
    else if (from === "float64") f.sat(FC.i32_trunc_sat_f64_s);
    return; // bool -> int32: already 0/1
  }
  if (to === "float32") f.op(fromInt ? I.f32_convert_i32_s : DEMOTE);
  else f.op(fromInt ? I.f64_convert_i32_s : PROMOTE);
}

function castSimd(c: EmitContext): boolean {
  const from = c.argTypes[0] as DType;
  const to = c.dtype;
  const { f } = c;
  if (from === to) return true;
  if (from === "float32" && to === "int32") f.simd(V.i32x4_trunc_sat_f32x4_s);
  else if (from === "int32" && to === "float32") f.simd(V.f32x4_convert_i32x4_s);
  else if (from === "bool" && to === "float32") f.f32(1).simd(V.f32x4_splat).simd(V.v128_and); // mask & splat(1.0f)
  else if (from === "bool" && to === "int32") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
  else if (from === "float32" && to === "bool") f.f32(0).simd(V.f32x4_splat).simd(SIMD_F32.ne);
  else if (from === "int32" && to === "bool") f.i32(0).simd(V.i32x4_splat).simd(SIMD_I32.ne);
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
  exp: { scalar: float32OrHost("exp"), simd: float32Lanes("exp") },
  log: { scalar: hostUnary("log") },
  tanh: { scalar: float32OrHost("tanh"), simd: float32Lanes("tanh") },
  sin: { scalar: hostUnary("sin") },
  cos: { scalar: hostUnary("cos") },
  erf: { scalar: hostUnary("erf") },
  stopGradient: identity,
  add: { scalar: floatOrInt(binaryFloat("add"), (c) => void c.f.op(I.i32_add)), simd: simdBy("add", "add") },
  sub: { scalar: floatOrInt(binaryFloat("sub"), (c) => void c.f.op(I.i32_sub)), simd: simdBy("sub", "sub") },
  mul: { scalar: floatOrInt(binaryFloat("mul"), (c) => void c.f.op(I.i32_mul)), simd: simdBy("mul", "mul") },
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
  greater: compare("gt", I.i32_gt_s),
  less: compare("lt", I.i32_lt_s),
  equal: compare("eq", I.i32_eq),
  // select(a, b, cond): operands are emitted as (a, b, cond) by the expression emitter.
  where: { scalar: (c) => void c.f.op(I.select), simd: (c) => (c.f.simd(V.v128_bitselect), true) },
  cast: { scalar: castScalar, simd: castSimd },
};

/** int32 division truncating toward zero, with x / 0 = 0 and no trap on INT_MIN / -1. */
function intDivFixed(c: EmitContext): void {
  const b = c.scratch("i32");
  const a = c.scratch("i32");
  const { f } = c;
  f.set(b).set(a);
  // q = (b == -1) ? 0 - a : a div_s ((b == 0 || b == -1) ? 1 : b)
  f.i32(0).get(a).op(I.i32_sub);
  f.get(a).i32(1).get(b).get(b).op(I.i32_eqz).get(b).i32(-1).op(I.i32_eq).op(I.i32_or).op(I.select).op(I.i32_div_s);
  f.get(b).i32(-1).op(I.i32_eq).op(I.select);
  // r = b != 0 ? q : 0
  f.i32(0).get(b).op(I.select);
}

/** The wasm value type holding a dtype's scalars. */
export function wasmType(d: DType): "i32" | "f32" | "f64" {
  return d === "float32" ? "f32" : d === "float64" ? "f64" : "i32";
}
