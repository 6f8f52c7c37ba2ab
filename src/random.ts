import type { DType } from "../ir/dtype.js";
import type { Shape } from "../ir/shape.js";
import * as arg from "./args.js";
import type { Expr } from "./expr.js";

/** The most keys one `split` makes (each is an expression of its own). */
const MAX_SPLIT = 2 ** 20;
import { add, constant, mul, prim, reshape, slice } from "./ops.js";

/**
 * Explicit, counter-based randomness (Threefry-2x32, as in JAX): a key is an int32[2] expression;
 * the same key gives the same numbers on every backend. Split a key rather than reusing it.
 */

/** A key from an integer seed (0 <= seed < 2^53). */
export function key(seed: number): Expr {
  arg.number("random.key", seed, "the seed", { integer: true, min: 0 });
  const hi = Math.floor(seed / 2 ** 32);
  return constant([hi | 0, seed >>> 0 | 0], "int32");
}

/** n independent keys derived from `k`. */
export function split(k: Expr, n = 2): Expr[] {
  arg.expr("random.split", k, "the key");
  arg.number("random.split", n, "the number of keys", { integer: true, min: 1, max: MAX_SPLIT });
  const bits = splitRows(k, n);
  return Array.from({ length: n }, (_, i) => reshape(slice(bits, [i, 0], [1, 2]), [2]));
}

/** The n keys of `split(k, n)` as the rows of one int32[n, 2] tensor (a scan's per-step keys). */
export function splitRows(k: Expr, n: number | string): Expr {
  return prim("random", [k], { shape: [n, 2], dtype: "int32", dist: "bits" });
}

/** Uniform numbers in [minval, maxval). */
export function uniform(k: Expr, shape: Shape, options: { dtype?: DType; minval?: number; maxval?: number } = {}): Expr {
  arg.expr("random.uniform", k, "the key");
  arg.options("random.uniform", options);
  arg.optionalNumber("random.uniform", options.minval, "minval");
  arg.optionalNumber("random.uniform", options.maxval, "maxval");
  if (options.dtype !== undefined) arg.dtype("random.uniform", options.dtype);
  const { dtype = "float32", minval = 0, maxval = 1 } = options;
  const u = prim("random", [k], { shape, dtype, dist: "uniform" });
  return minval === 0 && maxval === 1 ? u : add(mul(u, maxval - minval), minval);
}

/** Normal numbers with the given mean and standard deviation. */
export function normal(k: Expr, shape: Shape, options: { dtype?: DType; mean?: number; stddev?: number } = {}): Expr {
  arg.expr("random.normal", k, "the key");
  arg.options("random.normal", options);
  arg.optionalNumber("random.normal", options.mean, "mean");
  arg.optionalNumber("random.normal", options.stddev, "stddev");
  if (options.dtype !== undefined) arg.dtype("random.normal", options.dtype);
  const { dtype = "float32", mean = 0, stddev = 1 } = options;
  const z = prim("random", [k], { shape, dtype, dist: "normal" });
  return mean === 0 && stddev === 1 ? z : add(mul(z, stddev), mean);
}
