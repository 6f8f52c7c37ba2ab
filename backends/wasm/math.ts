import { FunctionBuilder, ModuleBuilder, sleb } from "./encoder.js";
import { I } from "./opcodes.js";

/**
 * exp and tanh computed in the module instead of called on the host: the algorithms of fdlibm
 * (Sun's freely distributable libm, from which V8 implements Math.exp, Math.expm1 and Math.tanh),
 * written in float64 WebAssembly operations in the same order, so they give the same bits as V8's
 * functions — which is what the JS reference computes with. Whether this engine's Math functions
 * are those is checked when a backend is made (`inlineMathMatches`); where they are not, modules
 * call the host's functions instead.
 */

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;
const HUGE = 1.0e300;
const TINY = 1.0e-300;
const TWO_M1000 = 9.3326361850321887899e-302; // 2^-1000
const TWO_1023 = 8.98846567431157953865e307;
const O_THRESHOLD = 7.09782712893383973096e2;
const U_THRESHOLD = -7.45133219101941108420e2;
/** exp's rational approximation on [-ln2/2, ln2/2]. */
const P = [1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.65339022054652515390e-6, 4.13813679705723846039e-8];
/** expm1's. */
const Q = [-3.33333333333331316428e-2, 1.58730158725481460165e-3, -7.93650757867487942473e-5, 4.00821782732936239552e-6, -2.01099218183624371326e-7];

/** Pushes the high 32 bits of the f64 in local x. */
function highWord(f: FunctionBuilder, x: number): void {
  f.get(x).op(I.i64_reinterpret_f64).op(I.i64_const);
  sleb(32, f.code);
  f.op(I.i64_shr_u).op(I.i32_wrap_i64);
}

/** Pushes 2^e as an f64 for the i32 `e` on the stack (a normal exponent: -1022 <= e <= 1023). */
function powerOfTwo(f: FunctionBuilder): void {
  f.i32(1023).op(I.i32_add).op(I.i64_extend_i32_s).op(I.i64_const);
  sleb(52, f.code);
  f.op(I.i64_shl).op(I.f64_reinterpret_i64);
}

/** Pushes c0 + t·(c1 + t·(c2 + …)) (Horner, innermost first) for the f64 local t. */
function horner(f: FunctionBuilder, t: number, c: readonly number[]): void {
  f.f64(c[c.length - 1] as number);
  for (let i = c.length - 2; i >= 0; i--) f.get(t).op(I.f64_mul).f64(c[i] as number).op(I.f64_add);
}

/** `cond` (an i32 pushed by `test`) ? return `value` : go on. */
function returnIf(f: FunctionBuilder, test: () => void, value: () => void): void {
  test();
  f.ifThen(() => {
    value();
    f.op(I.return);
  });
}

