import fc from "fast-check";
import type { DType } from "../../../ir/dtype.js";

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
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** One value of a dtype (bool as 0 or 1; float32 values exactly representable in float32). */
export function scalarValue(options: ValueOptions = {}): fc.Arbitrary<number> {
  const { dtype = "float64", finite = true, awayFromZero = 0 } = options;
  if (dtype === "bool") return fc.boolean().map((b) => (b ? 1 : 0));
  if (dtype === "int32") return fc.integer({ min: Math.max(Math.ceil(options.min ?? INT32_MIN), INT32_MIN), max: Math.min(Math.floor(options.max ?? INT32_MAX), INT32_MAX) });
  const min = options.min ?? -2;
  const max = options.max ?? 2;
  const inRange =
    dtype === "float32"
      ? fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true })
      : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  const kept = awayFromZero > 0 ? inRange.filter((v) => Math.abs(v) >= awayFromZero) : inRange;
  return finite ? kept : fc.oneof({ arbitrary: kept, weight: 4 }, { arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0), weight: 1 });
}

/** `count` values of a dtype, as `scalarValue` draws them. */
export function values(count: number, options: ValueOptions = {}): fc.Arbitrary<number[]> {
  return fc.array(scalarValue(options), { minLength: count, maxLength: count });
}
