import { GraphgradError } from "../../ir/errors.js";

/**
 * Histograms as TensorFlow's `HistogramProto` with TensorFlow's default buckets: limits ±1e-12·1.1^k
 * up to 1e20, then ±DBL_MAX, and 0; bucket i counts the values v with limit[i-1] <= v < limit[i].
 * As TensorFlow writes them, each run of empty buckets is collapsed into one (ending at the run's
 * last limit), so a histogram of a few values has a few buckets.
 */

const LIMITS: readonly number[] = (() => {
  const positive: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v);
  positive.push(Number.MAX_VALUE);
  return Object.freeze([...positive.map((v) => -v).reverse(), 0, ...positive]);
})();

export interface Histogram {
  readonly min: number;
  readonly max: number;
  readonly num: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly bucketLimit: readonly number[];
  readonly bucket: readonly number[];
}

/** The index of the first limit greater than `v` (its bucket). */
function bucketOf(v: number): number {
  let lo = 0;
  let hi = LIMITS.length - 1; // DBL_MAX itself falls in the last bucket
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((LIMITS[mid] as number) > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The histogram of finite values; `where` names the series in errors. */
export function histogramOf(values: ArrayLike<number>, where: string): Histogram {
  if (values.length === 0) throw new GraphgradError(where, "a histogram needs at least one value, got none");
  const counts = new Float64Array(LIMITS.length);
  let [min, max, sum, sumSquares] = [Infinity, -Infinity, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new GraphgradError(where, `value ${v} at index ${i}: a histogram holds finite values only`);
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sumSquares += v * v;
    const b = bucketOf(v);
    counts[b] = (counts[b] as number) + 1;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < LIMITS.length; ) {
    let end = LIMITS[i] as number;
    const count = counts[i++] as number;
    if (count === 0) {
      while (i < LIMITS.length && counts[i] === 0) end = LIMITS[i++] as number;
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  return { min, max, num: values.length, sum, sumSquares, bucketLimit, bucket };
}
