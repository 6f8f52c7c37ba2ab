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

// ---- Cases for the gradient properties of layout, indexing, composites (test/grad/) ----

/** A shape with values: the input form `checkGrad` takes. */
export interface TensorCase {
  readonly shape: number[];
  readonly values: number[];
}

/** A tensor of a shape drawn from `shapes`, with values as `valuesArb` gives them. */
export const tensorCaseArb = (shapes: fc.Arbitrary<number[]>, min = -2, max = 2, awayFromZero = 0): fc.Arbitrary<TensorCase> =>
  shapes.chain((shape) => valuesArb(sizeOf(shape), min, max, awayFromZero).map((values) => ({ shape, values })));

/**
 * `n` values in [-n/4, n/4] that are pairwise at least 0.15 apart (a shuffled grid with jitter),
 * for max/min/argmax, whose gradients jump where two entries tie.
 */
export const distinctValuesArb = (n: number): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: 0, max: 0.1, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([order, jitter]) => order.map((k, i) => (k - n / 2) * 0.25 + (jitter[i] as number)));

/** A random permutation of 0..n-1. */
export const permutationArb = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

/** A subset of the axes of a rank-`rank` tensor, in random order. */
export const axesSubsetArb = (rank: number): fc.Arbitrary<number[]> => fc.shuffledSubarray([...Array(rank).keys()]);

/** Groups `factors` into consecutive products (cut points at random), possibly with a size-1 axis inserted. */
const groupedArb = (factors: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: Math.max(factors.length - 1, 0), maxLength: Math.max(factors.length - 1, 0) }),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([cuts, unitAt]) => {
      const shape: number[] = [];
      factors.forEach((f, i) => {
        if (i === 0 || cuts[i - 1] === true) shape.push(f);
        else shape[shape.length - 1] = (shape[shape.length - 1] as number) * f;
      });
      if (unitAt !== undefined) shape.splice(unitAt % (shape.length + 1), 0, 1);
      return shape;
    });

/**
 * A reshape: `from` and `to` hold the same elements (the same factors, shuffled and grouped
 * differently); `to` may have one entry replaced by -1. `expected` is `to` with the -1 filled in.
 */
export const reshapeCaseArb = (maxFactors = 3, maxFactor = 4): fc.Arbitrary<{ from: number[]; to: number[]; expected: number[] }> =>
  fc.array(fc.integer({ min: 1, max: maxFactor }), { minLength: 0, maxLength: maxFactors }).chain((factors) =>
    fc
      .tuple(groupedArb(factors), permutationArb(factors.length).chain((p) => groupedArb(p.map((i) => factors[i] as number))), fc.nat())
      .chain(([from, expected, hole]) =>
        fc.boolean().map((useHole) => ({
          from,
          expected,
          to: useHole && expected.length > 0 ? expected.map((d, i) => (i === hole % expected.length ? -1 : d)) : expected,
        })),
      ),
  );

/** numpy.broadcast_to cases: `from` drops leading axes of `to` and sets some of the others to 1. */
export const broadcastCaseArb = (maxRank = 3, maxDim = 3): fc.Arbitrary<{ from: number[]; to: number[] }> =>
  shapeArb(maxRank, maxDim).chain((to) =>
    fc
      .tuple(fc.integer({ min: 0, max: to.length }), fc.array(fc.boolean(), { minLength: to.length, maxLength: to.length }))
      .map(([drop, ones]) => ({ from: to.map((d, i) => (ones[i] ? 1 : d)).slice(drop), to })),
  );

/**
 * A slice of `shape` in the public form: begin may count from the end (negative) and size may be
 * -1 (to the end of the axis); `expected` is the shape of the result.
 */
export const sliceCaseArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<{ shape: number[]; begin: number[]; size: number[]; expected: number[] }> =>
  shapeArb(maxRank, maxDim).chain((shape) =>
    fc
      .tuple(
        ...shape.map((d) =>
          fc.integer({ min: 0, max: d - 1 }).chain((b) =>
            fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }), fc.boolean(), fc.boolean()).map(([b0, s, negBegin, toEnd]) => ({
              begin: negBegin ? b0 - d : b0,
              size: toEnd && b0 + s === d ? -1 : s,
              expected: s,
            })),
          ),
        ),
      )
      .map((axes) => ({ shape, begin: axes.map((a) => a.begin), size: axes.map((a) => a.size), expected: axes.map((a) => a.expected) })),
  );

/** Zero padding of `shape`: 0..maxPad before and after each axis. */
export const padCaseArb = (maxRank = 3, maxDim = 3, maxPad = 2): fc.Arbitrary<{ shape: number[]; paddings: [number, number][] }> =>
  shapeArb(maxRank, maxDim).chain((shape) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: maxPad }), fc.integer({ min: 0, max: maxPad })), { minLength: shape.length, maxLength: shape.length })
      .map((paddings) => ({ shape, paddings })),
  );

/** 1..maxCount shapes (rank >= 1) that agree off `axis`, where each has its own size 1..maxDim. */
export const concatCaseArb = (maxCount = 4, maxRank = 3, maxDim = 3): fc.Arbitrary<{ shapes: number[][]; axis: number }> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank }).chain((base) =>
    fc
      .tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxCount }))
      .map(([axis, sizes]) => ({ axis, shapes: sizes.map((s) => base.map((d, i) => (i === axis ? s : d))) })),
  );

/**
 * Indices (int32 values in [lo, rows + hi), so repeats are common) of rank 1 or 2, with the
 * shape of the rows they pick: rows `rows` (1..maxRows) and a trailing row shape of rank 0..2.
 */
export const indexCaseArb = (
  maxRows = 4,
  outOfRange = false,
): fc.Arbitrary<{ rows: number; rowShape: number[]; indexShape: number[]; indices: number[] }> =>
  fc
    .tuple(fc.integer({ min: 1, max: maxRows }), shapeArb(2, 3), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }))
    .chain(([rows, rowShape, indexShape]) =>
      fc
        .array(fc.integer({ min: outOfRange ? -2 : 0, max: outOfRange ? rows + 1 : rows - 1 }), {
          minLength: sizeOf(indexShape),
          maxLength: sizeOf(indexShape),
        })
        .map((indices) => ({ rows, rowShape, indexShape, indices })),
    );

// ---- Cases for the gradient properties of elementwise, reduction and matmul (test/grad/) ----

/** The value range of one operand (see `valuesArb`). */
export interface ValueRange {
  readonly min?: number;
  readonly max?: number;
  readonly awayFromZero?: number;
}

/** One tensor case per range, of shapes that broadcast together (as `broadcastShapesArb` makes them). */
export const broadcastTensorCasesArb = (ranges: readonly ValueRange[], maxRank = 3, maxDim = 3): fc.Arbitrary<TensorCase[]> =>
  broadcastShapesArb(ranges.length, maxRank, maxDim).chain((shapes) =>
    fc.tuple(
      ...ranges.map((r, i) => {
        const shape = shapes[i] as number[];
        return valuesArb(sizeOf(shape), r.min, r.max, r.awayFromZero).map((values): TensorCase => ({ shape, values }));
      }),
    ),
  );

/** `n` doubles in [min, max] at least `margin` away from every integer (off the steps of floor and trunc). */
export const offIntegerValuesArb = (n: number, min = -3, max = 3, margin = 1e-3): fc.Arbitrary<number[]> =>
  fc.array(
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((v) => Math.abs(v - Math.round(v)) >= margin),
    { minLength: n, maxLength: n },
  );
