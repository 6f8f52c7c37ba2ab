import type { DType } from "./dtype.js";

/**
 * Sums of one repeated term in closed form. The reference adds a repeated term once per copy (in
 * float64); graphgrad computes count·term instead where the copies are many: constant folding of
 * a sum of a splat (or a matmul of splats) of more than `CLOSED_FORM_TERMS` terms, and — in the
 * simplifier, the kernel lowering and the JS interpreter — a sum or max of a fill or a broadcast
 * of more than `CLOSED_FORM_TERMS` elements, along the axes where it repeats. So no backend loops
 * over, or allocates, billions of copies of a value. count·term is rounded once: it is within one
 * rounding of the exact sum, where repeated addition drifts (in float32, a running sum of ones
 * stops growing at 2²⁴). int32 sums wrap, so count·term is taken modulo 2³², as the adds would be.
 */
export const CLOSED_FORM_TERMS = 2 ** 20;

/** count·term, before the store into d (int32: modulo 2³²; `count | 0` is count mod 2³² for an integer count below 2⁵³). */
export function timesCount(term: number, count: number, d: DType): number {
  return d === "int32" ? Math.imul(count | 0, term) : count * term;
}

/** Σ of `count` copies of `term` (a value of dtype d), before the store into d. */
export function repeatedSum(term: number, count: number, d: DType): number {
  if (count <= CLOSED_FORM_TERMS) {
    // As the reference accumulates: one float64 addition per copy.
    let acc = 0;
    for (let i = 0; i < count; i++) acc += term;
    return acc;
  }
  return timesCount(term, count, d);
}
