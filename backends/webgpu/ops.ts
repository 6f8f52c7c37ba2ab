import type { DType } from "../../ir/dtype.js";
import type { ElementwiseOp } from "../../ir/ops/elementwise.js";
import { erf } from "../../ir/ops/erf.js";
import { EXP32, TANH32 } from "../../ir/ops/float32-math.js";
import { gg_ckey, gg_two_prod, gg_f2b, gg_f2i, gg_i2f, gg_inf, gg_isnan, gg_key, gg_ldexp, gg_log, gg_log_parts, gg_max, gg_nan, gg_neg, gg_sqrt, type Helper, helper } from "./math.js";

/**
 * How each elementwise primitive is written in WGSL, keyed by op name (a missing op fails `tsc`):
 * its emitter, the WGSL helpers only it needs (defined below, with it), and its accuracy against
 * the JS reference (`ulps`: 0 where it is exact; see accuracy.ts). Values live in registers as
 * f32, i32 or bool (float64 does not exist in WGSL: the backend rejects it before generating
 * code). The semantics are the JS reference's (the op's definition in `ir/ops/`).
 */


export interface OpContext {
  /** The operands, as WGSL expressions of their dtypes. */
  readonly args: readonly string[];
  readonly argTypes: readonly DType[];
  /** The result dtype (for `cast`, the target). */
  readonly dtype: DType;
  /** Registers a library function (see math.ts) and returns its name. */
  use(h: Helper): string;
}

export type OpEmitter = (c: OpContext) => string;

export type WgslType = "f32" | "i32" | "bool";

export function wgslType(d: DType): WgslType {
  switch (d) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "bool";
    case "float64":
      throw new Error("float64 reached WGSL generation (the backend rejects it at compile time)");
  }
}

const a0 = (c: OpContext): string => c.args[0] as string;
const a1 = (c: OpContext): string => c.args[1] as string;
const isFloatArg = (c: OpContext): boolean => (c.argTypes[0] ?? c.dtype) === "float32";

/** A float form through a library function, an integer form inline. */
function byType(float: (c: OpContext) => string, int: (c: OpContext) => string): OpEmitter {
  return (c) => (isFloatArg(c) ? float(c) : int(c));
}

const call = (h: Helper) => (c: OpContext): string => `${c.use(h)}(${c.args.join(", ")})`;
const infix = (op: string) => (c: OpContext): string => `(${a0(c)} ${op} ${a1(c)})`;
const identity: OpEmitter = (c) => a0(c);

/** cast between dtypes: float -> int32 saturating (NaN -> 0), int -> float rounded to nearest, "non-zero" to bool. */
function cast(c: OpContext): string {
  const from = c.argTypes[0] as DType;
  const to = c.dtype;
  const x = a0(c);
  if (from === to) return x;
  if (to === "bool") return from === "float32" ? `${c.use(gg_f2b)}(${x})` : `(${x} != 0)`;
  if (from === "bool") return to === "float32" ? `select(0.0, 1.0, ${x})` : `select(0, 1, ${x})`;
  if (to === "int32") return `${c.use(gg_f2i)}(${x})`;
  return `${c.use(gg_i2f)}(${x})`;
}

const gg_abs: Helper = helper("gg_abs", [], `fn gg_abs(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }`);

// NaN and ±0 map to themselves, everything else to ±1.
const gg_sign: Helper = helper("gg_sign", [gg_isnan], `fn gg_sign(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || (u & 0x7fffffffu) == 0u) { return x; }
  return bitcast<f32>((u & 0x80000000u) | 0x3f800000u);
}`);

// floor, with subnormals (which the GPU may read as ±0) handled from their bits.
const gg_floor: Helper = helper("gg_floor", [], `fn gg_floor(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if ((u & 0x7f800000u) == 0u && (u & 0x007fffffu) != 0u) { return select(0.0, -1.0, u >= 0x80000000u); }
  return floor(x);
}`);

const gg_gt: Helper = helper("gg_gt", [gg_isnan, gg_ckey], `fn gg_gt(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) > gg_ckey(b); }`);

const gg_lt: Helper = helper("gg_lt", [gg_isnan, gg_ckey], `fn gg_lt(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) < gg_ckey(b); }`);

