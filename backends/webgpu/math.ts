/**
 * The WGSL function library the generated kernels call. WGSL's own exp/log/tanh/pow carry wide
 * error bounds (exp: 3 + 2|x| ULP; log: 2⁻²¹ absolute near 1; tanh and pow inherit worse ones) and
 * drivers differ, so these are implemented here (Cephes single-precision algorithms, accurate to
 * about 1 ULP) and behave the same on every GPU. Everything that must be exact — comparisons,
 * maximum/minimum with NaN propagation, neg/abs/sign, casts, threefry — works on the bit patterns,
 * because a GPU may flush subnormals to zero and may not honour NaN in float comparisons.
 *
 * Each helper lists the helpers it calls; `mathLibrary(used)` emits the closure, callees first.
 */

interface Helper {
  /** The helpers it calls (names of HELPERS). */
  readonly deps: readonly string[];
  readonly code: string;
}

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

export const HELPERS = {
  gg_u32: { deps: [], code: `fn gg_u32(x: u32) -> u32 { return x; }` },
  gg_isnan: { deps: [], code: `fn gg_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }` },
  gg_nan: { deps: ["gg_u32"], code: `fn gg_nan() -> f32 { return ${bits("0x7fc00000")}; }` },
  gg_inf: { deps: ["gg_u32"], code: `fn gg_inf() -> f32 { return ${bits("0x7f800000")}; }` },
  gg_neg: { deps: [], code: `fn gg_neg(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ 0x80000000u); }` },
  gg_abs: { deps: [], code: `fn gg_abs(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }` },
  // NaN and ±0 map to themselves, everything else to ±1.
  gg_sign: {
    deps: ["gg_isnan"],
    code: `fn gg_sign(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || (u & 0x7fffffffu) == 0u) { return x; }
  return bitcast<f32>((u & 0x80000000u) | 0x3f800000u);
}`,
  },
  // floor, with subnormals (which the GPU may read as ±0) handled from their bits.
  gg_floor: {
    deps: [],
    code: `fn gg_floor(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if ((u & 0x7f800000u) == 0u && (u & 0x007fffffu) != 0u) { return select(0.0, -1.0, u >= 0x80000000u); }
  return floor(x);
}`,
  },
  // Total order of the bit patterns: -0 < +0 (for maximum/minimum).
  gg_key: { deps: [], code: `fn gg_key(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, i ^ 0x7fffffff, i < 0); }` },
  // Numeric order: ±0 equal, subnormals ordered even where the GPU flushes them.
  gg_ckey: { deps: [], code: `fn gg_ckey(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, -(i & 0x7fffffff), i < 0); }` },
  gg_gt: { deps: ["gg_isnan", "gg_ckey"], code: `fn gg_gt(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) > gg_ckey(b); }` },
  gg_lt: { deps: ["gg_isnan", "gg_ckey"], code: `fn gg_lt(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) < gg_ckey(b); }` },
  gg_eq: { deps: ["gg_isnan", "gg_ckey"], code: `fn gg_eq(a: f32, b: f32) -> bool { return !gg_isnan(a) && !gg_isnan(b) && gg_ckey(a) == gg_ckey(b); }` },
  // IEEE 754-2019 maximum/minimum (Math.max/min): NaN propagates, -0 < +0. WGSL's max/min do neither.
  gg_max: {
    deps: ["gg_isnan", "gg_key"],
    code: `fn gg_max(a: f32, b: f32) -> f32 {
  if (gg_isnan(a)) { return a; }
  if (gg_isnan(b)) { return b; }
  return select(b, a, gg_key(a) > gg_key(b));
}`,
  },
  gg_min: {
    deps: ["gg_isnan", "gg_key"],
    code: `fn gg_min(a: f32, b: f32) -> f32 {
  if (gg_isnan(a)) { return a; }
  if (gg_isnan(b)) { return b; }
  return select(b, a, gg_key(a) < gg_key(b));
}`,
  },
  // int32 division truncating toward zero, x / 0 = 0 (WGSL gives x), INT_MIN / -1 wrapping.
  gg_idiv: { deps: [], code: `fn gg_idiv(a: i32, b: i32) -> i32 { return select(a / b, 0, b == 0); }` },
  // float -> int32: truncating, saturating at the int32 range, NaN -> 0.
  gg_f2i: {
    deps: ["gg_isnan"],
    code: `fn gg_f2i(x: f32) -> i32 {
  if (gg_isnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); }
  return i32(x);
}`,
  },
  // int32 -> float32 rounded to nearest even: both halves convert exactly, one rounding add.
  gg_i2f: { deps: [], code: `fn gg_i2f(x: i32) -> f32 { return f32(x & ~255) + f32(x & 255); }` },
  // "non-zero" (NaN is true), from the bits: a subnormal is non-zero even where the GPU flushes it.
  gg_f2b: { deps: [], code: `fn gg_f2b(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }` },
  // p·2^k for k in [-150, 128] (two steps keep each power of two a normal number).
  gg_ldexp: {
    deps: [],
    code: `fn gg_ldexp(p: f32, k: i32) -> f32 {
  let k1 = k / 2;
  let k2 = k - k1;
  return p * bitcast<f32>(u32(k1 + 127) << 23u) * bitcast<f32>(u32(k2 + 127) << 23u);
}`,
  },
  // sqrt with subnormal inputs scaled from their bits (sqrt(u·2⁻¹⁴⁹) = sqrt(2u)·2⁻⁷⁵), negatives NaN.
  gg_sqrt: {
    deps: ["gg_isnan", "gg_nan"],
    code: `fn gg_sqrt(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x80000000u) { return x; }
  if (u > 0x80000000u) { return gg_nan(); }
  if (u < 0x00800000u && u != 0u) { return sqrt(f32(u) * 2.0) * bitcast<f32>(0x1a000000u); }
  return sqrt(x);
}`,
  },
  // Cephes expf: x = k·ln2 + r (ln2 in two parts, k·C1 exact), a degree-7 polynomial, scaled by 2^k.
  gg_exp: {
    deps: ["gg_isnan", "gg_inf", "gg_ldexp"],
    code: `fn gg_exp(x: f32) -> f32 {
  if (gg_isnan(x)) { return x; }
  if (x >= 88.72283935546875) { return gg_inf(); }
  if (x < -103.97208) { return 0.0; }
  let k = floor(x * 1.44269504088896341 + 0.5);
  let r = (x - k * 0.693359375) - k * -2.12194440e-4;
  let z = r * r;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  return gg_ldexp(p, i32(k));
}`,
  },
  // Cephes logf: x = m·2^e with m in [√½, √2), t = m - 1 exact, log(1 + t) by a polynomial, e·ln2 in
  // two parts. Returns the unrounded parts (e·C1, t, rest) so that pow can keep their precision.
  gg_log_parts: {
    deps: [],
    code: `fn gg_log_parts(x: f32) -> vec3<f32> {
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
}`,
  },
  gg_log: {
    deps: ["gg_isnan", "gg_nan", "gg_inf", "gg_log_parts"],
    code: `fn gg_log(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x7f800000u) { return x; }
  if ((u & 0x7fffffffu) == 0u) { return gg_neg_inf(); }
  if (u >= 0x80000000u) { return gg_nan(); }
  let p = gg_log_parts(x);
  return (p.y + p.z) + p.x;
}
fn gg_neg_inf() -> f32 { return -gg_inf(); }`,
  },
  // Cephes tanhf: an odd polynomial below 0.625, 1 - 2/(e^{2|x|} + 1) above; tiny x is returned as is.
  gg_tanh: {
    deps: ["gg_isnan", "gg_exp"],
    code: `fn gg_tanh(x: f32) -> f32 {
  if (gg_isnan(x)) { return x; }
  let u = bitcast<u32>(x);
  let z = bitcast<f32>(u & 0x7fffffffu);
  if (z < 2.44140625e-4) { return x; }
  var r: f32;
  if (z >= 0.625) {
    if (z > 9.1) { r = 1.0; } else { r = 1.0 - 2.0 / (gg_exp(z + z) + 1.0); }
  } else {
    let w = z * z;
    r = ((((-5.70498872745e-3 * w + 2.06390887954e-2) * w - 5.37397155531e-2) * w + 1.33314422036e-1) * w - 3.33332819422e-1) * w * z + z;
  }
  return bitcast<f32>(bitcast<u32>(r) | (u & 0x80000000u));
}`,
  },
  // Knuth's exact sum and Dekker's exact product a·b = p + e without FMA (|a|, |b| < 2¹⁰⁰).
  gg_two_prod: {
    deps: [],
    code: `fn gg_split(a: f32) -> vec2<f32> {
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
}`,
  },
  // e^(h + l) for a float-float exponent (|h| < 104): the reduction keeps l.
  gg_exp2f: {
    deps: ["gg_inf", "gg_ldexp"],
    code: `fn gg_exp_ff(h: f32, l: f32) -> f32 {
  let x = h + l;
  if (x >= 88.72283935546875) { return gg_inf(); }
  if (x < -103.97208) { return 0.0; }
  let k = floor(h * 1.44269504088896341 + 0.5);
  let r = ((h - k * 0.693359375) - k * -2.12194440e-4) + l;
  let z = r * r;
  let p = (((((1.9875691500e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r + 1.6666665459e-1) * r + 5.0000001201e-1) * z + r + 1.0;
  return gg_ldexp(p, i32(k));
}`,
  },
  // Whether b is an integer / an odd integer, from its bits (a subnormal is neither, even where the GPU reads it as 0).
  gg_is_int: {
    deps: [],
    code: `fn gg_is_int(b: f32) -> bool {
  let u = bitcast<u32>(b) & 0x7fffffffu;
  if (u == 0u) { return true; }
  let e = i32(u >> 23u) - 127;
  if (e < 0) { return false; }
  if (e >= 23) { return true; }
  return (u & ((1u << u32(23 - e)) - 1u)) == 0u;
}`,
  },
  gg_is_odd: {
    deps: ["gg_is_int"],
    code: `fn gg_is_odd(b: f32) -> bool {
  let u = bitcast<u32>(b) & 0x7fffffffu;
  let e = i32(u >> 23u) - 127;
  if (u == 0u || e < 0 || e > 23 || !gg_is_int(b)) { return false; }
  return ((((u & 0x007fffffu) | 0x00800000u) >> u32(23 - e)) & 1u) == 1u;
}`,
  },
  // Math.pow's special cases (pow(x, ±0) = 1, pow(±1, ±Inf) = NaN, signed zeros and infinities, a
  // negative base needs an integer exponent), then e^(b·ln|a|) with b·ln|a| carried in two floats.
  gg_pow: {
    deps: ["gg_isnan", "gg_nan", "gg_inf", "gg_log_parts", "gg_two_prod", "gg_exp2f", "gg_is_int", "gg_is_odd", "gg_neg"],
    code: `fn gg_pow(a: f32, b: f32) -> f32 {
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
}`,
  },
  // Threefry-2x32, 20 rounds (ir/random.ts): the same words as every other backend.
  gg_threefry: { deps: [], code: `fn gg_threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {\n${threefryBody()}\n}` },
  // cos(2π·n/2²⁴) for n < 2²⁴: the quadrant and the angle within it are exact; sin/cos of a quarter turn by Taylor series.
  gg_cos_turn: {
    deps: ["gg_neg"],
    code: `fn gg_quarter(f: u32, want_sin: bool) -> f32 {
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
}`,
  },
  // Box-Muller (ir/random.ts normalFromBits): sqrt(-2 ln u1)·cos(2π u2), u1 in (0, 1].
  gg_normal: {
    deps: ["gg_log", "gg_sqrt", "gg_cos_turn"],
    code: `fn gg_normal(w0: u32, w1: u32) -> f32 {
  let u1 = f32((w0 >> 8u) + 1u) * 5.9604644775390625e-8;
  return gg_sqrt(-2.0 * gg_log(u1)) * gg_cos_turn(w1 >> 8u);
}`,
  },
} satisfies Record<string, Helper>;

export type HelperName = keyof typeof HELPERS;

const isHelper = (name: string): name is HelperName => Object.prototype.hasOwnProperty.call(HELPERS, name);

/** The WGSL source of the helpers in `used` and everything they call. */
export function mathLibrary(used: ReadonlySet<HelperName>): string {
  const out: string[] = [];
  const done = new Set<HelperName>();
  const visit = (h: HelperName): void => {
    if (done.has(h)) return;
    done.add(h);
    const helper: Helper = HELPERS[h];
    for (const d of helper.deps) {
      if (!isHelper(d)) throw new Error(`math.ts: ${h} calls unknown helper ${d}`);
      visit(d);
    }
    out.push(helper.code);
  };
  for (const h of used) visit(h);
  return out.join("\n");
}
