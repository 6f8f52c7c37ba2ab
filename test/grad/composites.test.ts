import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads, sizeOf } from "../../src/testing/index.js";

/**
 * The composites (src/composites.ts and the composites of src/ops.ts) have no gradient rule of
 * their own: their VJPs come from the primitives they are built of. These properties check them
 * against float64 central differences on random shapes and values.
 */

const RUNS = { numRuns: 20 };

async function check1(f: (x: gg.Expr) => gg.Expr, shape: readonly number[], values: ArrayLike<number>): Promise<void> {
  await checkGrads(f, [{ shape, values }]);
}

/** `n` values pairwise 0.15 apart (in [−n/8, n/8]): no ties, none within the differences' step of one. */
const spreadValues = (n: number): fc.Arbitrary<number[]> => arb.values(n, { min: -n / 8, max: n / 8, distinct: 0.15 });

/** A shape of rank >= 1 with an axis of it, given negative half the time. */
const shapeWithAxisArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<{ shape: number[]; axis: number }> =>
  fc
    .array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank })
    .chain((shape) => fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis) => ({ shape, axis })));

describe("elementwise composites match finite differences", () => {
  // relu and leakyRelu have a kink at 0: values stay 1e-3 away from it (h is 1e-5).
  const cases: readonly [string, (x: gg.Expr) => gg.Expr, number, number, number][] = [
    ["sigmoid", gg.sigmoid, -12, 12, 0],
    ["relu", gg.relu, -2, 2, 1e-3],
    ["softplus", gg.softplus, -12, 12, 0],
    ["square", gg.square, -3, 3, 0],
  ];
  for (const [name, f, min, max, away] of cases) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 3, maxDim: 3 }), min, max, awayFromZero: away }), async ({ shape, data }) => check1(f, shape, data)),
        RUNS,
      );
    });
  }

  it("leakyRelu (random alpha)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 3, maxDim: 3 }), min: -2, max: 2, awayFromZero: 1e-3 }), fc.double({ min: 0, max: 1, noNaN: true }), async ({ shape, data }, alpha) =>
        check1((x) => gg.leakyRelu(x, alpha), shape, data),
      ),
      RUNS,
    );
  });
});