/** exp(x), fdlibm's e_exp.c (with V8's exp(1) = Math.E). */
export function genExp(): FunctionBuilder {
  const f = new FunctionBuilder(["f64"], ["f64"]);
  const x = 0;
  const [hx, xsb, k] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const [hi, lo, t, c, y] = [f.local("f64"), f.local("f64"), f.local("f64"), f.local("f64"), f.local("f64")];
  returnIf(f, () => void f.get(x).f64(1).op(I.f64_eq), () => void f.f64(Math.E));
  highWord(f, x);
  f.tee(hx).i32(31).op(I.i32_shr_u).set(xsb);
  f.get(hx).i32(0x7fffffff).op(I.i32_and).set(hx);
  // |x| >= 709.78: overflow, underflow, inf, NaN.
  f.get(hx).i32(0x40862e42).op(I.i32_ge_u).ifThen(() => {
    f.get(hx).i32(0x7ff00000).op(I.i32_ge_u).ifThen(() => {
      returnIf(f, () => void f.get(x).get(x).op(I.f64_ne), () => void f.get(x).get(x).op(I.f64_add));
      f.get(x).f64(0).get(xsb).op(I.i32_eqz).op(I.select).op(I.return);
    });
    returnIf(f, () => void f.get(x).f64(O_THRESHOLD).op(I.f64_gt), () => void f.f64(HUGE).f64(HUGE).op(I.f64_mul));
    returnIf(f, () => void f.get(x).f64(U_THRESHOLD).op(I.f64_lt), () => void f.f64(TWO_M1000).f64(TWO_M1000).op(I.f64_mul));
  });
  // Argument reduction: x = k·ln2 + r, |r| <= ln2/2, r as hi - lo.
  f.get(hx).i32(0x3fd62e42).op(I.i32_gt_u).ifThen(
    () => {
      f.get(hx).i32(0x3ff0a2b2).op(I.i32_lt_u).ifThen(
        () => {
          // |x| < 1.5·ln2: k = ±1
          f.get(x).f64(-LN2_HI).f64(LN2_HI).get(xsb).op(I.select).op(I.f64_sub).set(hi);
          f.f64(-LN2_LO).f64(LN2_LO).get(xsb).op(I.select).set(lo);
          f.i32(1).get(xsb).get(xsb).op(I.i32_add).op(I.i32_sub).set(k);
        },
        () => {
          f.f64(INV_LN2).get(x).op(I.f64_mul).f64(-0.5).f64(0.5).get(xsb).op(I.select).op(I.f64_add).op(I.i32_trunc_f64_s).set(k);
          f.get(k).op(I.f64_convert_i32_s).set(t);
          f.get(x).get(t).f64(LN2_HI).op(I.f64_mul).op(I.f64_sub).set(hi);
          f.get(t).f64(LN2_LO).op(I.f64_mul).set(lo);
        },
      );
      f.get(hi).get(lo).op(I.f64_sub).set(x);
    },
    () => {
      // |x| < 2^-28: 1 + x
      f.get(hx).i32(0x3e300000).op(I.i32_lt_u).ifThen(() => returnIf(f, () => void f.f64(HUGE).get(x).op(I.f64_add).f64(1).op(I.f64_gt), () => void f.f64(1).get(x).op(I.f64_add)));
      f.i32(0).set(k);
    },
  );
  f.get(x).get(x).op(I.f64_mul).set(t);
  // c = x - t·(P1 + t·(P2 + …))
  f.get(x).get(t);
  horner(f, t, P);
  f.op(I.f64_mul).op(I.f64_sub).set(c);
  // k == 0: 1 - ((x·c)/(c - 2) - x)
  returnIf(
    f,
    () => void f.get(k).op(I.i32_eqz),
    () => void f.f64(1).get(x).get(c).op(I.f64_mul).get(c).f64(2).op(I.f64_sub).op(I.f64_div).get(x).op(I.f64_sub).op(I.f64_sub),
  );
  // y = 1 - ((lo - (x·c)/(2 - c)) - hi), scaled by 2^k
  f.f64(1).get(lo).get(x).get(c).op(I.f64_mul).f64(2).get(c).op(I.f64_sub).op(I.f64_div).op(I.f64_sub).get(hi).op(I.f64_sub).op(I.f64_sub).set(y);
  f.get(k).i32(-1021).op(I.i32_ge_s).ifThen(() => {
    returnIf(f, () => void f.get(k).i32(1024).op(I.i32_eq), () => void f.get(y).f64(2).op(I.f64_mul).f64(TWO_1023).op(I.f64_mul));
    f.get(y).get(k);
    powerOfTwo(f);
    f.op(I.f64_mul).op(I.return);
  });
  f.get(y).get(k).i32(1000).op(I.i32_add);
  powerOfTwo(f);
  f.op(I.f64_mul).f64(TWO_M1000).op(I.f64_mul);
  return f;
}

