import type { FunctionBuilder } from "./encoder.js";
import { MATH } from "./math.js";
import { I, V } from "./opcodes.js";

/**
 * Two-lane (f64x2) forms of math.ts's exp, expm1 and tanh, emitted inline (a kernel's loop keeps
 * them free of calls), and four-lane float32 forms on top, so that elementwise kernels using them
 * stay SIMD. Each lane computes exactly what the scalar function computes (the same float64
 * operations in the same order: the argument-reduction branches of fdlibm reduce to one formula
 * with k = 0 or ±1, and the final branches are chosen lane by lane); a vector with a lane outside
 * the common range (tiny, huge, infinite or NaN) is computed lane by lane by the scalar function.
 */

type Emit = (f: FunctionBuilder) => void;

/** Fresh locals of the function being emitted. */
export type Scratch = (t: "v128") => number;

/** Pushes splat(v). */
const splat = (f: FunctionBuilder, v: number): void => void f.f64(v).simd(V.f64x2_splat);

/** Pushes 2^k for each lane of the i32x4 (low two lanes, normal exponents) on the stack, as f64x2. */
function powersOfTwo(f: FunctionBuilder): void {
  f.i32(1023).simd(V.i32x4_splat).simd(V.i32x4_add).simd(V.i64x2_extend_low_i32x4_s).i32(52).simd(V.i64x2_shl);
}

/** select(a, b, mask) lane by lane: a where the mask is set. */
function pick(f: FunctionBuilder, a: Emit, b: Emit, mask: Emit): void {
  a(f);
  b(f);
  mask(f);
  f.simd(V.v128_bitselect);
}

/** Pushes `fast()` where every lane passes `inRange` (a lane mask), else the scalar function `scalar` on each lane of local x. */
function withFallback(f: FunctionBuilder, x: number, inRange: Emit, scalar: number, fast: Emit): void {
  inRange(f);
  f.simd(V.i64x2_all_true).ifElseValue(
    "v128",
    () => fast(f),
    () => {
      f.get(x).simd(V.f64x2_extract_lane).op(0).call(scalar).simd(V.f64x2_splat);
      f.get(x).simd(V.f64x2_extract_lane).op(1).call(scalar).simd(V.f64x2_replace_lane).op(1);
    },
  );
}

/** k = trunc(x/ln2 ± 0.5) (as i32 lanes 0, 1) and the reduced r = hi - lo, hi = x - k·ln2_hi, lo = k·ln2_lo. */
function reduce(f: FunctionBuilder, x: number, l: { k: number; t: number; hi: number; lo: number; r: number }): void {
  f.get(x);
  splat(f, MATH.INV_LN2);
  f.simd(V.f64x2_mul);
  pick(f, (g) => splat(g, -0.5), (g) => splat(g, 0.5), (g) => void g.get(x).f64(0).simd(V.f64x2_splat).simd(V.f64x2_lt));
  f.simd(V.f64x2_add).simd(V.i32x4_trunc_sat_f64x2_s_zero).tee(l.k).simd(V.f64x2_convert_low_i32x4_s).set(l.t);
  f.get(x).get(l.t);
  splat(f, MATH.LN2_HI);
  f.simd(V.f64x2_mul).simd(V.f64x2_sub).set(l.hi);
  f.get(l.t);
  splat(f, MATH.LN2_LO);
  f.simd(V.f64x2_mul).set(l.lo);
  f.get(l.hi).get(l.lo).simd(V.f64x2_sub).set(l.r);
}

/** Pushes c0 + t·(c1 + t·(c2 + …)) on f64x2 lanes (t a local). */
function horner2(f: FunctionBuilder, t: number, c: readonly number[]): void {
  splat(f, c[c.length - 1] as number);
  for (let i = c.length - 2; i >= 0; i--) {
    f.get(t).simd(V.f64x2_mul);
    splat(f, c[i] as number);
    f.simd(V.f64x2_add);
  }
}

/** |x| in [lo, hi): a lane mask. */
const absWithin =
  (x: number, lo: number, hi: number): Emit =>
  (g) => {
    g.get(x).simd(V.f64x2_abs);
    splat(g, lo);
    g.simd(V.f64x2_ge).get(x).simd(V.f64x2_abs);
    splat(g, hi);
    g.simd(V.f64x2_lt).simd(V.v128_and);
  };