const gg_eq: Helper = helper("gg_eq", [gg_isnan, gg_ckey], `fn gg_eq(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) == gg_ckey(b); }`);

const gg_min: Helper = helper("gg_min", [gg_isnan, gg_key], `fn gg_min(a: f32, b: f32) -> f32 {
  if (gg_isnan(a)) { return a; }
  if (gg_isnan(b)) { return b; }
  return select(b, a, gg_key(a) < gg_key(b));
}`);

// int32 division truncating toward zero, x / 0 = 0 (WGSL gives x), INT_MIN / -1 wrapping.
const gg_idiv: Helper = helper("gg_idiv", [], `fn gg_idiv(a: i32, b: i32) -> i32 { return select(a / b, 0, b == 0); }`);

/** A float32 constant as a WGSL literal (9 significant digits name it exactly). */
const lit = (v: number): string => Math.fround(v).toPrecision(9);

/** e^r ≈ (P(r)·r² + r) + 1 on the reduced argument r, as exp32 computes it (shared by gg_exp and gg_exp_ff). */
const EXP_POLY = `(${hornerWgsl(EXP32.poly, "r")}) * (r * r) + r + 1.0`;

// exp32 (ir/ops/float32-math.ts, the JS reference's float32 exp): x = k·ln2 + r with ln2 in two
// parts (k·LN2_HI exact), e^r ≈ (P(r)·r² + r) + 1, scaled by 2^k.
const gg_exp: Helper = helper("gg_exp", [gg_isnan, gg_inf, gg_ldexp], `fn gg_exp(x: f32) -> f32 {
  if (gg_isnan(x)) { return x; }
  if (x >= ${lit(EXP32.overflow)}) { return gg_inf(); }
  if (x < ${lit(EXP32.underflow)}) { return 0.0; }
  let k = floor(x * ${lit(EXP32.log2e)} + 0.5);
  let r = (x - k * ${lit(EXP32.ln2Hi)}) - k * ${lit(EXP32.ln2Lo)};
  let p = ${EXP_POLY};
  return gg_ldexp(p, i32(k));
}`);

// tanh32 (float32-math.ts): x below 2⁻¹² as is, the odd polynomial |x| + |x|·w·Q(w) below 0.625,
// 1 − 2/(e^{2|x|} + 1) above; with x's sign.
const gg_tanh: Helper = helper("gg_tanh", [gg_isnan, gg_exp], `fn gg_tanh(x: f32) -> f32 {
  if (gg_isnan(x)) { return x; }
  let u = bitcast<u32>(x);
  let z = bitcast<f32>(u & 0x7fffffffu);
  if (z < ${lit(TANH32.tiny)}) { return x; }
  var r: f32;
  if (z >= ${lit(TANH32.split)}) {
    r = 1.0 - 2.0 / (gg_exp(z + z) + 1.0);
  } else {
    let w = z * z;
    r = (${hornerWgsl(TANH32.poly, "w")}) * w * z + z;
  }
  return bitcast<f32>(bitcast<u32>(r) | (u & 0x80000000u));
}`);

// e^(h + l) for a float-float exponent (|h| < 104): exp32's algorithm, the reduction keeping l.
const gg_exp2f: Helper = helper("gg_exp2f", [gg_inf, gg_ldexp], `fn gg_exp_ff(h: f32, l: f32) -> f32 {
  let x = h + l;
  if (x >= ${lit(EXP32.overflow)}) { return gg_inf(); }
  if (x < ${lit(EXP32.underflow)}) { return 0.0; }
  let k = floor(h * ${lit(EXP32.log2e)} + 0.5);
  let r = ((h - k * ${lit(EXP32.ln2Hi)}) - k * ${lit(EXP32.ln2Lo)}) + l;
  let p = ${EXP_POLY};
  return gg_ldexp(p, i32(k));
}`);

// Whether b is an integer / an odd integer, from its bits (a subnormal is neither, even where the GPU reads it as 0).
const gg_is_int: Helper = helper("gg_is_int", [], `fn gg_is_int(b: f32) -> bool {
  let u = bitcast<u32>(b) & 0x7fffffffu;
  if (u == 0u) { return true; }
  let e = i32(u >> 23u) - 127;
  if (e < 0) { return false; }
  if (e >= 23) { return true; }
  return (u & ((1u << u32(23 - e)) - 1u)) == 0u;
}`);

