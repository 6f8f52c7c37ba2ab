import type { DType } from "../../ir/dtype.js";

/**
 * The distance between two values of a dtype in units in the last place: how many representable
 * values lie between them (1 for neighbours). +0 and −0 are 0 apart, as are two NaNs; a NaN and a
 * number are Infinity apart. For int32 and bool the distance is |a − b|, which is the same count.
 */
export function ulpDistance(a: number, b: number, dtype: DType): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  switch (dtype) {
    case "float32":
      return Math.abs(orderedFloat32(a) - orderedFloat32(b));
    case "float64":
      return Number(absBig(orderedFloat64(a) - orderedFloat64(b)));
    default:
      return Math.abs(a - b);
  }
}

/**
 * The bits of a float as an integer that orders like the floats: the sign-magnitude encoding
 * turned into a signed count (−0 and +0 both map to 0; neighbours differ by 1).
 */
function orderedFloat32(v: number): number {
  const bits = new Int32Array(Float32Array.of(v).buffer)[0] as number;
  return bits >= 0 ? bits : -(bits & 0x7fffffff);
}

function orderedFloat64(v: number): bigint {
  const bits = new BigInt64Array(Float64Array.of(v).buffer)[0] as bigint;
  return bits >= 0n ? bits : -(bits & 0x7fffffffffffffffn);
}

const absBig = (v: bigint): bigint => (v < 0n ? -v : v);