/** expm1(x) = exp(x) - 1, fdlibm's s_expm1.c. */
export function genExpm1(): FunctionBuilder {
  const f = new FunctionBuilder(["f64"], ["f64"]);
  const x = 0;
  const [hx, xsb, k] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const [hi, lo, c, t, e, y, hfx, hxs, r1, twopk] = Array.from({ length: 10 }, () => f.local("f64")) as [number, number, number, number, number, number, number, number, number, number];
  highWord(f, x);
  f.tee(hx).i32(31).op(I.i32_shr_u).set(xsb);
  f.get(hx).i32(0x7fffffff).op(I.i32_and).set(hx);
  // |x| >= 56·ln2
  f.get(hx).i32(0x4043687a).op(I.i32_ge_u).ifThen(() => {
    f.get(hx).i32(0x40862e42).op(I.i32_ge_u).ifThen(() => {
      f.get(hx).i32(0x7ff00000).op(I.i32_ge_u).ifThen(() => {
        returnIf(f, () => void f.get(x).get(x).op(I.f64_ne), () => void f.get(x).get(x).op(I.f64_add));
        f.get(x).f64(-1).get(xsb).op(I.i32_eqz).op(I.select).op(I.return);
      });
      returnIf(f, () => void f.get(x).f64(O_THRESHOLD).op(I.f64_gt), () => void f.f64(HUGE).f64(HUGE).op(I.f64_mul));
    });
    // x < -56·ln2: -1
    f.get(xsb).ifThen(() => returnIf(f, () => void f.get(x).f64(TINY).op(I.f64_add).f64(0).op(I.f64_lt), () => void f.f64(TINY).f64(1).op(I.f64_sub)));
  });
  f.i32(0).set(k);
  f.get(hx).i32(0x3fd62e42).op(I.i32_gt_u).ifThen(
    () => {
      f.get(hx).i32(0x3ff0a2b2).op(I.i32_lt_u).ifThen(
        () => {
          f.get(x).f64(-LN2_HI).f64(LN2_HI).get(xsb).op(I.select).op(I.f64_sub).set(hi);
          f.f64(-LN2_LO).f64(LN2_LO).get(xsb).op(I.select).set(lo);
          f.i32(1).get(xsb).get(xsb).op(I.i32_add).op(I.i32_sub).set(k);
        },
        () => {
          f.f64(INV_LN2).get(x).op(I.f64_mul).f64(-0.5).f64(0.5).get(xsb).op(I.select).op(I.f64_add).op(I.i32_trunc_f64_s).set(k);
          f.get(k).op(I.f64_convert_i32_s).set(t);
          f.get(x).get(t).f64(LN2_HI).op(I.f64_mul).op(I.f64_sub).set(hi);
          f.get(t).f64(LN2_LO).op(I.f64_mul).set(lo);
        },
      );
      f.get(hi).get(lo).op(I.f64_sub).set(x);
      f.get(hi).get(x).op(I.f64_sub).get(lo).op(I.f64_sub).set(c);
    },
    () => {
      // |x| < 2^-54: x
      f.get(hx).i32(0x3c900000).op(I.i32_lt_u).ifThen(() => {
        f.f64(HUGE).get(x).op(I.f64_add).set(t);
        f.get(x).get(t).f64(HUGE).get(x).op(I.f64_add).op(I.f64_sub).op(I.f64_sub).op(I.return);
      });
    },
  );
  f.f64(0.5).get(x).op(I.f64_mul).set(hfx);
  f.get(x).get(hfx).op(I.f64_mul).set(hxs);
  f.f64(1).get(hxs);
  horner(f, hxs, Q);
  f.op(I.f64_mul).op(I.f64_add).set(r1);
  f.f64(3).get(r1).get(hfx).op(I.f64_mul).op(I.f64_sub).set(t);
  // e = hxs·((r1 - t)/(6 - x·t))
  f.get(hxs).get(r1).get(t).op(I.f64_sub).f64(6).get(x).get(t).op(I.f64_mul).op(I.f64_sub).op(I.f64_div).op(I.f64_mul).set(e);
  returnIf(f, () => void f.get(k).op(I.i32_eqz), () => void f.get(x).get(x).get(e).op(I.f64_mul).get(hxs).op(I.f64_sub).op(I.f64_sub));
  // e = (x·(e - c) - c) - hxs
  f.get(x).get(e).get(c).op(I.f64_sub).op(I.f64_mul).get(c).op(I.f64_sub).get(hxs).op(I.f64_sub).set(e);
  returnIf(f, () => void f.get(k).i32(-1).op(I.i32_eq), () => void f.f64(0.5).get(x).get(e).op(I.f64_sub).op(I.f64_mul).f64(0.5).op(I.f64_sub));
  f.get(k).i32(1).op(I.i32_eq).ifThen(() => {
    returnIf(f, () => void f.get(x).f64(-0.25).op(I.f64_lt), () => void f.f64(-2).get(e).get(x).f64(0.5).op(I.f64_add).op(I.f64_sub).op(I.f64_mul));
    f.f64(1).f64(2).get(x).get(e).op(I.f64_sub).op(I.f64_mul).op(I.f64_add).op(I.return);
  });
  // k <= -2 or k > 56: exp(x) - 1 = (1 - (e - x))·2^k - 1
  f.get(k).i32(-2).op(I.i32_le_s).get(k).i32(56).op(I.i32_gt_s).op(I.i32_or).ifThen(() => {
    f.f64(1).get(e).get(x).op(I.f64_sub).op(I.f64_sub).set(y);
    f.get(k).i32(1024).op(I.i32_eq).ifThen(
      () => void f.get(y).f64(2).op(I.f64_mul).f64(TWO_1023).op(I.f64_mul).set(y),
      () => {
        f.get(y).get(k);
        powerOfTwo(f);
        f.op(I.f64_mul).set(y);
      },
    );
    f.get(y).f64(1).op(I.f64_sub).op(I.return);
  });
  f.get(k);
  powerOfTwo(f);
  f.set(twopk);
  f.get(k).i32(20).op(I.i32_lt_s).ifThen(
    () => {
      // (1 - 2^-k - (e - x))·2^k
      f.f64(1).i32(0).get(k).op(I.i32_sub);
      powerOfTwo(f);
      f.op(I.f64_sub).get(e).get(x).op(I.f64_sub).op(I.f64_sub).get(twopk).op(I.f64_mul).set(y);
    },
    () => {
      // ((x - (e + 2^-k)) + 1)·2^k
      f.get(x).get(e).i32(0).get(k).op(I.i32_sub);
      powerOfTwo(f);
      f.op(I.f64_add).op(I.f64_sub).f64(1).op(I.f64_add).get(twopk).op(I.f64_mul).set(y);
    },
  );
  f.get(y);
  return f;
}

