/**
 * The WGSL function library the generated kernels call. WGSL's own exp/log/tanh/pow carry wide
 * error bounds (exp: 3 + 2|x| ULP; log: 2⁻²¹ absolute near 1; tanh and pow inherit worse ones) and
 * drivers differ, so these are implemented here (Cephes single-precision algorithms, accurate to
 * about 1 ULP) and behave the same on every GPU. Everything that must be exact — comparisons,
 * maximum/minimum with NaN propagation, neg/abs/sign, casts, threefry — works on the bit patterns,
 * because a GPU may flush subnormals to zero and may not honour NaN in float comparisons.
 *
 * Each helper lists the helpers it calls; `mathLibrary(used)` emits the closure, callees first.
 * The helpers here serve several ops or kernels other than elementwise ones (reductions, casts,
 * random numbers); a helper that only one op needs is defined with that op, in `ops.ts`.
 */

export interface Helper {
  /** The WGSL function name (what generated code calls). */
  readonly name: string;
  /** The helpers it calls. */
  readonly deps: readonly Helper[];
  readonly code: string;
}

export const helper = (name: string, deps: readonly Helper[], code: string): Helper => ({ name, deps, code });

/** A float32 value from its bits, kept a run-time value (a constant NaN or Inf is a WGSL compile error). */
const bits = (hex: string): string => `bitcast<f32>(gg_u32(${hex}u))`;

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const; // as ir/random.ts

function threefryBody(): string {
  const lines = ["  let k2 = 0x1bd11bdau ^ k0 ^ k1;", "  let ks = array<u32, 3>(k0, k1, k2);", "  var x0 = c0 + k0;", "  var x1 = c1 + k1;"];
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[(block % 2) * 4 + r] as number;
      lines.push(`  x0 = x0 + x1; x1 = ((x1 << ${rot}u) | (x1 >> ${32 - rot}u)) ^ x0;`);
    }
    const s = block + 1;
    lines.push(`  x0 = x0 + ks[${s % 3}]; x1 = x1 + ks[${(s + 1) % 3}] + ${s}u;`);
  }
  lines.push("  return vec2<u32>(x0, x1);");
  return lines.join("\n");
}

/** Taylor coefficients of sin(π/2·g) and cos(π/2·g) in powers of g (|g| <= 1/2: error < 2⁻²⁸). */
function quarterTurnPolys(): { sin: string; cos: string } {
  const h = Math.PI / 2;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const coef = (p: number): string => ((p % 4 < 2 ? 1 : -1) * h ** p / fact(p)).toPrecision(17);
  // Horner in g² from the highest term down.
  const horner = (powers: readonly number[]): string => powers.reduceRight((acc, p) => (acc === "" ? coef(p) : `(${acc}) * w + ${coef(p)}`), "");
  return { sin: `(${horner([1, 3, 5, 7, 9])}) * g`, cos: `(${horner([2, 4, 6, 8, 10])}) * w + 1.0` };
}

const polys = quarterTurnPolys();

export const gg_u32: Helper = helper("gg_u32", [], `fn gg_u32(x: u32) -> u32 { return x; }`);

export const gg_isnan: Helper = helper("gg_isnan", [], `fn gg_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`);

export const gg_nan: Helper = helper("gg_nan", [gg_u32], `fn gg_nan() -> f32 { return ${bits("0x7fc00000")}; }`);

export const gg_inf: Helper = helper("gg_inf", [gg_u32], `fn gg_inf() -> f32 { return ${bits("0x7f800000")}; }`);

export const gg_neg: Helper = helper("gg_neg", [], `fn gg_neg(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ 0x80000000u); }`);

// Total order of the bit patterns: -0 < +0 (for maximum/minimum).
export const gg_key: Helper = helper("gg_key", [], `fn gg_key(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, i ^ 0x7fffffff, i < 0); }`);

// Numeric order: ±0 equal, subnormals ordered even where the GPU flushes them.
export const gg_ckey: Helper = helper("gg_ckey", [], `fn gg_ckey(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, -(i & 0x7fffffff), i < 0); }`);

// IEEE 754-2019 maximum/minimum (Math.max/min): NaN propagates, -0 < +0. WGSL's max/min do neither.
export const gg_max: Helper = helper("gg_max", [gg_isnan, gg_key], `fn gg_max(a: f32, b: f32) -> f32 {
  if (gg_isnan(a)) { return a; }
  if (gg_isnan(b)) { return b; }
  return select(b, a, gg_key(a) > gg_key(b));
}`);

// float -> int32: truncating, saturating at the int32 range, NaN -> 0.
export const gg_f2i: Helper = helper("gg_f2i", [gg_isnan], `fn gg_f2i(x: f32) -> i32 {
  if (gg_isnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); }
  return i32(x);
}`);

// int32 -> float32 rounded to nearest even: both halves convert exactly, one rounding add.
export const gg_i2f: Helper = helper("gg_i2f", [], `fn gg_i2f(x: i32) -> f32 { return f32(x & ~255) + f32(x & 255); }`);

// "non-zero" (NaN is true), from the bits: a subnormal is non-zero even where the GPU flushes it.
export const gg_f2b: Helper = helper("gg_f2b", [], `fn gg_f2b(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }`);

// p·2^k for k in [-150, 128] (two steps keep each power of two a normal number).
export const gg_ldexp: Helper = helper("gg_ldexp", [], `fn gg_ldexp(p: f32, k: i32) -> f32 {
  let k1 = k / 2;
  let k2 = k - k1;
  return p * bitcast<f32>(u32(k1 + 127) << 23u) * bitcast<f32>(u32(k2 + 127) << 23u);
}`);

