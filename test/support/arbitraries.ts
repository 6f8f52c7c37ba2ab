import fc from "fast-check";

/** fast-check generators shared by the property tests. */

/** A small concrete shape: rank 0..maxRank, sizes 1..maxDim. */
export const shapeArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: maxRank });

/**
 * Two (or more) shapes that broadcast to a common shape: each drops some leading axes of the base
 * and sets some of the remaining ones to 1.
 */
export const broadcastShapesArb = (count = 2, maxRank = 3, maxDim = 4): fc.Arbitrary<number[][]> =>
  shapeArb(maxRank, maxDim).chain((base) =>
    fc.tuple(
      ...Array.from({ length: count }, () =>
        fc.tuple(fc.integer({ min: 0, max: base.length }), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length })).map(
          ([drop, ones]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop),
        ),
      ),
    ),
  );

export const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** `n` doubles in [min, max] whose magnitude is at least `awayFromZero` (to keep off kinks and poles). */
export const valuesArb = (n: number, min = -2, max = 2, awayFromZero = 0): fc.Arbitrary<number[]> =>
  fc.array(
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((v) => Math.abs(v) >= awayFromZero),
    { minLength: n, maxLength: n },
  );
