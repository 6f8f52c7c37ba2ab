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

type IndexExpr = Extract<ScalarExpr, { kind: "index" }>;

/**
 * The buffer number of an index's counter. A kernel walks an index (an iota computed in place)
 * like a load: a local stepped along the loops by the index's strides, holding its value instead
 * of an address (a step of 1 per unit of stride, not the element's bytes).
 */
export const INDEX_COUNTER = -1;

/** The counter of an index, as the access the kernels' pointer bookkeeping walks. */
export function indexAccess(e: IndexExpr): Access {
  return { buffer: INDEX_COUNTER, offset: e.offset, strides: e.strides };
}

/** What a kernel walks with a running local: a distinct load or index of its expression. */
export interface Walked {
  readonly access: Access;
  readonly dtype: DType;
  /** Bytes per element of a load; 1 for an index's counter. */
  readonly unit: number;
}

/** The distinct loads, then the distinct indices, of an expression, in first-use order. */
export function exprWalked(e: ScalarExpr): Walked[] {
  const indices = new Map<string, Walked>();
  const visit = (x: ScalarExpr): void => {
    if (x.kind === "index") {
      const access = indexAccess(x);
      if (!indices.has(accessKey(access))) indices.set(accessKey(access), { access, dtype: x.dtype, unit: 1 });
    } else if (x.kind === "op") x.args.forEach(visit);
  };
  visit(e);
  return [...[...exprAccesses(e).values()].map((l) => ({ ...l, unit: BYTES[l.dtype] })), ...indices.values()];
}

/** A walked operand's first value: a load's byte address (`addr` of its buffer), an index's value. */
export function startOf(w: Walked, addr: (buffer: number) => number): number {
  return w.access.buffer === INDEX_COUNTER ? w.access.offset : addr(w.access.buffer) + w.access.offset * w.unit;
}

/** Whether a walked operand can be read 4 lanes at a time with this innermost step (in its units): a splat, or consecutive. */
export function vectorStep(w: Walked, step: number): boolean {
  return step === 0 || (w.access.buffer === INDEX_COUNTER ? step === 1 : step === 4 && w.unit === 4);
}

/** A new v128 local holding the lanes (0, 1, 2, 3): added to an index's splat value, its 4 consecutive values. */
export function rampLocal(f: FunctionBuilder): number {
  const l = f.local("v128");
  f.i32(0).simd(V.i32x4_splat).i32(1).simd(V.i32x4_replace_lane).op(1).i32(2).simd(V.i32x4_replace_lane).op(2).i32(3).simd(V.i32x4_replace_lane).op(3).set(l);
  return l;
}

/** Pushes an index's value (its counter's local plus `offset`) converted to its dtype (scalar form). */
function emitIndex(f: FunctionBuilder, e: IndexExpr, local: number, offset: number): void {
  f.get(local);
  if (offset !== 0) f.i32(offset).op(I.i32_add);
  if (e.dtype === "float32") f.op(I.f32_convert_i32_s);
  else if (e.dtype === "float64") f.op(I.f64_convert_i32_s);
  else if (e.dtype === "bool") f.i32(0).op(I.i32_ne);
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
    case "index":
      emitIndex(f, e, ptrOf(indexAccess(e)), offsetOf(indexAccess(e)));
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
 * read at `offsetOf` bytes past their pointer (default 0; non-negative); an index not splatted
 * is its counter plus `offsetOf` plus the lanes of `ramp` (a local from `rampLocal`).
 */
export function emitVector(f: FunctionBuilder, e: ScalarExpr, ptrOf: (a: Access) => number, splat: (a: Access) => boolean, math: MathImports, acc: AccPush = noAcc, offsetOf: (a: Access) => number = () => 0, ramp?: number): void {
  switch (e.kind) {
    case "acc":
      acc();
      return;
    case "index": {
      const a = indexAccess(e);
      f.get(ptrOf(a));
      if (offsetOf(a) !== 0) f.i32(offsetOf(a)).op(I.i32_add);
      f.simd(V.i32x4_splat);
      if (!splat(a)) {
        if (ramp === undefined) throw new Error("an index read in lanes without the ramp local");
        f.get(ramp).simd(V.i32x4_add);
      }
      if (e.dtype === "float32") f.simd(V.f32x4_convert_i32x4_s);
      else if (e.dtype === "bool") f.i32(0).simd(V.i32x4_splat).simd(V.i32x4_ne);
      return;
    }
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
      for (const a of stackOrder(e)) emitVector(f, a, ptrOf, splat, math, acc, offsetOf, ramp);
      const types = e.op === "where" ? [e.args[1]?.dtype as DType] : argTypesOf(e);
      const emitter = ELEMENTWISE_EMIT[e.op].simd;
      if (emitter === undefined || !emitter(context(f, math, e.dtype, types))) throw new Error(`no SIMD form for ${e.op}`);
    }
  }
}
