/**
 * exp and tanh of float32 values, defined here once as sequences of float32 operations (each
 * `f(...)` is one IEEE single-precision operation, rounded to nearest even). The JS reference and
 * constant folding call these functions; the WASM backend emits the same operations on f32x4
 * lanes (backends/wasm/math-f32x4.ts), so every backend gives the same bits; the WebGPU backend's
 * WGSL follows the same algorithms (within its stated ULP bounds: a GPU may fuse or flush).
 *
 * The algorithms are Cephes' expf and tanhf (S. L. Moshier), whose polynomials are minimax fits:
 * - exp: x = k·ln2 + r with k = ⌊x·log₂e + ½⌋ and ln2 in two parts (k·LN2_HI is exact), then
 *   e^r ≈ 1 + r + r²·P(r) (|r| <= ½ln2), scaled by 2^k in two steps (each power a normal number);
 *   x >= 88.7228… (e^x above the largest float32) gives +∞, x < -103.972… (below half the smallest
 *   subnormal) gives 0.
 * - tanh: |x| < 2⁻¹² gives x; |x| < 0.625 the odd polynomial |x| + |x|·w·Q(w) with w = x²;
 *   otherwise 1 − 2/(e^{2|x|} + 1); with x's sign.
 * Measured over every float32 argument: exp within 1 unit in the last place of the exact
 * result, tanh within 2 (test/ir/float32-math.test.ts samples them; README, "Accuracy").
 */
const f = Math.fround;

export const EXP32 = {
  log2e: f(Math.LOG2E),
  ln2Hi: 0.693359375,
  ln2Lo: f(-2.1219444e-4),
  /** P's coefficients, constant term first. */
  poly: [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.98756915e-4].map(f),
  /** From here up e^x overflows (the float32 just above ln of the largest float32). */
  overflow: 88.72283935546875,
  /** Below here e^x rounds to 0. */
  underflow: f(-103.97208),
} as const;

export const TANH32 = {
  /** Below this |x|, tanh(x) rounds to x. */
  tiny: 2 ** -12,
  /** From here up the exp form; below, the polynomial. */
  split: 0.625,
  /** Q's coefficients, constant term first. */
  poly: [-3.33332819422e-1, 1.33314422036e-1, -5.37397155531e-2, 2.06390887954e-2, -5.70498872745e-3].map(f),
} as const;

/** c₀ + t·(c₁ + t·(c₂ + …)) in float32 (Horner, from the highest coefficient down). */
function horner(t: number, c: readonly number[]): number {
  let q = c[c.length - 1] as number;
  for (let i = c.length - 2; i >= 0; i--) q = f(f(q * t) + (c[i] as number));
  return q;
}

/** e^x of a float32 x, as a float32 value. */
export function exp32(input: number): number {
  const x = f(input);
  if (x !== x) return x;
  if (x >= EXP32.overflow) return Infinity;
  if (x < EXP32.underflow) return 0;
  const k = Math.floor(f(f(x * EXP32.log2e) + 0.5));
  const r = f(f(x - f(k * EXP32.ln2Hi)) - f(k * EXP32.ln2Lo));
  const p = f(f(f(horner(r, EXP32.poly) * f(r * r)) + r) + 1);
  // 2^k as 2^k1 · 2^k2 (k1 = k/2 truncated): k is in [-150, 128].
  const k1 = Math.trunc(k / 2);
  return f(f(p * 2 ** k1) * 2 ** (k - k1));
}

/** tanh(x) of a float32 x, as a float32 value. */
export function tanh32(input: number): number {
  const x = f(input);
  if (x !== x) return x;
  const z = Math.abs(x);
  if (z < TANH32.tiny) return x;
  const r = z >= TANH32.split ? f(1 - f(2 / f(exp32(f(z + z)) + 1))) : f(f(f(horner(f(z * z), TANH32.poly) * f(z * z)) * z) + z);
  return x < 0 ? -r : r;
}