const gg_is_odd: Helper = helper("gg_is_odd", [gg_is_int], `fn gg_is_odd(b: f32) -> bool {
  let u = bitcast<u32>(b) & 0x7fffffffu;
  let e = i32(u >> 23u) - 127;
  if (u == 0u || e < 0 || e > 23 || !gg_is_int(b)) { return false; }
  return ((((u & 0x007fffffu) | 0x00800000u) >> u32(23 - e)) & 1u) == 1u;
}`);

// Math.pow's special cases (pow(x, ±0) = 1, pow(±1, ±Inf) = NaN, signed zeros and infinities, a
// negative base needs an integer exponent), then e^(b·ln|a|) with b·ln|a| carried in two floats.
const gg_pow: Helper = helper("gg_pow", [gg_isnan, gg_nan, gg_inf, gg_log_parts, gg_two_prod, gg_exp2f, gg_is_int, gg_is_odd, gg_neg], `fn gg_pow(a: f32, b: f32) -> f32 {
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ub == 0u) { return 1.0; }
  if (gg_isnan(a) || gg_isnan(b)) { return gg_nan(); }
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let aa = bitcast<f32>(ua);
  let neg = bitcast<u32>(a) >= 0x80000000u;
  let bneg = bitcast<u32>(b) >= 0x80000000u;
  if (ub == 0x7f800000u) {
    if (aa == 1.0) { return gg_nan(); }
    return select(0.0, gg_inf(), (aa > 1.0) != bneg);
  }
  let odd = gg_is_odd(b);
  if (ua == 0u || ua == 0x7f800000u) {
    // |a| is 0 or Inf: the magnitude is 0 or Inf, the sign is a's for an odd integer exponent.
    let big = (ua == 0u) == bneg;
    let mag = select(0.0, gg_inf(), big);
    return select(mag, gg_neg(mag), neg && odd);
  }
  if (neg && !gg_is_int(b)) { return gg_nan(); }
  let l = gg_log_parts(aa);
  var r: f32;
  if (ub > 0x4b000000u) {
    // |b| > 2^23: the result over- or underflows unless |a| is within 2⁻²³ of 1.
    r = gg_exp_ff(b * ((l.z + l.y) + l.x), 0.0);
  } else {
    // b·(l.x + l.y + l.z) as an unevaluated sum: exact products, then exact sums of their high parts.
    let p0 = gg_two_prod(b, l.x);
    let p1 = gg_two_prod(b, l.y);
    let p2 = gg_two_prod(b, l.z);
    let s1 = gg_two_sum(p0.x, p1.x);
    let s2 = gg_two_sum(s1.x, p2.x);
    r = gg_exp_ff(s2.x, ((s1.y + s2.y) + (p0.y + p1.y)) + p2.y);
  }
  return select(r, gg_neg(r), neg && odd);
}`);

/** The first `n` 32-bit words of the binary fraction of 2/π (0.A2F9836E...), computed with BigInt from Machin's formula π/4 = 4·atan(1/5) − atan(1/239). */
function twoOverPiWords(n: number): number[] {
  const bits = BigInt(32 * n + 64);
  const one = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k % 2n === 0n ? term : -term) / (2n * k + 1n);
      term /= x * x;
    }
    return sum;
  };
  const pi = 4n * (4n * atanInv(5n) - atanInv(239n)); // π·2^bits
  const frac = (2n * one * one) / pi / (1n << 64n); // (2/π)·2^(32n)
  return Array.from({ length: n }, (_, i) => Number((frac >> BigInt(32 * (n - 1 - i))) & 0xffffffffn));
}

const TWO_OVER_PI = twoOverPiWords(9).map((w) => `${w}u`).join(", ");

