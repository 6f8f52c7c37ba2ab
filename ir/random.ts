/**
 * The counter-based random generator every backend reproduces bit for bit: Threefry-2x32 with
 * 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the generator
 * JAX uses). Element i of a random tensor is derived from threefry(key, [i, 0]) alone, so any
 * element can be computed independently, in any order, on any device.
 */

const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Threefry-2x32 (20 rounds) of the counter (c0, c1) under the key (k0, k1), as unsigned words. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (0x1bd11bda ^ k0 ^ k1) >>> 0];
  let x0 = (c0 + (ks[0] as number)) >>> 0;
  let x1 = (c1 + (ks[1] as number)) >>> 0;
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROTATIONS[(block % 2) * 4 + r] as number) ^ x0;
    }
    // Key injection after every 4 rounds.
    const s = block + 1;
    x0 = (x0 + (ks[s % 3] as number)) >>> 0;
    x1 = (x1 + (ks[(s + 1) % 3] as number) + s) >>> 0;
  }
  return [x0, x1];
}

const TWO_M24 = 2 ** -24;

/** A uniform number in [0, 1) from the top 24 bits of a word (exact in float32 and float64). */
export function uniformFromBits(w: number): number {
  return (w >>> 8) * TWO_M24;
}

/** A standard normal by Box-Muller from two words: sqrt(-2 ln u1)·cos(2π u2), u1 in (0, 1]. */
export function normalFromBits(w0: number, w1: number): number {
  const u1 = ((w0 >>> 8) + 1) * TWO_M24;
  const u2 = (w1 >>> 8) * TWO_M24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Element i of random(key, dist): the value every backend must produce. */
export function randomElement(k0: number, k1: number, i: number, dist: "uniform" | "normal" | "bits"): number {
  const [w0, w1] = threefry2x32(k0, k1, i, 0);
  switch (dist) {
    case "bits":
      return w0 | 0;
    case "uniform":
      return uniformFromBits(w0);
    case "normal":
      return normalFromBits(w0, w1);
  }
}
