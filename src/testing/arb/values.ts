import fc from "fast-check";
import type { DType } from "../../../ir/dtype.js";
import { GraphgradError } from "../../../ir/errors.js";

/** The values a tensor arbitrary draws. */
export interface ValueOptions {
  /** Default float64. */
  readonly dtype?: DType;
  /** Only finite values (default true); false mixes in NaN, ±Infinity and −0. */
  readonly finite?: boolean;
  /** Bounds of float values (default −2 and 2) and of int32 values (default the int32 range). */
  readonly min?: number;
  readonly max?: number;
  /** Float values at least this far from 0 (default 0): off the kink of abs and relu and the pole of 1/x. */
  readonly awayFromZero?: number;
  /** Float values at least this far from every integer (default 0, below 0.5): off the steps of floor, round and casts to int32. */
  readonly awayFromIntegers?: number;
  /**
   * Float values pairwise at least this far apart (default 0: ties allowed), for max, argmax and
   * sorting, whose derivatives jump where two values tie. Needs (count − 1)·distinct <= max − min
   * and finite values; not combined with awayFromZero or awayFromIntegers.
   */
  readonly distinct?: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** One value of a dtype (bool as 0 or 1; float32 values exactly representable in float32). */
export function scalarValue(options: ValueOptions = {}): fc.Arbitrary<number> {
  const { dtype = "float64", finite = true, awayFromZero = 0, awayFromIntegers = 0 } = options;
  if (dtype === "bool") return fc.boolean().map((b) => (b ? 1 : 0));
  if (dtype === "int32") return fc.integer({ min: Math.max(Math.ceil(options.min ?? INT32_MIN), INT32_MIN), max: Math.min(Math.floor(options.max ?? INT32_MAX), INT32_MAX) });
  if (!(awayFromIntegers >= 0 && awayFromIntegers < 0.5)) throw new GraphgradError("arb.values", `awayFromIntegers must be in [0, 0.5), got ${awayFromIntegers}`);
  const min = options.min ?? -2;
  const max = options.max ?? 2;
  const inRange =
    awayFromIntegers > 0
      ? offIntegers(min, max, awayFromIntegers, dtype)
      : dtype === "float32"
        ? fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  const kept = awayFromZero > 0 ? inRange.filter((v) => Math.abs(v) >= awayFromZero) : inRange;
  return finite ? kept : fc.oneof({ arbitrary: kept, weight: 4 }, { arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0), weight: 1 });
}

/** Floats in [min, max] at least `margin` from every integer: an integer and a fraction in [margin, 1 − margin]. */
function offIntegers(min: number, max: number, margin: number, dtype: "float32" | "float64"): fc.Arbitrary<number> {
  const round = dtype === "float32" ? Math.fround : (v: number): number => v;
  const lo = Math.floor(min);
  const hi = Math.ceil(max);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw new GraphgradError("arb.values", `awayFromIntegers needs finite bounds within ±2^53, got [${min}, ${max}]`);
  const fits = (v: number): boolean => v >= min && v <= max && Math.abs(v - Math.round(v)) >= margin;
  // The distance to the nearest integer is largest at an end of [min, max] or at a half-integer inside it.
  if (![min, max, lo + 0.5, lo + 1.5].some(fits)) {
    throw new GraphgradError("arb.values", `no value of [${min}, ${max}] is ${margin} away from every integer`);
  }
  return fc
    .tuple(fc.integer({ min: lo, max: hi }), fc.double({ min: margin, max: 1 - margin, noNaN: true }))
    .map(([k, f]) => round(k + f))
    .filter(fits);
}

/** `count` values of a dtype, as `scalarValue` draws them (or pairwise apart: `distinct`). */
export function values(count: number, options: ValueOptions = {}): fc.Arbitrary<number[]> {
  if (options.distinct !== undefined && options.distinct > 0) return distinctValues(count, options, options.distinct);
  return fc.array(scalarValue(options), { minLength: count, maxLength: count });
}

/**
 * `count` float values in [min, max], pairwise at least `gap` apart: sorted offsets in the slack
 * the gaps leave, each shifted by its rank's share of the gaps, then shuffled. (The gaps are
 * widened by a few roundings of the largest magnitude, so rounding never brings two closer.)
 */
function distinctValues(count: number, options: ValueOptions, gap: number): fc.Arbitrary<number[]> {
  const { dtype = "float64", min = -2, max = 2 } = options;
  if (dtype !== "float32" && dtype !== "float64") throw new GraphgradError("arb.values", `distinct needs a float dtype, got ${dtype}`);
  if (options.finite === false || (options.awayFromZero ?? 0) > 0 || (options.awayFromIntegers ?? 0) > 0) {
    throw new GraphgradError("arb.values", "distinct cannot be combined with finite: false, awayFromZero or awayFromIntegers");
  }
  const unit = dtype === "float32" ? 2 ** -24 : 2 ** -53;
  const step = gap + 8 * unit * Math.max(Math.abs(min), Math.abs(max), gap);
  const slack = max - min - Math.max(count - 1, 0) * step;
  if (!(slack >= 0)) throw new GraphgradError("arb.values", `${count} values ${gap} apart need a range of ${(count - 1) * gap}, but [min, max] is [${min}, ${max}]`);
  const round = dtype === "float32" ? Math.fround : (v: number): number => v;
  const order = [...Array(count).keys()];
  return fc
    .tuple(fc.array(fc.double({ min: 0, max: slack, noNaN: true }), { minLength: count, maxLength: count }), fc.shuffledSubarray(order, { minLength: count, maxLength: count }))
    .map(([offsets, ranks]) => {
      const sorted = [...offsets].sort((a, b) => a - b);
      return ranks.map((r) => round(Math.min(max, min + (sorted[r] as number) + r * step)));
    });
}