/**
 * Argument reduction by quarter turns for every finite |x| >= π/4 (Payne–Hanek): with |x| = m·2^e
 * (m a 24-bit integer), the 96 bits S of 2/π from bit e − 1 on (earlier bits only add whole
 * turns) give |x|·2/π ≡ m·S/2^94 (mod 4), with 64 exact fraction bits, in 32-bit words (WGSL has no 64-bit
 * integers). Returns (angle in [−π/4, π/4], quadrant): |x| = angle + quadrant·π/2 (mod 2π).
 */
const gg_quarter_turns: Helper = helper("gg_quarter_turns", [gg_ldexp, gg_two_prod], `fn gg_mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>(a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), (p00 & 0xffffu) | (mid << 16u));
}
fn gg_funnel(a: u32, b: u32, s: u32) -> u32 { return select((a << s) | (b >> (32u - s)), a, s == 0u); }
fn gg_quarter_turns(ax: f32) -> vec2<f32> {
  var t = array<u32, 10>(0u, ${TWO_OVER_PI});
  let u = bitcast<u32>(ax);
  let m = (u & 0x7fffffu) | 0x800000u;
  let b0 = u32(i32(u >> 23u) - 150 + 30);
  let k = b0 >> 5u;
  let s = b0 & 31u;
  let w0 = gg_mul_wide(m, gg_funnel(t[k + 2u], t[k + 3u], s));
  let w1 = gg_mul_wide(m, gg_funnel(t[k + 1u], t[k + 2u], s));
  let w2 = gg_mul_wide(m, gg_funnel(t[k], t[k + 1u], s));
  // m·S in words r2 r1 r0 (higher bits are whole turns); |x|·2/π = m·S / 2^94, so the quadrant is
  // bits 95..94 and the fraction bits 93..30.
  let r1 = w1.y + w0.x;
  let r2 = w2.y + w1.x + select(0u, 1u, r1 < w1.y);
  var q = r2 >> 30u;
  var hi = (r2 << 2u) | (r1 >> 30u);
  var lo = (r1 << 2u) | (w0.y >> 30u);
  var sign = 1.0;
  if (hi >= 0x80000000u) {
    // Past half a quarter turn: the next quadrant, minus the complement.
    q = (q + 1u) & 3u;
    lo = ~lo + 1u;
    hi = ~hi + select(0u, 1u, lo == 0u);
    sign = -1.0;
  }
  if (hi == 0u && lo == 0u) { return vec2<f32>(0.0, f32(q)); }
  let lz = select(countLeadingZeros(hi), 32u + countLeadingZeros(lo), hi == 0u);
  var nh = hi;
  var nl = lo;
  if (lz >= 32u) { nh = lo << (lz - 32u); nl = 0u; } else if (lz > 0u) { nh = (hi << lz) | (lo >> (32u - lz)); nl = lo << lz; }
  // The fraction, 48 significant bits as two floats, in quarter turns.
  let fh = gg_ldexp(f32(nh >> 8u), -24 - i32(lz));
  let fl = gg_ldexp(f32(((nh & 0xffu) << 16u) | (nl >> 16u)), -48 - i32(lz));
  // angle = (fh + fl)·π/2, the product's rounding kept: π/2 = 1.5707964 - 4.371139e-8.
  let p = gg_two_prod(fh, 1.57079637050628662109375);
  let angle = p.x + (p.y + (fh * -4.37113900018624283e-8 + fl * 1.57079637050628662109375));
  return vec2<f32>(sign * angle, f32(q));
}`);

/** Cephes sinf/cosf polynomials on [−π/4, π/4] (about 1 ULP), and sin or cos of any float32 by the quadrant. */
const gg_sincos: Helper = helper("gg_sincos", [gg_isnan, gg_nan, gg_quarter_turns], `fn gg_sin_poly(a: f32) -> f32 {
  let z = a * a;
  return a + a * z * ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1);
}
fn gg_cos_poly(a: f32) -> f32 {
  let z = a * a;
  return 1.0 - 0.5 * z + z * z * ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2);
}
fn gg_sincos(x: f32, want_cos: bool) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || (u & 0x7fffffffu) == 0x7f800000u) { return gg_nan(); }
  let ax = bitcast<f32>(u & 0x7fffffffu);
  // Tiny |x| (subnormals included, which the GPU may flush): sin x = x, cos x = 1 in float32.
  if ((u & 0x7fffffffu) < 0x39800000u) { return select(x, 1.0, want_cos); }
  var r = vec2<f32>(ax, 0.0);
  if (ax >= 0.785398185253143310546875) { r = gg_quarter_turns(ax); }
  // sin(|x|) and cos(|x|) = ±sin or ±cos of the angle, by the quadrant q:
  // q = 0: (sin a, cos a); 1: (cos a, −sin a); 2: (−sin a, −cos a); 3: (−cos a, sin a).
  let q = u32(r.y) + select(0u, 1u, want_cos);
  var v = select(gg_sin_poly(r.x), gg_cos_poly(r.x), (q & 1u) == 1u);
  if ((q & 2u) == 2u) { v = -v; }
  // sin is odd, cos even.
  if (!want_cos && u >= 0x80000000u) { v = -v; }
  return v;
}`);

