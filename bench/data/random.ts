/**
 * The harness's own seeded generator, so every implementation gets bit-identical float32 data
 * and initial parameters (no library's RNG is used). mulberry32: state += 0x6D2B79F5, then two
 * xorshift-multiply rounds; uniform floats keep 24 bits, so they are exact in float32.
 */
export type Rng = () => number;

/** Uniform numbers in [0, 1), each exactly representable as a float32. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 8) / 16777216;
  };
}

export function uniform(r: Rng, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Normal samples by Box–Muller (1 − u keeps the logarithm finite). */
export function normal(r: Rng, n: number, mean = 0, stddev = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - r()));
    const angle = 2 * Math.PI * r();
    out[i] = mean + stddev * radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = mean + stddev * radius * Math.sin(angle);
  }
  return out;
}

/** Integers uniform in [0, m). */
export function integers(r: Rng, n: number, m: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(r() * m));
}

/** Rows of one-hot float32 vectors for class indices. */
export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}
