import { EXP32, TANH32 } from "../../ir/ops/float32-math.js";
import type { FunctionBuilder } from "./encoder.js";
import { V } from "./opcodes.js";

/**
 * exp and tanh of float32 on f32x4 lanes, emitted inline: ir/ops/float32-math.ts's exp32 and
 * tanh32, the same float32 operations in the same order in every lane, so the bits are the JS
 * reference's. Branches become lane selects: every lane computes each branch, and a mask picks.
 */

/** Fresh v128 locals of the function being emitted. */
export type Scratch = () => number;

/** Pushes c₀ + t·(c₁ + t·(c₂ + …)) on f32x4 lanes (t a local). */
function horner(f: FunctionBuilder, t: number, c: readonly number[]): void {
  f.f32x4(c[c.length - 1] as number);
  for (let i = c.length - 2; i >= 0; i--) f.get(t).simd(V.f32x4_mul).f32x4(c[i] as number).simd(V.f32x4_add);
}

/** Replaces the i32x4 k on the stack (each lane in -126..127) by 2^k as f32x4 (its bits). */
function powerOfTwo(f: FunctionBuilder): void {
  f.i32x4(127).simd(V.i32x4_add).i32(23).simd(V.i32x4_shl);
}

/** Replaces the f32x4 on the stack by exp32 of each lane. */
export function emitExp32(f: FunctionBuilder, scratch: Scratch): void {
  const [x, k, r, ki, k1, y] = [scratch(), scratch(), scratch(), scratch(), scratch(), scratch()];
  f.set(x);
  // k = ⌊x·log₂e + ½⌋; r = (x − k·LN2_HI) − k·LN2_LO
  f.get(x).f32x4(EXP32.log2e).simd(V.f32x4_mul).f32x4(0.5).simd(V.f32x4_add).simd(V.f32x4_floor).set(k);
  f.get(x).get(k).f32x4(EXP32.ln2Hi).simd(V.f32x4_mul).simd(V.f32x4_sub).get(k).f32x4(EXP32.ln2Lo).simd(V.f32x4_mul).simd(V.f32x4_sub).set(r);
  // p = (P(r)·r² + r) + 1
  horner(f, r, EXP32.poly);
  f.get(r).get(r).simd(V.f32x4_mul).simd(V.f32x4_mul).get(r).simd(V.f32x4_add).f32x4(1).simd(V.f32x4_add);
  // ·2^k1·2^k2, k1 = k/2 truncated ((k + sign bit) >> 1), k2 = k − k1
  f.get(k).simd(V.i32x4_trunc_sat_f32x4_s).set(ki);
  f.get(ki).get(ki).i32(31).simd(V.i32x4_shr_u).simd(V.i32x4_add).i32(1).simd(V.i32x4_shr_s).tee(k1);
  powerOfTwo(f);
  f.simd(V.f32x4_mul).get(ki).get(k1).simd(V.i32x4_sub);
  powerOfTwo(f);
  f.simd(V.f32x4_mul).set(y);
  // x >= overflow: +∞; x < underflow: 0 (NaN fails both: the NaN computed above stays).
  f.f32x4(Infinity).get(y).get(x).f32x4(EXP32.overflow).simd(V.f32x4_ge).simd(V.v128_bitselect).set(y);
  f.i32x4(0).get(y).get(x).f32x4(EXP32.underflow).simd(V.f32x4_lt).simd(V.v128_bitselect);
}

/** Replaces the f32x4 on the stack by tanh32 of each lane. */
export function emitTanh32(f: FunctionBuilder, scratch: Scratch): void {
  const [x, z, w] = [scratch(), scratch(), scratch()];
  f.tee(x).simd(V.f32x4_abs).set(z);
  // where z >= split: 1 − 2/(exp32(2z) + 1)
  f.f32x4(1).f32x4(2).get(z).get(z).simd(V.f32x4_add);
  emitExp32(f, scratch);
  f.f32x4(1).simd(V.f32x4_add).simd(V.f32x4_div).simd(V.f32x4_sub);
  // else (Q(w)·w)·z + z, w = z²
  f.get(z).get(z).simd(V.f32x4_mul).set(w);
  horner(f, w, TANH32.poly);
  f.get(w).simd(V.f32x4_mul).get(z).simd(V.f32x4_mul).get(z).simd(V.f32x4_add);
  f.get(z).f32x4(TANH32.split).simd(V.f32x4_ge).simd(V.v128_bitselect);
  // x's sign (the magnitude's sign bit is clear); x itself where z < tiny (or NaN)
  f.get(x).i32x4(-0x80000000).simd(V.v128_and).simd(V.v128_or);
  f.get(x).get(z).f32x4(TANH32.tiny).simd(V.f32x4_ge).simd(V.v128_bitselect);
}
