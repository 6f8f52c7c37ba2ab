import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERF, erf } from "../../ir/ops/erf.js";
import * as gg from "../../src/index.js";

/**
 * graphgrad's float64 erf (the semantics of the primitive) against erf computed with 420-bit
 * fixed-point integers, independently of the library: π from Machin's formula, erf(x)/x from its
 * Taylor series (2/√π)·Σ (−x²)ⁿ/(n!(2n+1)), whose cancellation (up to 2⁵² for |x| = 6) the extra
 * bits absorb. Errors are measured in units in the last place (ulp) of the exact value.
 */
const Q = 420n;
const ONE = 1n << Q;

function atanInverse(x: bigint): bigint {
  let sum = 0n;
  let term = ONE / x;
  for (let k = 0n; term !== 0n; k++) {
    sum += (k % 2n === 0n ? term : -term) / (2n * k + 1n);
    term /= x * x;
  }
  return sum;
}

function integerSqrt(n: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const PI = 4n * (4n * atanInverse(5n) - atanInverse(239n));
const TWO_OVER_SQRT_PI = (2n * ONE * ONE) / integerSqrt(PI << Q);

/** |x| = m·2^e exactly. */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  const fraction = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return biased === 0 ? { m: fraction, e: -1074 } : { m: fraction | (1n << 52n), e: biased - 1075 };
}

const shift = (v: bigint, by: number): bigint => (by >= 0 ? v << BigInt(by) : v >> BigInt(-by));

/** erf(|x|)/|x|, times 2^Q. */
function erfRatio(x: number): bigint {
  const { m, e } = decompose(x);
  const u = shift(m * m, 2 * e + Number(Q)); // x²·2^Q
  let power = ONE; // x²ⁿ/n!
  let sum = ONE;
  for (let n = 1n; power !== 0n; n++) {
    power = (power * u) / (ONE * n);
    const term = power / (2n * n + 1n);
    sum += n % 2n === 1n ? -term : term;
  }
  return (sum * TWO_OVER_SQRT_PI) >> Q;
}

/** (candidate − erf(x)) in units in the last place of erf(x), for finite non-zero x. */
function ulpError(x: number, candidate: number): number {
  const { m, e } = decompose(x);
  const exact = m * erfRatio(x); // erf(|x|)·2^(Q − e)
  const c = decompose(candidate);
  const diff = (candidate < 0 === x < 0 ? 1n : -1n) * shift(c.m, c.e - e + Number(Q)) - exact;
  // ulp(erf) = 2^max(⌊log2 erf⌋ − 52, −1074); erf = exact·2^(e − Q).
  const log2 = exact.toString(2).length - 1 + e - Number(Q);
  const ulpExponent = Math.max(log2 - 52, -1074);
  const scale = ulpExponent - e + Number(Q); // diff / 2^scale ulps
  return Number(shift(diff, 64 - scale)) / 2 ** 64;
}

/** The bound the measurements support (largest seen: 0.73, for |x| < 0.5; 0.66 elsewhere). */
const ERF_ULPS = 0.8;

describe("erf (float64 reference semantics)", () => {
  it("is within 0.8 ulp of 420-bit values over |x| < 6, tiny and subnormal arguments included", () => {
    const magnitudes = fc.oneof(
      fc.nat(2 ** 31 - 1).map((i) => (6 * i) / 2 ** 31), // uniform over [0, 6)
      fc.double({ min: 2 ** -1074, max: 6, noNaN: true }), // every exponent down to subnormals
    );
    let worst = 0;
    fc.assert(
      fc.property(magnitudes, fc.boolean(), (a, negative) => {
        if (a === 0) return true;
        const x = negative ? -a : a;
        const err = Math.abs(ulpError(x, erf(x)));
        worst = Math.max(worst, err);
        return err < ERF_ULPS;
      }),
      { numRuns: 4000 },
    );
    expect(worst).toBeGreaterThan(0.3); // the check measures something
  });

  it("is within 0.8 ulp on the edges of its tables and at its centres", () => {
    const edges = [0.5, 6].concat(Array.from({ length: 22 }, (_, i) => 0.5 + 0.25 * i), Array.from({ length: 22 }, (_, i) => 0.625 + 0.25 * i));
    for (const p of edges) {
      for (const x of [p, p - 2 ** -50, p + 2 ** -50, p * (1 - 2 ** -53), p * (1 + 2 ** -52)]) {
        expect(Math.abs(ulpError(x, erf(x))), String(x)).toBeLessThan(ERF_ULPS);
      }
    }
  });

  it("special values: odd, erf(±0) = ±0, erf(±Infinity) = ±1, NaN, and 1 from 6 on", () => {
    expect(Object.is(erf(0), 0)).toBe(true);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect([erf(Infinity), erf(-Infinity), erf(6), erf(-7.5), erf(1e300)]).toEqual([1, -1, 1, -1, 1]);
    expect(erf(NaN)).toBeNaN();
    expect(erf(5e-324)).toBe(5e-324); // 2/√π·2⁻¹⁰⁷⁴ rounds to the smallest subnormal
    fc.assert(fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => Object.is(erf(-x), -erf(x))));
    // Just below 6, 1 − erf is below half an ulp of 1 already.
    expect(erf(5.99)).toBe(1);
  });

  it("is monotone non-decreasing on a fine grid across its pieces", () => {
    let previous = -Infinity;
    const decreasing: number[] = [];
    for (let x = -6.5; x <= 6.5; x += 1 / 4096) {
      const y = erf(x);
      if (y < previous) decreasing.push(x);
      previous = y;
    }
    expect(decreasing).toEqual([]);
  });

  it("its portable source (what a WASM worker evaluates) gives exactly the same function", () => {
    const rebuilt = new Function(`"use strict"; return ${ERF.source};`)() as (x: number) => number;
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -7, max: 7 }), fc.double()), (x) => Object.is(rebuilt(x), erf(x))),
      { numRuns: 3000 },
    );
    expect(ERF.fn).toBe(erf);
  });

  it("gg.erf folds, runs on JS and WASM and differentiates as 2/√π·e^(−x²)", async () => {
    const x = gg.input("x", [5], "float64");
    const values = [-3, -0.7, 0, 0.3, 2.5];
    const [g] = gg.grad(gg.sum(gg.erf(x)), [x]);
    for (const backend of ["js", "wasm"] as const) {
      const r = await gg.evaluate({ y: gg.erf(x), g, folded: gg.erf(gg.constant(values, "float64")) }, { x: values }, { backend });
      expect(Array.from(r.y.data)).toEqual(values.map(erf));
      expect(Array.from(r.folded.data)).toEqual(values.map(erf));
      Array.from(r.g.data).forEach((v, i) => expect(v).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-((values[i] as number) ** 2)), 14));
    }
    expect(gg.erf(gg.input("i", [2], "int32")).dtype).toBe("float32");
  });
});
