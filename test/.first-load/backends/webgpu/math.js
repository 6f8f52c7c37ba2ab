const helper = (name, deps, code) => ({ name, deps, code });
const bits = (hex) => `bitcast<f32>(gg_u32(${hex}u))`;
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];
function threefryBody() {
  const lines = ["  let k2 = 0x1bd11bdau ^ k0 ^ k1;", "  let ks = array<u32, 3>(k0, k1, k2);", "  var x0 = c0 + k0;", "  var x1 = c1 + k1;"];
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[block % 2 * 4 + r];
      lines.push(`  x0 = x0 + x1; x1 = ((x1 << ${rot}u) | (x1 >> ${32 - rot}u)) ^ x0;`);
    }
    const s = block + 1;
    lines.push(`  x0 = x0 + ks[${s % 3}]; x1 = x1 + ks[${(s + 1) % 3}] + ${s}u;`);
  }
  lines.push("  return vec2<u32>(x0, x1);");
  return lines.join("\n");
}
function quarterTurnPolys() {
  const h = Math.PI / 2;
  const fact = (n) => n <= 1 ? 1 : n * fact(n - 1);
  const coef = (p) => ((p % 4 < 2 ? 1 : -1) * h ** p / fact(p)).toPrecision(17);
  const horner = (powers) => powers.reduceRight((acc, p) => acc === "" ? coef(p) : `(${acc}) * w + ${coef(p)}`, "");
  return { sin: `(${horner([1, 3, 5, 7, 9])}) * g`, cos: `(${horner([2, 4, 6, 8, 10])}) * w + 1.0` };
}
const polys = quarterTurnPolys();
const gg_u32 = helper("gg_u32", [], `fn gg_u32(x: u32) -> u32 { return x; }`);
const gg_isnan = helper("gg_isnan", [], `fn gg_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`);
const gg_nan = helper("gg_nan", [gg_u32], `fn gg_nan() -> f32 { return ${bits("0x7fc00000")}; }`);
const gg_inf = helper("gg_inf", [gg_u32], `fn gg_inf() -> f32 { return ${bits("0x7f800000")}; }`);
const gg_neg = helper("gg_neg", [], `fn gg_neg(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ 0x80000000u); }`);
const gg_key = helper("gg_key", [], `fn gg_key(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, i ^ 0x7fffffff, i < 0); }`);
const gg_ckey = helper("gg_ckey", [], `fn gg_ckey(x: f32) -> i32 { let i = bitcast<i32>(x); return select(i, -(i & 0x7fffffff), i < 0); }`);
const gg_max = helper("gg_max", [gg_isnan, gg_key], `fn gg_max(a: f32, b: f32) -> f32 {
  if (gg_isnan(a)) { return a; }
  if (gg_isnan(b)) { return b; }
  return select(b, a, gg_key(a) > gg_key(b));
}`);
const gg_f2i = helper("gg_f2i", [gg_isnan], `fn gg_f2i(x: f32) -> i32 {
  if (gg_isnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); }
  return i32(x);
}`);
const gg_i2f = helper("gg_i2f", [], `fn gg_i2f(x: i32) -> f32 { return f32(x & ~255) + f32(x & 255); }`);
const gg_f2b = helper("gg_f2b", [], `fn gg_f2b(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }`);
const gg_ldexp = helper("gg_ldexp", [], `fn gg_ldexp(p: f32, k: i32) -> f32 {
  let k1 = k / 2;
  let k2 = k - k1;
  return p * bitcast<f32>(u32(k1 + 127) << 23u) * bitcast<f32>(u32(k2 + 127) << 23u);
}`);
const gg_sqrt = helper("gg_sqrt", [gg_isnan, gg_nan], `fn gg_sqrt(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x80000000u) { return x; }
  if (u > 0x80000000u) { return gg_nan(); }
  if (u < 0x00800000u && u != 0u) { return sqrt(f32(u) * 2.0) * bitcast<f32>(0x1a000000u); }
  return sqrt(x);
}`);
const gg_log_parts = helper("gg_log_parts", [], `fn gg_log_parts(x: f32) -> vec3<f32> {
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
const gg_log = helper("gg_log", [gg_isnan, gg_nan, gg_inf, gg_log_parts], `fn gg_log(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  if (gg_isnan(x) || u == 0x7f800000u) { return x; }
  if ((u & 0x7fffffffu) == 0u) { return gg_neg_inf(); }
  if (u >= 0x80000000u) { return gg_nan(); }
  let p = gg_log_parts(x);
  return (p.y + p.z) + p.x;
}
fn gg_neg_inf() -> f32 { return -gg_inf(); }`);
const gg_threefry = helper("gg_threefry", [], `fn gg_threefry(k0: u32, k1: u32, c0: u32, c1: u32) -> vec2<u32> {
${threefryBody()}
}`);
const gg_cos_turn = helper("gg_cos_turn", [gg_neg], `fn gg_quarter(f: u32, want_sin: bool) -> f32 {
  // sin or cos of (\u03C0/2)\xB7f/2\xB2\xB2, f <= 2\xB2\xB2: reduced to g <= 1/2 by the complement.
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
const gg_normal = helper("gg_normal", [gg_log, gg_sqrt, gg_cos_turn], `fn gg_normal(w0: u32, w1: u32) -> f32 {
  let u1 = f32((w0 >> 8u) + 1u) * 5.9604644775390625e-8;
  return gg_sqrt(-2.0 * gg_log(u1)) * gg_cos_turn(w1 >> 8u);
}`);
function mathLibrary(used) {
  const out = [];
  const done = /* @__PURE__ */ new Set();
  const visit = (h) => {
    if (done.has(h)) return;
    done.add(h);
    for (const d of h.deps) visit(d);
    out.push(h.code);
  };
  for (const h of used) visit(h);
  return out.join("\n");
}
export {
  gg_ckey,
  gg_cos_turn,
  gg_f2b,
  gg_f2i,
  gg_i2f,
  gg_inf,
  gg_isnan,
  gg_key,
  gg_ldexp,
  gg_log,
  gg_log_parts,
  gg_max,
  gg_nan,
  gg_neg,
  gg_normal,
  gg_sqrt,
  gg_threefry,
  gg_u32,
  helper,
  mathLibrary
};
