import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { arb, checkGrads, sizeOf } from "../../src/testing/index.js";
import { broadcastCaseArb, concatCaseArb, indexCaseArb, padCaseArb, reshapeCaseArb, sliceCaseArb } from "../support/layout-cases.js";

/**
 * VJPs of the layout and indexing primitives against float64 central differences, on random
 * shapes and values. Each property also checks the result's shape against one the test works
 * out for itself (the -1 of reshape, the size -1 of slice, the padded and concatenated sizes).
 */

const RUNS = { numRuns: 20 };

/** The one-input case: f applied to x, checked against finite differences. */
async function check1(f: (x: gg.Expr) => gg.Expr, shape: readonly number[], values: ArrayLike<number>, expectedShape?: readonly number[]): Promise<void> {
  await checkGrads((x) => {
    const y = f(x);
    if (expectedShape !== undefined) expect(y.shape).toEqual(expectedShape);
    return y;
  }, [{ shape, values }]);
}

/** An int32 constant of a shape from flat values. */
const int32Constant = (values: readonly number[], shape: readonly number[]): gg.Expr => gg.reshape(gg.constant([...values], "int32"), shape);

describe("layout VJPs match finite differences", () => {
  it("reshape (with and without -1)", async () => {
    await fc.assert(
      fc.asyncProperty(
        reshapeCaseArb().chain((c) => arb.values(sizeOf(c.from)).map((values) => ({ ...c, values }))),
        async ({ from, to, expected, values }) => {
          await check1((x) => gg.reshape(x, to), from, values, expected);
        },
      ),
      RUNS,
    );
  });

  it("transpose (random permutations)", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.tensor({ shape: arb.shape({ maxRank: 4, maxDim: 3 }) }).chain((t) => fc.tuple(fc.constant(t), arb.permutation(t.shape.length))),
        async ([{ shape, data }, perm]) => {
          await check1((x) => gg.transpose(x, perm), shape, data, perm.map((p) => shape[p] as number));
        },
      ),
      RUNS,
    );
  });

  it("broadcastTo (random compatible targets)", async () => {
    await fc.assert(
      fc.asyncProperty(
        broadcastCaseArb().chain((c) => arb.values(sizeOf(c.from)).map((values) => ({ ...c, values }))),
        async ({ from, to, values }) => {
          await check1((x) => gg.broadcastTo(x, to), from, values, to);
        },
      ),
      RUNS,
    );
  });

  it("slice (random begin and size, negative begins, size -1)", async () => {
    await fc.assert(
      fc.asyncProperty(
        sliceCaseArb().chain((c) => arb.values(sizeOf(c.shape)).map((values) => ({ ...c, values }))),
        async ({ shape, begin, size, expected, values }) => {
          await check1((x) => gg.slice(x, begin, size), shape, values, expected);
        },
      ),
      RUNS,
    );
  });

  it("pad (random paddings)", async () => {
    await fc.assert(
      fc.asyncProperty(
        padCaseArb().chain((c) => arb.values(sizeOf(c.shape)).map((values) => ({ ...c, values }))),
        async ({ shape, paddings, values }) => {
          const expected = shape.map((d, i) => d + (paddings[i] as [number, number])[0] + (paddings[i] as [number, number])[1]);
          await check1((x) => gg.pad(x, paddings), shape, values, expected);
        },
      ),
      RUNS,
    );
  });

  it("concat (random axis, 1 to 4 operands)", async () => {
    await fc.assert(
      fc.asyncProperty(
        concatCaseArb().chain((c) =>
          fc.tuple(...c.shapes.map((s) => arb.values(sizeOf(s)))).map((vals) => ({ ...c, inputs: c.shapes.map((shape, i) => ({ shape, values: vals[i] as number[] })) })),
        ),
        async ({ shapes, axis, inputs }) => {
          const expected = [...(shapes[0] as number[])];
          expected[axis] = shapes.reduce((acc, s) => acc + (s[axis] as number), 0);
          await checkGrads((...xs) => {
            const y = gg.concat(xs, axis);
            expect(y.shape).toEqual(expected);
            return y;
          }, inputs);
        },
      ),
      RUNS,
    );
  });
});

