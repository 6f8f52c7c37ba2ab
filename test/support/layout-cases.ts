import fc from "fast-check";
import { arb, sizeOf } from "../../src/testing/index.js";

/**
 * Random attributes of the layout and indexing primitives (reshape, broadcast, slice, pad, concat,
 * gather and scatterAdd), each with the result shape worked out independently, for the tests of
 * those primitives' values (test/backends/js-kernels.test.ts) and gradients (test/grad/layout.test.ts).
 * Shapes and permutations come from graphgrad/testing's `arb`.
 */

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
      .tuple(groupedArb(factors), arb.permutation(factors.length).chain((p) => groupedArb(p.map((i) => factors[i] as number))), fc.nat())
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
  arb.shape({ maxRank, maxDim }).chain((to) =>
    fc
      .tuple(fc.integer({ min: 0, max: to.length }), fc.array(fc.boolean(), { minLength: to.length, maxLength: to.length }))
      .map(([drop, ones]) => ({ from: to.map((d, i) => (ones[i] ? 1 : d)).slice(drop), to })),
  );

/**
 * A slice of `shape` in the public form: begin may count from the end (negative) and size may be
 * -1 (to the end of the axis); `expected` is the shape of the result.
 */
export const sliceCaseArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<{ shape: number[]; begin: number[]; size: number[]; expected: number[] }> =>
  arb.shape({ maxRank, maxDim }).chain((shape) =>
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
  arb.shape({ maxRank, maxDim }).chain((shape) =>
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
    .tuple(fc.integer({ min: 1, max: maxRows }), arb.shape({ maxRank: 2, maxDim: 3 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }))
    .chain(([rows, rowShape, indexShape]) =>
      fc
        .array(fc.integer({ min: outOfRange ? -2 : 0, max: outOfRange ? rows + 1 : rows - 1 }), {
          minLength: sizeOf(indexShape),
          maxLength: sizeOf(indexShape),
        })
        .map((indices) => ({ rows, rowShape, indexShape, indices })),
    );