/** Pushes exp of the f64x2 local x; `scalar`: the index of math.ts's exp. */
export function emitExpF64x2(f: FunctionBuilder, x: number, scalar: number, scratch: Scratch): void {
  const [k, t, hi, lo, r, tt, c, y] = [scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128")];
  // 2^-28 <= |x| < 700: the reduction and the scaling by 2^k stay in normal numbers.
  withFallback(f, x, absWithin(x, 2 ** -28, 700), scalar, () => {
    reduce(f, x, { k, t, hi, lo, r });
    f.get(r).get(r).simd(V.f64x2_mul).set(tt);
    // c = r - tt·(P1 + tt·(P2 + …))
    f.get(r).get(tt);
    horner2(f, tt, MATH.P);
    f.simd(V.f64x2_mul).simd(V.f64x2_sub).set(c);
    // y = 1 - ((lo - (r·c)/(2 - c)) - hi)
    splat(f, 1);
    f.get(lo).get(r).get(c).simd(V.f64x2_mul);
    splat(f, 2);
    f.get(c).simd(V.f64x2_sub).simd(V.f64x2_div).simd(V.f64x2_sub).get(hi).simd(V.f64x2_sub).simd(V.f64x2_sub).set(y);
    // y·2^k, and exp(1) = e (V8's special case)
    pick(
      f,
      (g) => splat(g, Math.E),
      (g) => {
        g.get(y).get(k);
        powersOfTwo(g);
        g.simd(V.f64x2_mul);
      },
      (g) => {
        g.get(x);
        splat(g, 1);
        g.simd(V.f64x2_eq);
      },
    );
  });
}

/**
 * Pushes expm1 of the f64x2 local a, for lanes with 2^-54 <= |a| and -38 <= a < 700 (neither
 * expm1's early returns nor a subnormal scale): the caller checks the range.
 */
function emitExpm1Core(f: FunctionBuilder, a: number, scratch: Scratch): void {
  const v = (): number => scratch("v128");
  const [k, kk, t, hi, lo, x, c, hfx, hxs, r1, tq, e, e2, twopk, res] = [v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v(), v()];
  reduce(f, a, { k, t, hi, lo, r: x });
  f.get(k).simd(V.i64x2_extend_low_i32x4_s).set(kk);
  // c = (hi - x) - lo
  f.get(hi).get(x).simd(V.f64x2_sub).get(lo).simd(V.f64x2_sub).set(c);
  splat(f, 0.5);
  f.get(x).simd(V.f64x2_mul).set(hfx);
  f.get(x).get(hfx).simd(V.f64x2_mul).set(hxs);
  splat(f, 1);
  f.get(hxs);
  horner2(f, hxs, MATH.Q);
  f.simd(V.f64x2_mul).simd(V.f64x2_add).set(r1);
  splat(f, 3);
  f.get(r1).get(hfx).simd(V.f64x2_mul).simd(V.f64x2_sub).set(tq);
  // e = hxs·((r1 - tq)/(6 - x·tq))
  f.get(hxs).get(r1).get(tq).simd(V.f64x2_sub);
  splat(f, 6);
  f.get(x).get(tq).simd(V.f64x2_mul).simd(V.f64x2_sub).simd(V.f64x2_div).simd(V.f64x2_mul).set(e);
  f.get(k);
  powersOfTwo(f);
  f.set(twopk);
  /** Pushes a lane mask of the k lanes compared with n. */
  const kIs =
    (op: number, n: number): Emit =>
    (g) =>
      void g.get(kk).i32(n).op(I.i64_extend_i32_s).simd(V.i64x2_splat).simd(op);
  /** Pushes 2^-k. */
  const twoToMinusK: Emit = (g) => {
    g.i32(0).simd(V.i32x4_splat).get(k).simd(V.i32x4_sub);
    powersOfTwo(g);
  };
  // e for k != 0: (x·(e - c) - c) - hxs
  f.get(x).get(e).get(c).simd(V.f64x2_sub).simd(V.f64x2_mul).get(c).simd(V.f64x2_sub).get(hxs).simd(V.f64x2_sub).set(e2);
  // 20 <= k <= 56: ((x - (e + 2^-k)) + 1)·2^k
  f.get(x).get(e2);
  twoToMinusK(f);
  f.simd(V.f64x2_add).simd(V.f64x2_sub);
  splat(f, 1);
  f.simd(V.f64x2_add).get(twopk).simd(V.f64x2_mul).set(res);
  // 2 <= k < 20: ((1 - 2^-k) - (e - x))·2^k
  pick(
    f,
    (g) => {
      splat(g, 1);
      twoToMinusK(g);
      g.simd(V.f64x2_sub).get(e2).get(x).simd(V.f64x2_sub).simd(V.f64x2_sub).get(twopk).simd(V.f64x2_mul);
    },
    (g) => void g.get(res),
    kIs(V.i64x2_lt_s, 20),
  );
  f.set(res);
  // k <= -2 or k > 56: (1 - (e - x))·2^k - 1
  pick(
    f,
    (g) => {
      splat(g, 1);
      g.get(e2).get(x).simd(V.f64x2_sub).simd(V.f64x2_sub).get(twopk).simd(V.f64x2_mul);
      splat(g, 1);
      g.simd(V.f64x2_sub);
    },
    (g) => void g.get(res),
    (g) => {
      kIs(V.i64x2_le_s, -2)(g);
      kIs(V.i64x2_gt_s, 56)(g);
      g.simd(V.v128_or);
    },
  );
  f.set(res);
  // k == 1: x < -0.25 ? -2·(e - (x + 0.5)) : 1 + 2·(x - e)
  pick(
    f,
    (g) =>
      pick(
        g,
        (h) => {
          splat(h, -2);
          h.get(e2).get(x);
          splat(h, 0.5);
          h.simd(V.f64x2_add).simd(V.f64x2_sub).simd(V.f64x2_mul);
        },
        (h) => {
          splat(h, 1);
          splat(h, 2);
          h.get(x).get(e2).simd(V.f64x2_sub).simd(V.f64x2_mul).simd(V.f64x2_add);
        },
        (h) => {
          h.get(x);
          splat(h, -0.25);
          h.simd(V.f64x2_lt);
        },
      ),
    (g) => void g.get(res),
    kIs(V.i64x2_eq, 1),
  );
  f.set(res);
  // k == -1: 0.5·(x - e) - 0.5
  pick(
    f,
    (g) => {
      splat(g, 0.5);
      g.get(x).get(e2).simd(V.f64x2_sub).simd(V.f64x2_mul);
      splat(g, 0.5);
      g.simd(V.f64x2_sub);
    },
    (g) => void g.get(res),
    kIs(V.i64x2_eq, -1),
  );
  f.set(res);
  // k == 0: x - (x·e - hxs)
  pick(
    f,
    (g) => void g.get(x).get(x).get(e).simd(V.f64x2_mul).get(hxs).simd(V.f64x2_sub).simd(V.f64x2_sub),
    (g) => void g.get(res),
    kIs(V.i64x2_eq, 0),
  );
}

/** Pushes expm1 of the f64x2 local a; `scalar`: the index of math.ts's expm1. */
export function emitExpm1F64x2(f: FunctionBuilder, a: number, scalar: number, scratch: Scratch): void {
  withFallback(
    f,
    a,
    (g) => {
      g.get(a).simd(V.f64x2_abs);
      splat(g, 2 ** -54);
      g.simd(V.f64x2_ge).get(a);
      splat(g, -38);
      g.simd(V.f64x2_ge).simd(V.v128_and).get(a);
      splat(g, 700);
      g.simd(V.f64x2_lt).simd(V.v128_and);
    },
    scalar,
    () => emitExpm1Core(f, a, scratch),
  );
}

/** Pushes tanh of the f64x2 local x; `scalar`: the index of math.ts's tanh. */
export function emitTanhF64x2(f: FunctionBuilder, x: number, scalar: number, scratch: Scratch): void {
  const [ax, big, a, t, z] = [scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128"), scratch("v128")];
  // 2^-28 <= |x| < 22 (NaN fails every comparison); then expm1's argument ±2|x| is in its common range.
  withFallback(f, x, absWithin(x, 2 ** -28, 22), scalar, () => {
    f.get(x).simd(V.f64x2_abs).set(ax);
    f.get(ax);
    splat(f, 1);
    f.simd(V.f64x2_ge).set(big);
    // t = expm1(2|x|) where |x| >= 1, expm1(-2|x|) elsewhere
    pick(
      f,
      (g) => {
        splat(g, 2);
        g.get(ax).simd(V.f64x2_mul);
      },
      (g) => {
        splat(g, -2);
        g.get(ax).simd(V.f64x2_mul);
      },
      (g) => void g.get(big),
    );
    f.set(a);
    emitExpm1Core(f, a, scratch);
    f.set(t);
    // z = 1 - 2/(t + 2) where |x| >= 1, -t/(t + 2) elsewhere; with x's sign
    pick(
      f,
      (g) => {
        splat(g, 1);
        splat(g, 2);
        g.get(t);
        splat(g, 2);
        g.simd(V.f64x2_add).simd(V.f64x2_div).simd(V.f64x2_sub);
      },
      (g) => {
        g.get(t).simd(V.f64x2_neg).get(t);
        splat(g, 2);
        g.simd(V.f64x2_add).simd(V.f64x2_div);
      },
      (g) => void g.get(big),
    );
    f.set(z);
    pick(
      f,
      (g) => void g.get(z),
      (g) => void g.get(z).simd(V.f64x2_neg),
      (g) => void g.get(x).f64(0).simd(V.f64x2_splat).simd(V.f64x2_ge),
    );
  });
}

/**
 * Applies an f64x2 form (`lanes(f, x, scratch)`, pushing the result for the f64x2 local x) to the
 * f32x4 on the stack: both halves promoted to float64, computed, rounded back to float32.
 */
export function emitF32x4(f: FunctionBuilder, scratch: Scratch, lanes: (f: FunctionBuilder, x: number, scratch: Scratch) => void): void {
  const [v, x] = [scratch("v128"), scratch("v128")];
  f.tee(v).simd(V.f64x2_promote_low_f32x4).set(x);
  lanes(f, x, scratch);
  f.simd(V.f32x4_demote_f64x2_zero);
  f.get(v).get(v).shuffle32([2, 3, 0, 1]).simd(V.f64x2_promote_low_f32x4).set(x);
  lanes(f, x, scratch);
  f.simd(V.f32x4_demote_f64x2_zero);
  f.shuffle32([0, 1, 4, 5]);
}
