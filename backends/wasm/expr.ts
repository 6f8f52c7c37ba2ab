import type { DType } from "../../ir/dtype.js";
import type { Access, ScalarExpr } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { ELEMENTWISE_EMIT, type EmitContext, type MathImports, wasmType } from "./emit-ops.js";

/** Emits a fused scalar expression (scalar or SIMD form) with loads through pointer locals. */

export const BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 4 };

export function accessKey(a: Access): string {
  return `${a.buffer}@${a.offset}:${a.strides.join(",")}`;
}

/** The distinct accesses an expression loads, in first-use order. */
export function exprAccesses(e: ScalarExpr, into: Map<string, { access: Access; dtype: DType }> = new Map()): Map<string, { access: Access; dtype: DType }> {
  if (e.kind === "load") {
    const k = accessKey(e.access);
    if (!into.has(k)) into.set(k, { access: e.access, dtype: e.dtype });
  } else if (e.kind === "op") for (const a of e.args) exprAccesses(a, into);
  return into;
}

const LOAD = { f32: I.f32_load, f64: I.f64_load, i32: I.i32_load } as const;
const STORE = { f32: I.f32_store, f64: I.f64_store, i32: I.i32_store } as const;
const ALIGN = { f32: 2, f64: 3, i32: 2 } as const;

/** Pushes the element at the address in local `ptr` plus `offset` bytes (a non-negative constant). */
export function emitLoad(f: FunctionBuilder, ptr: number, d: DType, offset = 0): void {
  const t = wasmType(d);
  f.get(ptr).mem(LOAD[t], { align: ALIGN[t], offset });
}

/** Stores the value on the stack (pushed after `f.get(ptr)`, at `offset` bytes from it) — callers push the pointer first. */
export function emitStoreOp(f: FunctionBuilder, d: DType, offset = 0): void {
  const t = wasmType(d);
  f.mem(STORE[t], { align: ALIGN[t], offset });
}

function context(f: FunctionBuilder, math: MathImports, dtype: DType, argTypes: readonly DType[]): EmitContext {
  return { f, math, dtype, argTypes, scratch: (t) => f.local(t) };
}

function argTypesOf(e: Extract<ScalarExpr, { kind: "op" }>): DType[] {
  return e.args.map((a) => a.dtype);
}

/** Operands in stack order: `where`'s condition goes last (wasm select takes (a, b, cond)). */
function stackOrder(e: Extract<ScalarExpr, { kind: "op" }>): readonly ScalarExpr[] {
  return e.op === "where" ? [e.args[1] as ScalarExpr, e.args[2] as ScalarExpr, e.args[0] as ScalarExpr] : e.args;
}

/** Pushes a matmul epilogue's accumulator value (scalar or vector form). */
export type AccPush = () => void;

function noAcc(): never {
  throw new Error("an accumulator appears outside a matmul epilogue");
}

/**
 * Scalar form: each load reads through its access's pointer local (`ptrOf`), plus `offsetOf`
 * bytes (default 0; non-negative).
 */
export function emitScalar(f: FunctionBuilder, e: ScalarExpr, ptrOf: (a: Access) => number, math: MathImports, acc: AccPush = noAcc, offsetOf: (a: Access) => number = () => 0): void {
  switch (e.kind) {
    case "acc":
      acc();
      return;
    case "load":
      emitLoad(f, ptrOf(e.access), e.dtype, offsetOf(e.access));
      return;
    case "const":
      if (e.dtype === "float32") f.f32(e.value);
      else if (e.dtype === "float64") f.f64(e.value);
      else if (e.dtype === "bool") f.i32(e.value !== 0 ? 1 : 0);
      else f.i32(e.value | 0);
      return;
    case "op": {
      for (const a of stackOrder(e)) emitScalar(f, a, ptrOf, math, acc, offsetOf);
      const types = e.op === "where" ? [e.args[1]?.dtype as DType] : argTypesOf(e);
      ELEMENTWISE_EMIT[e.op].scalar(context(f, math, e.dtype, types));
    }
  }
}

const VECTOR_TYPES: ReadonlySet<DType> = new Set<DType>(["float32", "int32", "bool"]);

/** Whether the expression has a SIMD form (f32x4 / i32x4 lanes only). */
export function canSimd(e: ScalarExpr, math: MathImports): boolean {
  if (!VECTOR_TYPES.has(e.dtype)) return false;
  if (e.kind !== "op") return true;
  if (!e.args.every((a) => canSimd(a, math))) return false;
  const emitter = ELEMENTWISE_EMIT[e.op].simd;
  if (emitter === undefined) return false;
  const types = e.op === "where" ? [e.args[1]?.dtype as DType] : argTypesOf(e);
  return emitter(context(new FunctionBuilder([], []), math, e.dtype, types));
}

/**
 * SIMD form: `strideOf(access)` is 1 (vector load) or 0 (splat). Bools are lane masks. Loads
 * read at `offsetOf` bytes past their pointer (default 0; non-negative).
 */
export function emitVector(f: FunctionBuilder, e: ScalarExpr, ptrOf: (a: Access) => number, splat: (a: Access) => boolean, math: MathImports, acc: AccPush = noAcc, offsetOf: (a: Access) => number = () => 0): void {
  switch (e.kind) {
    case "acc":
      acc();
      return;
    case "load": {
      const p = ptrOf(e.access);
      const offset = offsetOf(e.access);
      if (splat(e.access)) {
        emitLoad(f, p, e.dtype, offset);
        f.simd(e.dtype === "float32" ? V.f32x4_splat : V.i32x4_splat);
      } else f.get(p).simdMem(V.v128_load, { align: 2, offset });
      if (e.dtype === "bool") f.i32(0).simd(V.i32x4_splat).simd(V.i32x4_ne); // != 0 -> mask
      return;
    }
    case "const":
      if (e.dtype === "float32") f.f32(e.value).simd(V.f32x4_splat);
      else f.i32(e.dtype === "bool" ? (e.value !== 0 ? -1 : 0) : e.value | 0).simd(V.i32x4_splat);
      return;
    case "op": {
      for (const a of stackOrder(e)) emitVector(f, a, ptrOf, splat, math, acc, offsetOf);
      const types = e.op === "where" ? [e.args[1]?.dtype as DType] : argTypesOf(e);
      const emitter = ELEMENTWISE_EMIT[e.op].simd;
      if (emitter === undefined || !emitter(context(f, math, e.dtype, types))) throw new Error(`no SIMD form for ${e.op}`);
    }
  }
}
