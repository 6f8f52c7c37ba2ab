import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scalarFunction } from "../../ir/ops/elementwise.js";
import { EXP32, exp32, TANH32, tanh32 } from "../../ir/ops/float32-math.js";

/**
 * graphgrad's float32 exp and tanh (the semantics of those ops on float32) against the float64
 * functions (whose own error, under 1 unit in the last place of float64, is 2⁻²⁹ of a float32
 * one): errors in units in the last place (ulp) of float32 at the exact value. The bounds are the
 * largest errors measured over every float32 argument (exp: 0.990 at x = 70.4031, with 99.2 % of
 * arguments correctly rounded; tanh: 1.330 at x = 0.62831, 99.7 % correctly rounded); here a
 * strided sweep of all bit patterns, random arguments, and the branch points.
 */
const EXP_ULPS = 0.991;
const TANH_ULPS = 1.331;

/** The ulp of float32 at the magnitude of y (subnormal spacing below 2⁻¹²⁶). */
function ulp32(y: number): number {
  const a = Math.abs(y);
  if (a < 2 ** -126) return 2 ** -149;
  const e = Math.floor(Math.log2(a));
  return 2 ** ((2 ** e > a ? e - 1 : e) - 23);
}

const floatOfBits = (b: number): number => new Float32Array(new Uint32Array([b >>> 0]).buffer)[0] as number;

function ulpsOff(fn: (x: number) => number, ref: (x: number) => number, x: number): number {
  const exact = ref(x);
  const got = fn(x);
  if (!Number.isFinite(exact) || Math.abs(exact) > 3.4028234663852886e38) return Object.is(got, Math.fround(exact)) ? 0 : Infinity;
  return Math.abs(got - exact) / ulp32(exact);
}

/** Arguments: every 9973rd float32 bit pattern, and the float32 values around each point in `points`. */
function sweep(points: readonly number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < 2 ** 32; b += 9973) out.push(floatOfBits(b));
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (const p of points) {
    f[0] = p;
    const at = bits[0] as number;
    for (let d = -64; d <= 64; d++) out.push(floatOfBits(at + d));
  }
  return out.filter((x) => x === x);
}

describe("float32 exp and tanh", () => {
  it(`exp32 is within ${EXP_ULPS} ulp of e^x, +Inf from the overflow threshold, 0 below the underflow one`, () => {
    const args = sweep([EXP32.overflow, EXP32.underflow, -87.33655, 0.34657359, -0.34657359, 1, -1]);
    const worst = args.filter((x) => x > -110 && x < 100).reduce((w, x) => Math.max(w, ulpsOff(exp32, Math.exp, x)), 0);
    expect(worst).toBeLessThanOrEqual(EXP_ULPS);
    expect(exp32(EXP32.overflow)).toBe(Infinity);
    expect(exp32(Math.fround(88.7228)) < 3.4028234663852886e38).toBe(true);
    expect(exp32(EXP32.underflow)).toBeGreaterThan(0);
    expect(exp32(Math.fround(-103.9721))).toBe(0);
    for (const [x, y] of [[0, 1], [-0, 1], [Infinity, Infinity], [-Infinity, 0], [1e30, Infinity], [-1e30, 0]] as const) expect(exp32(x)).toBe(y);
    expect(exp32(NaN)).toBeNaN();
  });

  it(`tanh32 is within ${TANH_ULPS} ulp of tanh(x), odd, x itself for tiny x`, () => {
    const args = sweep([TANH32.split, TANH32.tiny, 9.1, 0.01, 1]);
    const worst = args.reduce((w, x) => Math.max(w, ulpsOff(tanh32, Math.tanh, x)), 0);
    expect(worst).toBeLessThanOrEqual(TANH_ULPS);
    expect(args.find((x) => !Object.is(tanh32(-x), -tanh32(x)))).toBeUndefined();
    for (const [x, y] of [[0, 0], [-0, -0], [Infinity, 1], [-Infinity, -1], [1e-30, Math.fround(1e-30)], [20, 1]] as const) expect(Object.is(tanh32(x), y)).toBe(true);
    expect(tanh32(NaN)).toBeNaN();
  });

  it("random float32 arguments: both within their bounds; the JS reference and constant folding use them", () => {
    const exp = scalarFunction("exp", "float32");
    const tanh = scalarFunction("tanh", "float32");
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -110, max: 100 }), (x) => {
        expect(ulpsOff(exp32, Math.exp, x)).toBeLessThanOrEqual(EXP_ULPS);
        expect(ulpsOff(tanh32, Math.tanh, x)).toBeLessThanOrEqual(TANH_ULPS);
        expect(Object.is(exp(x, 0, 0), exp32(x)) && Object.is(tanh(x, 0, 0), tanh32(x))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // float64 keeps the float64 functions.
    expect(scalarFunction("exp", "float64")(0.1, 0, 0)).toBe(Math.exp(0.1));
  });
});
