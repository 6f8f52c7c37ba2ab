/**
 * A small seeded pseudo-random generator for host-side data handling (shuffling): mulberry32
 * (Tommy Ettinger's 32-bit generator; state += 0x6D2B79F5, then two xorshift-multiply rounds).
 * It is not graphgrad's `gg.random` (threefry, used for everything computed in a graph, such as
 * initial weights); it only orders examples, where a fast, dependency-free, exactly
 * reproducible sequence is all that is needed. Same seed, same sequence, on every platform.
 */
export type Rng = () => number;

/** A generator of uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates, drawing from `rng`). */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}
