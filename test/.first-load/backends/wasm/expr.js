import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { ELEMENTWISE_EMIT, wasmType } from "./emit-ops.js";
const BYTES = { float32: 4, float64: 8, int32: 4, bool: 4 };
function accessKey(a) {
  return `${a.buffer}@${a.offset}:${a.strides.join(",")}`;
}
function exprAccesses(e, into = /* @__PURE__ */ new Map()) {
  if (e.kind === "load") {
    const k = accessKey(e.access);
    if (!into.has(k)) into.set(k, { access: e.access, dtype: e.dtype });
  } else if (e.kind === "op") for (const a of e.args) exprAccesses(a, into);
  return into;
}
const LOAD = { f32: I.f32_load, f64: I.f64_load, i32: I.i32_load };
const STORE = { f32: I.f32_store, f64: I.f64_store, i32: I.i32_store };
const ALIGN = { f32: 2, f64: 3, i32: 2 };
function emitLoad(f, ptr, d) {
  const t = wasmType(d);
  f.get(ptr).mem(LOAD[t], { align: ALIGN[t], offset: 0 });
}
function emitStoreOp(f, d) {
  const t = wasmType(d);
  f.mem(STORE[t], { align: ALIGN[t], offset: 0 });
}
function context(f, math, dtype, argTypes) {
  return { f, math, dtype, argTypes, scratch: (t) => f.local(t) };
}
function argTypesOf(e) {
  return e.args.map((a) => a.dtype);
}
function stackOrder(e) {
  return e.op === "where" ? [e.args[1], e.args[2], e.args[0]] : e.args;
}
function noAcc() {
  throw new Error("an accumulator appears outside a matmul epilogue");
}
function emitScalar(f, e, ptrOf, math, acc = noAcc) {
  switch (e.kind) {
    case "acc":
      acc();
      return;
    case "load":
      emitLoad(f, ptrOf(e.access), e.dtype);
      return;
    case "const":
      if (e.dtype === "float32") f.f32(e.value);
      else if (e.dtype === "float64") f.f64(e.value);
      else if (e.dtype === "bool") f.i32(e.value !== 0 ? 1 : 0);
      else f.i32(e.value | 0);
      return;
    case "op": {
      for (const a of stackOrder(e)) emitScalar(f, a, ptrOf, math, acc);
      const types = e.op === "where" ? [e.args[1]?.dtype] : argTypesOf(e);
      ELEMENTWISE_EMIT[e.op].scalar(context(f, math, e.dtype, types));
    }
  }
}
const VECTOR_TYPES = /* @__PURE__ */ new Set(["float32", "int32", "bool"]);
function canSimd(e, math) {
  if (!VECTOR_TYPES.has(e.dtype)) return false;
  if (e.kind !== "op") return true;
  if (!e.args.every((a) => canSimd(a, math))) return false;
  const emitter = ELEMENTWISE_EMIT[e.op].simd;
  if (emitter === void 0) return false;
  const types = e.op === "where" ? [e.args[1]?.dtype] : argTypesOf(e);
  return emitter(context(new FunctionBuilder([], []), math, e.dtype, types));
}
function emitVector(f, e, ptrOf, splat, math, acc = noAcc) {
  switch (e.kind) {
    case "acc":
      acc();
      return;
    case "load": {
      const p = ptrOf(e.access);
      if (splat(e.access)) {
        emitLoad(f, p, e.dtype);
        f.simd(e.dtype === "float32" ? V.f32x4_splat : V.i32x4_splat);
      } else f.get(p).simdMem(V.v128_load, { align: 2, offset: 0 });
      if (e.dtype === "bool") f.i32(0).simd(V.i32x4_splat).simd(V.i32x4_ne);
      return;
    }
    case "const":
      if (e.dtype === "float32") f.f32(e.value).simd(V.f32x4_splat);
      else f.i32(e.dtype === "bool" ? e.value !== 0 ? -1 : 0 : e.value | 0).simd(V.i32x4_splat);
      return;
    case "op": {
      for (const a of stackOrder(e)) emitVector(f, a, ptrOf, splat, math, acc);
      const types = e.op === "where" ? [e.args[1]?.dtype] : argTypesOf(e);
      const emitter = ELEMENTWISE_EMIT[e.op].simd;
      if (emitter === void 0 || !emitter(context(f, math, e.dtype, types))) throw new Error(`no SIMD form for ${e.op}`);
    }
  }
}
export {
  BYTES,
  accessKey,
  canSimd,
  emitLoad,
  emitScalar,
  emitStoreOp,
  emitVector,
  exprAccesses
};