/** tanh(x), fdlibm's s_tanh.c; `expm1` is the index of genExpm1's function. */
export function genTanh(expm1: number): FunctionBuilder {
  const f = new FunctionBuilder(["f64"], ["f64"]);
  const x = 0;
  const [jx, ix] = [f.local("i32"), f.local("i32")];
  const [t, z] = [f.local("f64"), f.local("f64")];
  highWord(f, x);
  f.tee(jx).i32(0x7fffffff).op(I.i32_and).set(ix);
  // inf, NaN: ±1, NaN
  f.get(ix).i32(0x7ff00000).op(I.i32_ge_u).ifThen(() => {
    returnIf(f, () => void f.get(jx).i32(0).op(I.i32_ge_s), () => void f.f64(1).get(x).op(I.f64_div).f64(1).op(I.f64_add));
    f.f64(1).get(x).op(I.f64_div).f64(1).op(I.f64_sub).op(I.return);
  });
  f.get(ix).i32(0x40360000).op(I.i32_lt_u).ifThen(
    () => {
      // |x| < 2^-28: x
      f.get(ix).i32(0x3e300000).op(I.i32_lt_u).ifThen(() => returnIf(f, () => void f.f64(HUGE).get(x).op(I.f64_add).f64(1).op(I.f64_gt), () => void f.get(x)));
      f.get(ix).i32(0x3ff00000).op(I.i32_ge_u).ifThen(
        () => {
          // |x| >= 1: 1 - 2/(expm1(2|x|) + 2)
          f.f64(2).get(x).op(I.f64_abs).op(I.f64_mul).call(expm1).set(t);
          f.f64(1).f64(2).get(t).f64(2).op(I.f64_add).op(I.f64_div).op(I.f64_sub).set(z);
        },
        () => {
          // -t/(t + 2), t = expm1(-2|x|)
          f.f64(-2).get(x).op(I.f64_abs).op(I.f64_mul).call(expm1).set(t);
          f.get(t).op(I.f64_neg).get(t).f64(2).op(I.f64_add).op(I.f64_div).set(z);
        },
      );
    },
    () => void f.f64(1).f64(TINY).op(I.f64_sub).set(z),
  );
  f.get(z).get(z).op(I.f64_neg).get(jx).i32(0).op(I.i32_ge_s).op(I.select);
  return f;
}

/** Values at which the module's functions are compared with the engine's: specials, and float32 patterns over the ranges each branch takes. */
function probeValues(): number[] {
  const out = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, NaN, 709.78, 709.79, -745.13, -745.14, 2 ** -28, -(2 ** -29), 2 ** -54, 22, -22, 1e-300, 5e-324, 88.72283935546875, -103.97];
  const f32 = new Float32Array(1);
  const bits = new Uint32Array(f32.buffer);
  let s = 0x9e3779b9;
  for (let i = 0; i < 4000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Exponents 2^-30 .. 2^10 (where the branches are), either sign.
    bits[0] = (s & 0x807fffff) | ((97 + (s % 40)) << 23);
    out.push(f32[0] as number, (i - 2000) * 0.013);
  }
  return out;
}

/**
 * Whether this engine's Math.exp and Math.tanh give the bits of the module's (so a module may
 * compute them itself and still match the JS reference): both compared on a few thousand values.
 */
export async function inlineMathMatches(): Promise<boolean> {
  const mb = new ModuleBuilder();
  const exp = mb.addFunction(genExp());
  const expm1 = mb.addFunction(genExpm1());
  const tanh = mb.addFunction(genTanh(expm1));
  mb.exportFunction("exp", exp);
  mb.exportFunction("tanh", tanh);
  try {
    const { instance } = await WebAssembly.instantiate(mb.encode(), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    const own = instance.exports as { exp: (x: number) => number; tanh: (x: number) => number };
    return probeValues().every((x) => Object.is(own.exp(x), Math.exp(x)) && Object.is(own.tanh(x), Math.tanh(x)));
  } catch {
    return false;
  }
}
