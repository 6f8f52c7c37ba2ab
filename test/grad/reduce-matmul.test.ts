import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads, type InputValues, sizeOf } from "../../src/testing/index.js";

/**
 * VJPs of reduceSum, reduceMax and (batched, broadcasting) matmul against float64 central
 * differences, and reduceMax's tie rule against its explicit expected value.
 */

const RUNS = { numRuns: 15 };

/** Axes as a user may give them: a random subset in random order, some counted from the end, or undefined (all). */
interface Reduction {
  readonly shape: number[];
  readonly axes: number[] | undefined;
  readonly keepdims: boolean;
}

const reductionArb = (maxRank = 4, maxDim = 3): fc.Arbitrary<Reduction> =>
  arb.shape({ maxRank, maxDim }).chain((shape) =>
    fc
      .tuple(
        fc.option(
          arb.axes(shape.length).chain((axes) =>
            fc.array(fc.boolean(), { minLength: axes.length, maxLength: axes.length }).map((fromEnd) => axes.map((a, i) => (fromEnd[i] ? a - shape.length : a))),
          ),
          { nil: undefined },
        ),
        fc.boolean(),
      )
      .map(([axes, keepdims]) => ({ shape, axes, keepdims })),
  );

/** The reduced axes, normalized. */
const reducedAxes = (r: Reduction): Set<number> =>
  new Set(r.axes === undefined ? r.shape.map((_, i) => i) : r.axes.map((a) => (a < 0 ? a + r.shape.length : a)));

/** The shape a reduction gives. */
function reducedShape(r: Reduction): number[] {
  const axes = reducedAxes(r);
  return r.shape.flatMap((d, i) => (!axes.has(i) ? [d] : r.keepdims ? [1] : []));
}

/** For each element of the input, the flat index of the output element it is reduced into. */
function groupOf(r: Reduction): number[] {
  const axes = reducedAxes(r);
  return Array.from({ length: sizeOf(r.shape) }, (_, flat) => {
    let rest = flat;
    let out = 0;
    let stride = 1;
    for (let axis = r.shape.length - 1; axis >= 0; axis--) {
      const d = r.shape[axis] as number;
      const coord = rest % d;
      rest = Math.floor(rest / d);
      if (axes.has(axis)) continue;
      out += coord * stride;
      stride *= d;
    }
    return out;
  });
}

function checkReduction(op: (x: gg.Expr, axes: number[] | undefined, keepdims: boolean) => gg.Expr, r: Reduction, values: number[]) {
  return checkGrads(
    (x) => {
      const y = op(x, r.axes, r.keepdims);
      expect(y.shape).toEqual(reducedShape(r));
      return y;
    },
    [{ shape: r.shape, values }],
  );
}

/** `n` values pairwise 0.15 apart (in [−n/8, n/8]): one maximum per group, never within the differences' step of a tie. */
const spreadValues = (n: number): fc.Arbitrary<number[]> => arb.values(n, { min: -n / 8, max: n / 8, distinct: 0.15 });

describe("reductions: VJPs match finite differences (random axes subsets, keepdims true and false)", () => {
  it("reduceSum", async () => {
    await fc.assert(
      fc.asyncProperty(
        reductionArb().chain((r) => arb.values(sizeOf(r.shape)).map((values) => ({ r, values }))),
        async ({ r, values }) => {
          await checkReduction(gg.sum, r, values);
        },
      ),
      RUNS,
    );
  });

  it("reduceMax (distinct values: one maximum per group, away from ties)", async () => {
    await fc.assert(
      fc.asyncProperty(
        reductionArb().chain((r) => spreadValues(sizeOf(r.shape)).map((values) => ({ r, values }))),
        async ({ r, values }) => {
          await checkReduction(gg.max, r, values);
        },
      ),
      RUNS,
    );
  });
});

/** The VJP of max(x, axes, keepdims) for the cotangent `ct`, as a flat array. */
async function maxVjp(r: Reduction, values: readonly number[], ct: readonly number[]): Promise<number[]> {
  const x = gg.input("x", r.shape, "float64");
  const y = gg.max(x, r.axes, r.keepdims);
  const cotangent = gg.input("ct", y.shape, "float64");
  const g = gg.grad(y, x, { cotangent });
  const out = await gg.evaluate(g, {
    x: gg.tensorFrom(Float64Array.from(values), "float64", r.shape),
    ct: gg.tensorFrom(Float64Array.from(ct), "float64", reducedShape(r)),
  });
  return Array.from(out.data);
}

