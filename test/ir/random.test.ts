import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { threefry2x32 } from "../../ir/random.js";
import * as gg from "../../src/index.js";

/**
 * The counter-based generator: Threefry-2x32 (20 rounds) against the Random123 known-answer
 * vectors, the element-by-element definition of the random ops (what every backend must
 * reproduce), determinism per key, and the moments of the distributions.
 */

const hex = (words: readonly number[]): string[] => words.map((w) => (w >>> 0).toString(16).padStart(8, "0"));

/** The values of an expression as plain numbers. */
async function values(e: gg.Expr): Promise<number[]> {
  return Array.from((await gg.evaluate(e)).data as ArrayLike<number>);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The unbiased sample variance. */
function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1);
}

describe("threefry2x32", () => {
  // Random123's kat_vectors, "threefry2x32 20 ctr0 ctr1 key0 key1 -> out0 out1".
  it("reproduces the known-answer vectors of the Random123 paper", () => {
    expect(hex(threefry2x32(0, 0, 0, 0))).toEqual(["6b200159", "99ba4efe"]);
    expect(hex(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff))).toEqual(["1cb996fc", "bb002be7"]);
    expect(hex(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3))).toEqual(["c4923a9c", "483df7a0"]);
  });

  it("returns unsigned 32-bit words, and signed key words mean the same bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.nat(), (k0, k1, c) => {
        const [a, b] = threefry2x32(k0, k1, c, 0);
        expect(Number.isInteger(a) && a >= 0 && a < 2 ** 32).toBe(true);
        expect(Number.isInteger(b) && b >= 0 && b < 2 ** 32).toBe(true);
        expect(threefry2x32(k0 >>> 0, k1 >>> 0, c, 0)).toEqual([a, b]);
      }),
      { numRuns: 50 },
    );
  });
});

describe("random ops, element by element", () => {
  const seedArb = fc.integer({ min: 0, max: 2 ** 53 - 1 });

  it("uniform element i is the top 24 bits of word 0 of threefry(key, [i, 0]), divided by 2^24", async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, async (seed) => {
        const key = gg.random.key(seed);
        const [k0, k1] = await values(key);
        const got = await values(gg.random.uniform(key, [2, 5], { dtype: "float64" }));
        const want = got.map((_, i) => Math.floor(threefry2x32(k0 as number, k1 as number, i, 0)[0] / 256) / 16777216);
        expect(got).toEqual(want);
      }),
      { numRuns: 20 },
    );
  });

  it("normal element i is Box-Muller of both words of threefry(key, [i, 0])", async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, async (seed) => {
        const key = gg.random.key(seed);
        const [k0, k1] = await values(key);
        const got = await values(gg.random.normal(key, [7], { dtype: "float64" }));
        const want = got.map((_, i) => {
          const [w0, w1] = threefry2x32(k0 as number, k1 as number, i, 0);
          const u1 = (Math.floor(w0 / 256) + 1) / 16777216; // in (0, 1], so the log is finite
          const u2 = Math.floor(w1 / 256) / 16777216;
          return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        });
        expect(got).toEqual(want);
      }),
      { numRuns: 20 },
    );
  });

  it("float32 and float64 uniform give identical values (24-bit mantissas are exact in both)", async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, async (seed) => {
        const key = gg.random.key(seed);
        const f32 = await values(gg.random.uniform(key, [64], { dtype: "float32" }));
        const f64 = await values(gg.random.uniform(key, [64], { dtype: "float64" }));
        expect(f32).toEqual(f64);
      }),
      { numRuns: 20 },
    );
  });

  it("float32 normal is float64 normal rounded to float32", async () => {
    const key = gg.random.key(11);
    const f32 = await values(gg.random.normal(key, [64], { dtype: "float32" }));
    const f64 = await values(gg.random.normal(key, [64], { dtype: "float64" }));
    expect(f32).toEqual(f64.map(Math.fround));
  });
});

describe("keys", () => {
  it("the same key gives the same numbers, in separately built and compiled graphs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 53 - 1 }), async (seed) => {
        const a = await values(gg.random.normal(gg.random.key(seed), [3, 4]));
        const b = await gg.compile({ outputs: { z: gg.random.normal(gg.random.key(seed), [3, 4]) } });
        const again = Array.from((await b.run())["z"]?.data as ArrayLike<number>);
        expect(again).toEqual(a);
        expect(Array.from((await b.run())["z"]?.data as ArrayLike<number>)).toEqual(a);
      }),
      { numRuns: 10 },
    );
  });

  it("different keys give different numbers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 53 - 1 }), { minLength: 2, maxLength: 2 }),
        async ([s1, s2]) => {
          const a = await values(gg.random.uniform(gg.random.key(s1 as number), [64], { dtype: "float64" }));
          const b = await values(gg.random.uniform(gg.random.key(s2 as number), [64], { dtype: "float64" }));
          // Two independent 24-bit uniforms coincide with probability 2^-24: more than one tie in 64 is a bug.
          expect(a.filter((v, i) => v === b[i]).length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("seeds that differ only above bit 32 give different keys", async () => {
    expect(await values(gg.random.key(2 ** 32 + 5))).not.toEqual(await values(gg.random.key(5)));
  });

  it("split gives distinct keys, different from the parent, deterministically", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 2, max: 6 }), async (seed, n) => {
        const parent = gg.random.key(seed);
        const keys = gg.random.split(parent, n);
        expect(keys).toHaveLength(n);
        const words = await Promise.all(keys.map(values));
        for (const w of words) expect(w).toHaveLength(2);
        const all = [await values(parent), ...words].map((w) => w.join(","));
        expect(new Set(all).size).toBe(n + 1);
        // Splitting again gives the same keys.
        expect(await Promise.all(gg.random.split(parent, n).map(values))).toEqual(words);
        // And the streams of the children differ.
        const streams = await Promise.all(keys.map((k) => values(gg.random.uniform(k, [16], { dtype: "float64" }))));
        expect(new Set(streams.map((s) => s.join(","))).size).toBe(n);
      }),
      { numRuns: 10 },
    );
  });
});

describe("distributions (10^4 samples; bounds at 5 standard errors)", () => {
  const n = 10_000;

  it("uniform lies in [0, 1) with mean 1/2 and variance 1/12", async () => {
    const u = await values(gg.random.uniform(gg.random.key(2024), [100, 100], { dtype: "float64" }));
    expect(u).toHaveLength(n);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    // Standard error of the mean: sqrt(1/12 / n). Of the variance: sqrt((mu4 - sigma^4) / n), mu4 = 1/80.
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
  });

  it("normal has mean 0 and variance 1", async () => {
    const z = await values(gg.random.normal(gg.random.key(7), [n], { dtype: "float64" }));
    expect(z.every(Number.isFinite)).toBe(true);
    // Standard error of the mean: 1/sqrt(n). Of the variance: sqrt((mu4 - sigma^4) / n) = sqrt(2/n).
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it("uniform's minval/maxval and normal's mean/stddev rescale", async () => {
    const u = await values(gg.random.uniform(gg.random.key(3), [n], { dtype: "float64", minval: -2, maxval: 4 }));
    expect(u.every((v) => v >= -2 && v < 4)).toBe(true);
    expect(Math.abs(mean(u) - 1)).toBeLessThan(5 * Math.sqrt(36 / 12 / n));
    const z = await values(gg.random.normal(gg.random.key(4), [n], { dtype: "float64", mean: 10, stddev: 0.5 }));
    expect(Math.abs(mean(z) - 10)).toBeLessThan(5 * 0.5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 0.25)).toBeLessThan(5 * 0.25 * Math.sqrt(2 / n));
  });
});