/**
 * Chebyshev interpolation of g on [lo, hi] (degree n, at the n + 1 Chebyshev nodes), as monomial
 * coefficients in s = (x − mid)/half ∈ [−1, 1].
 */
function chebyshevMonomials(g: (x: number) => number, lo: number, hi: number, n: number): number[] {
  const count = n + 1;
  const [mid, half] = [(lo + hi) / 2, (hi - lo) / 2];
  const values = Array.from({ length: count }, (_, k) => g(mid + half * Math.cos((Math.PI * (k + 0.5)) / count)));
  const cheb = Array.from({ length: count }, (_, j) => ((j === 0 ? 1 : 2) / count) * values.reduce((acc, v, k) => acc + v * Math.cos((Math.PI * j * (k + 0.5)) / count), 0));
  // Σ cⱼ·Tⱼ(s), with T₀ = 1, T₁ = s, Tⱼ₊₁ = 2s·Tⱼ − Tⱼ₋₁ as coefficient lists.
  const mono = new Array<number>(count).fill(0);
  let previous: number[] = [];
  let t: number[] = [1];
  for (let j = 0; j < count; j++) {
    t.forEach((v, i) => (mono[i] = (mono[i] as number) + (cheb[j] as number) * v));
    const next = j === 0 ? [0, 1] : [0, ...t.map((v) => 2 * v)].map((v, i) => v - (previous[i] ?? 0));
    [previous, t] = [t, next];
  }
  return mono;
}

/** The monomial coefficients of p(s), s = (u − m)/h, rewritten as coefficients in u. */
function inRawVariable(coefficients: readonly number[], m: number, h: number): number[] {
  const out = new Array<number>(coefficients.length).fill(0);
  coefficients.forEach((c, j) => {
    let binomial = 1;
    for (let i = 0; i <= j; i++) {
      out[i] = (out[i] as number) + (c * binomial * (-m) ** (j - i)) / h ** j;
      binomial = (binomial * (j - i)) / (i + 1);
    }
  });
  return out;
}

/** A polynomial in WGSL by Horner's rule, its coefficients as the float32 literals nearest them. */
function hornerWgsl(coefficients: readonly number[], v: string): string {
  const lit = (c: number): string => Math.fround(c).toPrecision(9);
  return coefficients.slice(0, -1).reduceRight((acc, c) => `(${acc}) * ${v} + ${lit(c)}`, lit(coefficients[coefficients.length - 1] as number));
}

/**
 * erf in float32, from polynomials fitted when this module loads (Chebyshev interpolation of the
 * float64 erf of ir/ops/erf.ts):
 * - |x| < 1: x + x·R(x²), R(u) = erf(√u)/√u − 1 of degree 6 in u (|R| <= 0.16, so a rounding of
 *   R hardly reaches the result, where x·(1 + R) would carry the rounding of 1 + R);
 * - 1 <= |x| < 4: 1 − e^(−x²)·G(x), G = erfc·e^(x²) (smooth, 0.43 to 0.14) of degree 7 on [1, 2]
 *   and on [2, 4]; e^(−x²) by gg_exp (its error scaled by erfc(1) = 0.16 at most);
 * - |x| >= 4: ±1 (1 − erf(4) < 2⁻²⁵, half a unit in the last place of 1).
 * Measured on SwiftShader over 262,144 arguments (half uniform on [−4.2, 4.2], half of every
 * magnitude from 2⁻¹²⁶): at most 1 ULP from the reference; 2 is the stated bound.
 */