/** JAX's rule, computed directly: each maximum of a group gets c / (number of maxima in the group), the others 0. */
function tieRule(r: Reduction, values: readonly number[], ct: readonly number[]): { expected: number[]; mostMaxima: number } {
  const group = groupOf(r).map((g) => ({ g, c: ct[g] as number }));
  const top = ct.map(() => -Infinity);
  values.forEach((v, i) => {
    const { g } = group[i] as { g: number };
    top[g] = Math.max(top[g] as number, v);
  });
  const count = ct.map(() => 0);
  values.forEach((v, i) => {
    const { g } = group[i] as { g: number };
    if (v === top[g]) count[g] = (count[g] as number) + 1;
  });
  const expected = values.map((v, i) => {
    const { g, c } = group[i] as { g: number; c: number };
    return v === top[g] ? c / (count[g] as number) : 0;
  });
  return { expected, mostMaxima: Math.max(...count) };
}

describe("reduceMax: ties split the gradient evenly", () => {
  it("an explicit example", async () => {
    // Row 0 has its max 3 twice, row 1 its max 2 twice; over everything, 3 appears twice.
    const r: Reduction = { shape: [2, 3], axes: [1], keepdims: false };
    expect(await maxVjp(r, [3, 1, 3, 2, 2, 0], [1.5, 0.75])).toEqual([0.75, 0, 0.75, 0.375, 0.375, 0]);
    expect(await maxVjp({ shape: [2, 3], axes: undefined, keepdims: true }, [3, 1, 3, 2, 2, 0], [3])).toEqual([1.5, 0, 1.5, 0, 0, 0]);
    expect(await maxVjp({ shape: [3], axes: [0], keepdims: false }, [-1, -1, -1], [1])).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it("random shapes, axes and many ties: each maximum of a group gets c / (number of maxima)", async () => {
    await fc.assert(
      fc.asyncProperty(
        reductionArb(3, 3)
          .chain((r) => fc.array(fc.integer({ min: -1, max: 1 }), { minLength: sizeOf(r.shape), maxLength: sizeOf(r.shape) }).map((values) => ({ r, values })))
          .chain(({ r, values }) =>
            fc.array(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { minLength: sizeOf(reducedShape(r)), maxLength: sizeOf(reducedShape(r)) }).map((ct) => ({ r, values, ct })),
          )
          // Only cases that have a tie somewhere (most do).
          .filter(({ r, values, ct }) => tieRule(r, values, ct).mostMaxima >= 2),
        async ({ r, values, ct }) => {
          const { expected } = tieRule(r, values, ct);
          const actual = await maxVjp(r, values, ct);
          // c / n is one correctly rounded division either way.
          actual.forEach((a, i) => expect(Math.abs(a - (expected[i] as number))).toBeLessThanOrEqual(2 ** -52 * Math.abs(expected[i] as number)));
        },
      ),
      { numRuns: 25 },
    );
  });
});

/** Batch shapes of two operands that broadcast together (from a base of rank 1-2, sizes 2-3). */
const batchShapesArb = arb.broadcastPair({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 3 });

/** A matmul case: [...batchA, m, k] x [...batchB, k, n] (ranks 2 to 4) and the shape of the product. */
const matmulArb: fc.Arbitrary<{ a: InputValues; b: InputValues; out: number[] }> = fc
  .tuple(batchShapesArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
  .chain(([[batchA, batchB], m, k, n]) => {
    const sa = [...batchA, m, k];
    const sb = [...batchB, k, n];
    const rank = Math.max(batchA.length, batchB.length);
    const outBatch = Array.from({ length: rank }, (_, i) => Math.max(batchA[i - rank + batchA.length] ?? 1, batchB[i - rank + batchB.length] ?? 1));
    return fc
      .tuple(arb.values(sizeOf(sa)), arb.values(sizeOf(sb)))
      .map(([va, vb]) => ({ a: { shape: sa, values: va }, b: { shape: sb, values: vb }, out: [...outBatch, m, n] }));
  });

describe("matmul: VJP matches finite differences", () => {
  it("batch dims and batch broadcasting, ranks 2 to 4", async () => {
    await fc.assert(
      fc.asyncProperty(matmulArb, async ({ a, b, out }) => {
        await checkGrads(
          (x, y) => {
            const z = gg.matmul(x, y);
            expect(z.shape).toEqual(out);
            return z;
          },
          [a, b],
        );
      }),
      { numRuns: 20 },
    );
  });

  it("the same operand on both sides (x·x, batched): both contributions add up", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(arb.shape({ maxRank: 2, maxDim: 3 }), fc.integer({ min: 1, max: 3 })).chain(([batch, k]) => arb.values(sizeOf(batch) * k * k).map((values) => ({ shape: [...batch, k, k], values }))),
        async (x) => {
          await checkGrads((e) => gg.matmul(e, e), [x]);
        },
      ),
      RUNS,
    );
  });
});
