import { describe } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import { threefry2x32 } from "../../ir/random.js";

/**
 * Seeded permutations from the counter-based Threefry-2x32 generator the random ops use: word k of
 * the stream (seed, stream) is threefry(key(seed), [k, stream]), so the same seed and stream give
 * the same permutation on every machine, and each epoch (a stream) gets an independent one.
 */

const TWO_32 = 2 ** 32;

/** The Threefry key of an integer seed, as `random.key` builds it: [high word, low word]. */
function seedKey(seed: number, where: string): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new GraphgradError(where, `the seed must be an integer in [0, 2^53), got ${describe(seed)}`);
  return [Math.floor(seed / TWO_32) >>> 0, seed >>> 0];
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates). Each swap index is drawn without bias
 * by rejection: a 32-bit word w is kept when w < 2^32 - (2^32 mod m), and then j = w mod m.
 */
export function permutation(n: number, seed: number, stream = 0): Int32Array {
  const where = "data.permutation";
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new GraphgradError(where, `n must be an integer in [0, 2^31), got ${describe(n)}`);
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_32) throw new GraphgradError(where, `the stream must be an integer in [0, 2^32), got ${describe(stream)}`);
  const [k0, k1] = seedKey(seed, where);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let counter = 0;
  for (let i = n - 1; i > 0; i--) {
    const m = i + 1;
    const limit = TWO_32 - (TWO_32 % m);
    let w: number;
    do {
      w = threefry2x32(k0, k1, counter++, stream)[0];
    } while (w >= limit);
    const j = w % m;
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