describe("indexing VJPs match finite differences", () => {
  it("gather: gradient with respect to params (rank-1 and rank-2 indices, repeats)", async () => {
    await fc.assert(
      fc.asyncProperty(
        indexCaseArb().chain((c) => arb.values(c.rows * sizeOf(c.rowShape)).map((values) => ({ ...c, values }))),
        async ({ rows, rowShape, indexShape, indices, values }) => {
          await check1((p) => gg.gather(p, int32Constant(indices, indexShape)), [rows, ...rowShape], values, [...indexShape, ...rowShape]);
        },
      ),
      RUNS,
    );
  });

  it("the gather primitive: out-of-range indices clamp, and the gradient goes to the clamped row", async () => {
    await fc.assert(
      fc.asyncProperty(
        indexCaseArb(4, true).chain((c) => arb.values(c.rows * sizeOf(c.rowShape)).map((values) => ({ ...c, values }))),
        async ({ rows, rowShape, indexShape, indices, values }) => {
          await check1((p) => prim("gather", [p, int32Constant(indices, indexShape)], {}), [rows, ...rowShape], values, [...indexShape, ...rowShape]);
        },
      ),
      RUNS,
    );
  });

  it("scatterAdd: gradient with respect to updates", async () => {
    await fc.assert(
      fc.asyncProperty(
        indexCaseArb().chain((c) => arb.values(sizeOf(c.indexShape) * sizeOf(c.rowShape)).map((values) => ({ ...c, values }))),
        async ({ rows, rowShape, indexShape, indices, values }) => {
          await check1((u) => gg.scatterAdd(u, int32Constant(indices, indexShape), rows), [...indexShape, ...rowShape], values, [rows, ...rowShape]);
        },
      ),
      RUNS,
    );
  });
});

/**
 * A loss touching every layout op and a mean over the batch axis, written for any batch size:
 * x is [B, 3] (B a number or a symbol), w is [3, 2].
 */
function batchLoss(x: gg.Expr, w: gg.Expr): gg.Expr {
  const batch = x.shape[0] as gg.Dim;
  const hidden = gg.mean(gg.mul(gg.tanh(gg.matmul(x, w)), gg.tanh(gg.matmul(x, w))));
  const widened = gg.concat([x, gg.pad(gg.slice(x, [0, 1], [-1, 2]), [[0, 0], [1, 0]])], 1); // [B, 6]
  const mixed = gg.mean(gg.sum(gg.mul(gg.softmax(widened, 1), gg.transpose(gg.transpose(widened))), 1));
  const spread = gg.broadcastTo(gg.reshape(x, [-1, 3, 1]), [batch, 3, 2]); // [B, 3, 2]
  const weighted = gg.mean(gg.sum(gg.mul(spread, w), [1, 2]));
  const rows = gg.gather(w, int32Constant([0, 2, 2, 1], [2, 2])); // [2, 2, 2]
  const picked = gg.sum(gg.mul(rows, rows));
  return gg.add(gg.add(hidden, mixed), gg.add(weighted, picked));
}

describe("symbolic batch dimension", () => {
  it("a [null, 3] graph, compiled once and run at two batch sizes, gives the concrete graphs' gradients", async () => {
    const x = gg.input("x", [null, 3], "float64");
    const w = gg.input("w", [3, 2], "float64");
    const [gx, gw] = gg.grad(batchLoss(x, w), [x, w]) as [gg.Expr, gg.Expr];
    expect(gx.shape).toEqual(x.shape);
    const symbolic = await gg.compile({ outputs: { gx, gw } });

    await fc.assert(
      fc.asyncProperty(arb.values(2 * 3), arb.values(5 * 3), arb.values(3 * 2), async (x2, x5, wv) => {
        for (const [batch, xv] of [[2, x2], [5, x5]] as const) {
          // The concrete graph's gradient is itself checked against finite differences...
          await checkGrads(batchLoss, [
            { shape: [batch, 3], values: xv },
            { shape: [3, 2], values: wv },
          ]);
          // ...and the symbolic graph must give the same numbers.
          const cx = gg.input("x", [batch, 3], "float64");
          const concrete = await gg.evaluate(gg.grad(batchLoss(cx, w), [cx, w]).reduce((acc, g, i) => ({ ...acc, [`g${i}`]: g }), {}), {
            x: gg.tensorFrom(Float64Array.from(xv), "float64", [batch, 3]),
            w: gg.tensorFrom(Float64Array.from(wv), "float64", [3, 2]),
          });
          const got = await symbolic.run({
            x: gg.tensorFrom(Float64Array.from(xv), "float64", [batch, 3]),
            w: gg.tensorFrom(Float64Array.from(wv), "float64", [3, 2]),
          });
          for (const [name, ref] of [["gx", concrete["g0"]], ["gw", concrete["g1"]]] as const) {
            const t = got[name] as gg.Tensor;
            const r = ref as gg.Tensor;
            expect(t.shape).toEqual(r.shape);
            t.data.forEach((v, i) => expect(Math.abs(v - (r.data[i] as number))).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
          }
        }
      }),
      { numRuns: 10 },
    );
  });
});
