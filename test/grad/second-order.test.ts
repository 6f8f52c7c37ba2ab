import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads, type GradInput, sizeOf } from "../../src/testing/index.js";

/**
 * Second order: for a scalar f, g(x) = grad(f(x), x) is itself an expression, so `checkGrads`
 * with order 2 compares the VJP of the gradient (a Hessian-vector product, cᵀ·∇²f) with central
 * differences of the analytic gradient, and in forward mode the JVP of a JVP with central
 * differences of the analytic JVP. Extra inputs of f give the mixed partials.
 *
 * The tolerance stays at 1e-6: the differences are taken of an exact (analytic) gradient, so
 * their error is the usual h²·g'''/6 + ε·|g|/h ≈ 1e-10 + 1e-11 for h = 1e-5 and values of order 1.
 */

const RUNS = { numRuns: 15 };

/** Checks the second derivatives of scalar f (every block of its Hessian, the mixed partials included). */
async function checkHessian(f: (...xs: gg.Expr[]) => gg.Expr, inputs: readonly GradInput[]): Promise<void> {
  await checkGrads(
    (...xs) => {
      const y = f(...xs);
      expect(y.rank).toBe(0);
      return y;
    },
    inputs,
    { order: 2 },
  );
}

/** A shape of rank >= 1 with an axis of it (possibly negative) and values in [-3, 3]. */
const withAxisArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.tuple(fc.integer({ min: -shape.length, max: shape.length - 1 }), arb.values(sizeOf(shape), { min: -3, max: 3 })).map(([axis, values]) => ({ shape, axis, values })),
  );

describe("grad of grad matches finite differences of grad", () => {
  it("tanh chain: Σ tanh(tanh(x)·x)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 2, maxDim: 4 }) }), async (x) => {
        await checkHessian((v) => gg.sum(gg.tanh(gg.mul(gg.tanh(v), v))), [x]);
      }),
      RUNS,
    );
  });

  it("exp chain: Σ exp(tanh(x))·exp(0.3x)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 2, maxDim: 4 }) }), async (x) => {
        await checkHessian((v) => gg.sum(gg.mul(gg.exp(gg.tanh(v)), gg.exp(gg.mul(v, 0.3)))), [x]);
      }),
      RUNS,
    );
  });

  it("mul with broadcasting: Σ x·x·y·exp(y), mixed partials in y", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.broadcastShapes(2).chain(([a, b]) =>
          fc.tuple(arb.values(sizeOf(a as number[])), arb.values(sizeOf(b as number[]))).map(([va, vb]) => [
            { shape: a as number[], values: va },
            { shape: b as number[], values: vb },
          ]),
        ),
        async (inputs) => {
          await checkHessian((a, b) => gg.sum(gg.mul(gg.mul(a, a), gg.mul(b, gg.exp(b)))), inputs);
        },
      ),
      RUNS,
    );
  });

  it("softmax (random axis): Σ softmax(x)·tanh(x)", async () => {
    await fc.assert(
      fc.asyncProperty(withAxisArb, async ({ shape, axis, values }) => {
        await checkHessian((v) => gg.sum(gg.mul(gg.softmax(v, axis), gg.tanh(v))), [{ shape, values }]);
      }),
      RUNS,
    );
  });

  it("logSoftmax (random axis): Σ logSoftmax(x)²", async () => {
    await fc.assert(
      fc.asyncProperty(withAxisArb, async ({ shape, axis, values }) => {
        await checkHessian((v) => gg.sum(gg.square(gg.logSoftmax(v, axis))), [{ shape, values }]);
      }),
      RUNS,
    );
  });

  it("sigmoid: Σ sigmoid(x)·x (x = 0, where its two branches meet, always included)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.values(5, { min: -6, max: 6 }), async (values) => {
        await checkHessian((v) => gg.sum(gg.mul(gg.sigmoid(v), v)), [{ shape: [6], values: [0, ...values] }]);
      }),
      RUNS,
    );
  });
});

describe("Hessian-vector products of a 2-layer tanh MLP", () => {
  // x [4, 3] -> tanh(x·w1 + b1) [4, 5] -> ·w2 + b2 [4, 2]; mean squared error against y.
  const [batch, nIn, nHidden, nOut] = [4, 3, 5, 2];
  const paramShapes = [
    [nIn, nHidden],
    [nHidden],
    [nHidden, nOut],
    [nOut],
  ];

  it("∇²L·v for all parameters at once (every block of the Hessian)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(
          arb.values(batch * nIn),
          arb.values(batch * nOut),
          fc.tuple(...paramShapes.map((s) => arb.values(sizeOf(s), { min: -1, max: 1 }))),
        ),
        async ([xv, yv, pv]) => {
          const x = gg.reshape(gg.constant(xv, "float64"), [batch, nIn]);
          const y = gg.reshape(gg.constant(yv, "float64"), [batch, nOut]);
          const inputs = paramShapes.map((shape, i) => ({ shape, values: pv[i] as number[] }));
          // Order 2 differentiates the gradient of every parameter, flattened into one vector:
          // its VJP is the Hessian (all blocks, w1-w1 through b2-b2) times the cotangent.
          await checkHessian((w1, b1, w2, b2) => {
            const out = gg.dense(gg.dense(x, w1, b1, gg.tanh), w2, b2);
            return gg.mean(gg.square(gg.sub(out, y)));
          }, inputs);
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe("closed forms", () => {
  it("d²/dx² tanh(x) = -2 tanh(x)(1 - tanh²(x))", async () => {
    await fc.assert(
      fc.asyncProperty(arb.values(16, { min: -5, max: 5 }), async (values) => {
        const x = gg.input("x", [values.length], "float64");
        // tanh is elementwise, so the gradient of Σ tanh'(x) is the diagonal of the Hessian.
        const second = gg.grad(gg.sum(gg.grad(gg.sum(gg.tanh(x)), x)), x);
        const got = await gg.evaluate(second, { x: gg.tensorFrom(Float64Array.from(values), "float64", [values.length]) });
        values.forEach((v, i) => {
          const t = Math.tanh(v);
          const expected = -2 * t * (1 - t * t);
          // A few roundings of values of order 1: agreement to ~10 ulp of the largest term.
          expect(Math.abs((got.data[i] as number) - expected)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected)));
        });
      }),
      RUNS,
    );
  });
});
