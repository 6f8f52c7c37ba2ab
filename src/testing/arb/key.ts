import fc from "fast-check";
import type { Expr } from "../../expr.js";
import { key as randomKey } from "../../random.js";

/** A random key, `gg.random.key(seed)` for a seed drawn from 0..2⁵³−1, for models that draw random numbers. */
export function key(): fc.Arbitrary<Expr> {
  return fc.maxSafeNat().map((seed) => randomKey(seed));
}