// sqrt with subnormal inputs scaled from their bits (sqrt(u·2⁻¹⁴⁹) = sqrt(2u)·2⁻⁷⁵), negatives NaN.
export const gg_sqrt: Helper = helper("gg_sqrt", [gg_isnan, gg_nan], `fn gg_sqrt(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x80000000u) { return x; }
  if (u > 0x80000000u) { return gg_nan(); }
  if (u < 0x00800000u && u != 0u) { return sqrt(f32(u) * 2.0) * bitcast<f32>(0x1a000000u); }
  return sqrt(x);
}`);

// Cephes logf: x = m·2^e with m in [√½, √2), t = m - 1 exact, log(1 + t) by a polynomial, e·ln2 in
// two parts. Returns the unrounded parts (e·C1, t, rest) so that pow can keep their precision.
export const gg_log_parts: Helper = helper("gg_log_parts", [], `fn gg_log_parts(x: f32) -> vec3<f32> {
  let u = bitcast<u32>(x);
  var e: i32;
  var m: f32;
  if (u < 0x00800000u) {
    let f = bitcast<u32>(f32(u));
    e = i32(f >> 23u) - 126 - 149;
    m = bitcast<f32>((f & 0x007fffffu) | 0x3f000000u);
  } else {
    e = i32(u >> 23u) - 126;
    m = bitcast<f32>((u & 0x007fffffu) | 0x3f000000u);
  }
  var t: f32;
  if (m < 0.707106781186547524) { e = e - 1; t = m + m - 1.0; } else { t = m - 1.0; }
  let z = t * t;
  var y = ((((((((7.0376836292e-2 * t - 1.1514610310e-1) * t + 1.1676998740e-1) * t - 1.2420140846e-1) * t + 1.4249322787e-1) * t - 1.6668057665e-1) * t + 2.0000714765e-1) * t - 2.4999993993e-1) * t + 3.3333331174e-1) * t * z;
  let fe = f32(e);
  y = y + -2.12194440e-4 * fe;
  y = y + -0.5 * z;
  return vec3<f32>(0.693359375 * fe, t, y);
}`);

export const gg_log: Helper = helper("gg_log", [gg_isnan, gg_nan, gg_inf, gg_log_parts], `fn gg_log(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x7f800000u) { return x; }
  if ((u & 0x7fffffffu) == 0u) { return gg_neg_inf(); }
  if (u >= 0x80000000u) { return gg_nan(); }
  let p = gg_log_parts(x);
  return (p.y + p.z) + p.x;
}
fn gg_neg_inf() -> f32 { return -gg_inf(); }`);

// Knuth's exact sum and Dekker's exact product a·b = p + e without FMA (|a|, |b| < 2¹⁰⁰).
export const gg_two_prod: Helper = helper("gg_two_prod", [], `fn gg_split(a: f32) -> vec2<f32> {
  let c = 4097.0 * a;
  let h = c - (c - a);
  return vec2<f32>(h, a - h);
}
fn gg_two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}
fn gg_two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let x = gg_split(a);
  let y = gg_split(b);
  let e = ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y;
  return vec2<f32>(p, e);
}`);

// Threefry-2x32, 20 rounds (ir/random.ts): the same words as every other backend.
export const gg_threefry: Helper = helper("gg_threefry", [], `fn gg_threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {\n${threefryBody()}\n}`);

// cos(2π·n/2²⁴) for n < 2²⁴: the quadrant and the angle within it are exact; sin/cos of a quarter turn by Taylor series.
export const gg_cos_turn: Helper = helper("gg_cos_turn", [gg_neg], `fn gg_quarter(f: u32, want_sin: bool) -> f32 {
  // sin or cos of (π/2)·f/2²², f <= 2²²: reduced to g <= 1/2 by the complement.
  var s = want_sin;
  var q = f;
  if (q > 2097152u) { q = 4194304u - q; s = !s; }
  let g = f32(q) * 2.384185791015625e-7;
  let w = g * g;
  if (s) { return ${polys.sin}; }
  return ${polys.cos};
}
fn gg_cos_turn(n: u32) -> f32 {
  let quadrant = n >> 22u;
  let f = n & 0x3fffffu;
  if (quadrant == 0u) { return gg_quarter(f, false); }
  if (quadrant == 1u) { return gg_neg(gg_quarter(f, true)); }
  if (quadrant == 2u) { return gg_neg(gg_quarter(f, false)); }
  return gg_quarter(f, true);
}`);

// Box-Muller (ir/random.ts normalFromBits): sqrt(-2 ln u1)·cos(2π u2), u1 in (0, 1].
export const gg_normal: Helper = helper("gg_normal", [gg_log, gg_sqrt, gg_cos_turn], `fn gg_normal(w0: u32, w1: u32) -> f32 {
  let u1 = f32((w0 >> 8u) + 1u) * 5.9604644775390625e-8;
  return gg_sqrt(-2.0 * gg_log(u1)) * gg_cos_turn(w1 >> 8u);
}`);


/** The WGSL source of the helpers in `used` and everything they call, callees first. */
export function mathLibrary(used: ReadonlySet<Helper>): string {
  const out: string[] = [];
  const done = new Set<Helper>();
  const visit = (h: Helper): void => {
    if (done.has(h)) return;
    done.add(h);
    for (const d of h.deps) visit(d);
    out.push(h.code);
  };
  for (const h of used) visit(h);
  return out.join("\n");
}
