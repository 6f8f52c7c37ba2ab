import { GraphgradError } from "../../ir/errors.js";
import { threefry2x32 } from "../../ir/random.js";
const TWO_32 = 2 ** 32;
function seedKey(seed, where) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new GraphgradError(where, `the seed must be an integer in [0, 2^53), got ${seed}`);
  return [Math.floor(seed / TWO_32) >>> 0, seed >>> 0];
}
function permutation(n, seed, stream = 0) {
  const where = "data.permutation";
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new GraphgradError(where, `n must be an integer in [0, 2^31), got ${n}`);
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_32) throw new GraphgradError(where, `the stream must be an integer in [0, 2^32), got ${stream}`);
  const [k0, k1] = seedKey(seed, where);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let counter = 0;
  for (let i = n - 1; i > 0; i--) {
    const m = i + 1;
    const limit = TWO_32 - TWO_32 % m;
    let w;
    do {
      w = threefry2x32(k0, k1, counter++, stream)[0];
    } while (w >= limit);
    const j = w % m;
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
export {
  permutation
};