const ERF_SMALL_R = (() => {
  const p = chebyshevMonomials((u) => (u === 0 ? 2 / Math.sqrt(Math.PI) : erf(Math.sqrt(u)) / Math.sqrt(u)) - 1, 0, 1, 6);
  return inRawVariable(p, 0.5, 0.5);
})();
const erfcScaled = (x: number): number => (1 - erf(x)) * Math.exp(x * x);
const ERF_NEAR = chebyshevMonomials(erfcScaled, 1, 2, 7);
const ERF_FAR = chebyshevMonomials(erfcScaled, 2, 4, 7);

const gg_erf: Helper = helper("gg_erf", [gg_isnan, gg_exp], `fn gg_erf(x: f32) -> f32 {
  if (gg_isnan(x)) { return x; }
  let u = bitcast<u32>(x);
  let a = bitcast<f32>(u & 0x7fffffffu);
  var r: f32;
  if (a < 1.0) {
    // Below 2⁻¹⁰⁰ the sum is taken on |x|·2⁶⁴, so that x·R is not a subnormal the GPU may flush.
    let tiny = a < 7.88860905e-31;
    let s = select(a, a * 18446744073709551616.0, tiny);
    let w = a * a;
    let t = s + s * (${hornerWgsl(ERF_SMALL_R, "w")});
    r = select(t, t * 5.42101086242752217e-20, tiny);
  } else if (a >= 4.0) {
    r = 1.0;
  } else {
    var g: f32;
    if (a < 2.0) {
      let s = (a - 1.5) * 2.0;
      g = ${hornerWgsl(ERF_NEAR, "s")};
    } else {
      let s = a - 3.0;
      g = ${hornerWgsl(ERF_FAR, "s")};
    }
    r = 1.0 - gg_exp(-(a * a)) * g;
  }
  return bitcast<f32>(bitcast<u32>(r) | (u & 0x80000000u));
}`);

/** An op's WGSL form and its error in ULPs of the reference's float32 result (0: exact). */
export interface WgslOp {
  readonly emit: OpEmitter;
  readonly ulps: number;
}

const exact = (emit: OpEmitter): WgslOp => ({ emit, ulps: 0 });

export const ELEMENTWISE_WGSL: { readonly [K in ElementwiseOp]: WgslOp } = {
  neg: exact(byType(call(gg_neg), (c) => `(-(${a0(c)}))`)),
  abs: exact(byType(call(gg_abs), (c) => `abs(${a0(c)})`)),
  sign: exact(byType(call(gg_sign), (c) => `sign(${a0(c)})`)),
  floor: exact(byType(call(gg_floor), identity)),
  sqrt: { emit: call(gg_sqrt), ulps: 1 },
  exp: { emit: call(gg_exp), ulps: 2 },
  log: { emit: call(gg_log), ulps: 2 },
  tanh: { emit: call(gg_tanh), ulps: 2 },
  sin: { emit: (c) => `${c.use(gg_sincos)}(${a0(c)}, false)`, ulps: 2 },
  cos: { emit: (c) => `${c.use(gg_sincos)}(${a0(c)}, true)`, ulps: 2 },
  erf: { emit: call(gg_erf), ulps: 2 },
  stopGradient: exact(identity),
  add: exact(infix("+")),
  sub: exact(infix("-")),
  mul: exact(infix("*")),
  div: { emit: byType(infix("/"), call(gg_idiv)), ulps: 2.5 },
  pow: { emit: call(gg_pow), ulps: 2 },
  maximum: exact(byType(call(gg_max), (c) => `max(${a0(c)}, ${a1(c)})`)),
  minimum: exact(byType(call(gg_min), (c) => `min(${a0(c)}, ${a1(c)})`)),
  greater: exact(byType(call(gg_gt), infix(">"))),
  less: exact(byType(call(gg_lt), infix("<"))),
  equal: exact(byType(call(gg_eq), infix("=="))),
  where: exact((c) => `select(${c.args[2]}, ${c.args[1]}, ${c.args[0]})`),
  cast: exact(cast),
};