describe("normalizing composites match finite differences", () => {
  for (const [name, f] of [
    ["softmax", gg.softmax],
    ["logSoftmax", gg.logSoftmax],
  ] as const) {
    it(`${name} (random axis)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          shapeWithAxisArb().chain((c) => arb.values(sizeOf(c.shape), { min: -5, max: 5 }).map((values) => ({ ...c, values }))),
          async ({ shape, axis, values }) => check1((x) => f(x, axis), shape, values),
        ),
        RUNS,
      );
    });
  }
});

describe("reducing composites match finite differences", () => {
  it("mean (random axes, negative ones included, keepdims, or all axes)", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.tensor({ shape: arb.shape({ maxRank: 3, maxDim: 4 }) }).chain((t) =>
          fc
            .tuple(fc.option(arb.axes(t.shape.length), { nil: undefined }), fc.boolean(), fc.boolean())
            .map(([axes, negate, keepdims]) => ({ t, axes: negate ? axes?.map((a) => a - t.shape.length) : axes, keepdims })),
        ),
        async ({ t, axes, keepdims }) => check1((x) => gg.mean(x, axes, keepdims), t.shape, t.data),
      ),
      RUNS,
    );
  });

  it("min (random axes, keepdims; entries kept apart so there are no ties)", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.shape({ maxRank: 3, maxDim: 4 }).chain((shape) =>
          fc
            .tuple(spreadValues(sizeOf(shape)), fc.option(arb.axes(shape.length), { nil: undefined }), fc.boolean())
            .map(([values, axes, keepdims]) => ({ shape, values, axes, keepdims })),
        ),
        async ({ shape, values, axes, keepdims }) => check1((x) => gg.min(x, axes, keepdims), shape, values),
      ),
      RUNS,
    );
  });

  it("l2Loss", async () => {
    await fc.assert(
      fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 3, maxDim: 4 }) }), async ({ shape, data }) => check1(gg.l2Loss, shape, data)),
      RUNS,
    );
  });
});

describe("dense matches finite differences", () => {
  const activations: readonly (((z: gg.Expr) => gg.Expr) | undefined)[] = [undefined, gg.tanh, gg.sigmoid, gg.softplus];
  it("with and without bias and activation, x of rank 2 or 3", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .record({
            batch: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
            k: fc.integer({ min: 1, max: 3 }),
            n: fc.integer({ min: 1, max: 3 }),
            withBias: fc.boolean(),
            activation: fc.integer({ min: 0, max: activations.length - 1 }),
          })
          .chain((c) =>
            fc
              .tuple(arb.values(sizeOf(c.batch) * c.k), arb.values(c.k * c.n), arb.values(c.n))
              .map(([xv, wv, bv]) => ({ ...c, xv, wv, bv })),
          ),
        async ({ batch, k, n, withBias, activation, xv, wv, bv }) => {
          const act = activations[activation];
          const inputs = [
            { shape: [...batch, k], values: xv },
            { shape: [k, n], values: wv },
            ...(withBias ? [{ shape: [n], values: bv }] : []),
          ];
          await checkGrads((x, w, b) => gg.dense(x, w, b, act), inputs);
        },
      ),
      RUNS,
    );
  });
});

describe("shape composites match finite differences", () => {
  it("expandDims then squeeze (random axis)", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.tensor({ shape: arb.shape({ maxRank: 3, maxDim: 3 }) }).chain((t) => fc.integer({ min: -t.shape.length - 1, max: t.shape.length }).map((axis) => ({ t, axis }))),
        async ({ t: { shape, data }, axis }) => {
          await check1((x) => {
            const e = gg.expandDims(x, axis);
            expect(e.rank).toBe(shape.length + 1);
            return gg.mul(gg.squeeze(gg.mul(e, e), axis < 0 ? axis + shape.length + 1 : axis), x);
          }, shape, data);
        },
      ),
      RUNS,
    );
  });

  it("stack (random axis, 1 to 3 operands)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(arb.shape({ maxRank: 2, maxDim: 3 }), fc.integer({ min: 1, max: 3 }))
          .chain(([shape, count]) =>
            fc
              .tuple(fc.integer({ min: -shape.length - 1, max: shape.length }), fc.array(arb.values(sizeOf(shape)), { minLength: count, maxLength: count }))
              .map(([axis, vals]) => ({ axis, inputs: vals.map((values) => ({ shape, values })) })),
          ),
        async ({ axis, inputs }) => {
          await checkGrads((...xs) => gg.stack(xs, axis), inputs);
        },
      ),
      RUNS,
    );
  });
});

describe("oneHot and argmax (not differentiable) compose with differentiable code", () => {
  it("sum(oneHot(argmax(x)) · x) has the one-hot mask as its gradient (random axis)", async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeWithAxisArb(3, 4).chain((c) =>
          spreadValues(sizeOf(c.shape)).map((values) => ({ ...c, values })),
        ),
        async ({ shape, axis, values }) => {
          const a = axis < 0 ? axis + shape.length : axis;
          // Move the argmax axis last, where oneHot puts its depth.
          const perm = [...[...Array(shape.length).keys()].filter((i) => i !== a), a];
          await check1((x) => {
            const picked = gg.oneHot(gg.argmax(x, axis), shape[a] as number, "float64");
            expect(picked.shape).toEqual(perm.map((p) => shape[p] as number));
            return gg.sum(gg.mul(picked, gg.transpose(x, perm)), -1);
          }, shape, values);
        },
      ),
      RUNS,
    );
  });

  it("a loss that reaches x only through argmax has a zero gradient of x's shape", async () => {
    await fc.assert(
      fc.asyncProperty(shapeWithAxisArb(3, 4).chain((c) => spreadValues(sizeOf(c.shape)).map((values) => ({ ...c, values }))), async ({ shape, axis, values }) => {
        const x = gg.input("x", shape, "float64");
        const depth = shape[axis < 0 ? axis + shape.length : axis] as number;
        const loss = gg.sum(gg.mul(gg.oneHot(gg.argmax(x, axis), depth, "float64"), gg.expandDims(gg.cast(gg.argmax(x, axis), "float64"), -1)));
        const r = await gg.evaluate({ loss, g: gg.grad(loss, x) }, { x: gg.tensorFrom(Float64Array.from(values), "float64", shape) });
        const g = r["g"] as gg.Tensor;
        expect(Number.isFinite((r["loss"] as gg.Tensor).item())).toBe(true);
        expect(g.shape).toEqual(shape);
        expect(Array.from(g.data).every((v) => v === 0)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("sigmoid at large |x|", () => {
  /** Reference values in float64: σ(x) and σ'(x) = e^-|x| / (1 + e^-|x|)², both without cancellation. */
  const reference = (x: number): { s: number; ds: number } => {
    const z = Math.exp(-Math.abs(x));
    return { s: x >= 0 ? 1 / (1 + z) : z / (1 + z), ds: z / ((1 + z) * (1 + z)) };
  };

  /** σ and dσ/dx of `xs`, elementwise, in a dtype. */
  async function sigmoidAndGrad(xs: readonly number[], dtype: "float32" | "float64"): Promise<{ s: number[]; ds: number[] }> {
    const x = gg.input("x", [xs.length], dtype);
    const s = gg.sigmoid(x);
    const ds = gg.grad(gg.sum(s), x);
    const r = await gg.evaluate({ s, ds }, { x: gg.tensorFrom(Float64Array.from(xs), dtype, [xs.length]) });
    return { s: Array.from((r["s"] as gg.Tensor).data), ds: Array.from((r["ds"] as gg.Tensor).data) };
  }

  it("is exactly 1 and 0 at ±1e4 with gradient 0, in float64 and float32", async () => {
    for (const dtype of ["float64", "float32"] as const) {
      const { s, ds } = await sigmoidAndGrad([1e4, -1e4], dtype);
      expect(s).toEqual([1, 0]);
      expect(ds.map(Math.abs)).toEqual([0, 0]);
    }
  });

  // Relative tolerances: a handful of roundings (exp, add, div, the gradient's mul/div), each
  // within half an ulp: 2e-15 (~9 ulp) in float64 (measured up to 5.6e-16 over 2e5 points) and
  // 6e-7 (~5 ulp) in float32 (measured up to 2.7e-7). `tiny` absorbs results below the dtype's
  // smallest normal number, where precision is absolute (subnormals).
  for (const [dtype, tol, tiny] of [
    ["float64", 2e-15, 2.3e-308],
    ["float32", 6e-7, 1.2e-38],
  ] as const) {
    it(`is finite and correct for |x| <= 1e4 in ${dtype}, with gradient σ(1 - σ)`, async () => {
      const landmarks = [0, 1, 20, 40, 88, 104, 200, 745, 1e3, 1e4].flatMap((v) => [v, -v]);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 16 }), async (random) => {
          const xs = [...landmarks, ...random].map((v) => (dtype === "float32" ? Math.fround(v) : v));
          const { s, ds } = await sigmoidAndGrad(xs, dtype);
          xs.forEach((x, i) => {
            const ref = reference(x);
            const si = s[i] as number;
            const dsi = ds[i] as number;
            expect(Number.isFinite(si) && Number.isFinite(dsi)).toBe(true);
            expect(Math.abs(si - ref.s)).toBeLessThanOrEqual(tol * ref.s + tiny);
            expect(Math.abs(dsi - ref.ds)).toBeLessThanOrEqual(tol * ref.ds + tiny);
          });
        }),
        RUNS,
      );
    });
  }
});
