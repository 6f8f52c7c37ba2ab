import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { arb, checkGrads } from "../src/testing/index.js";

/**
 * Each loss against its formula in plain JS on random inputs (float64), and its gradient against
 * central finite differences (`checkGrads`).
 */

const { losses } = gg;

/** A random [rows, classes] case: rows 1..3, classes 2..4. */
const dimsArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }));
const rowsOf = (vs: readonly number[], k: number): number[][] => Array.from({ length: vs.length / k }, (_, i) => vs.slice(i * k, i * k + k));

async function evalF64(f: (xs: gg.Expr[]) => gg.Expr, inputs: readonly { shape: readonly number[]; values: readonly number[] }[]): Promise<number[]> {
  const xs = inputs.map((inp, i) => gg.input(`x${i}`, inp.shape, "float64"));
  const feeds: Record<string, gg.Tensor> = {};
  inputs.forEach((inp, i) => (feeds[`x${i}`] = gg.tensorFrom(Float64Array.from(inp.values), "float64", inp.shape)));
  return [...(await gg.evaluate(f(xs), feeds)).data];
}

function expectAllClose(actual: readonly number[], expected: readonly number[], rel = 1e-13): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1))) throw new Error(`element ${i}: got ${a}, expected ${e}`);
  });
}

// ---- Plain-JS definitions ----

const logSumExp = (row: readonly number[]): number => {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
};
/** TF softmax_cross_entropy_with_logits: -Σ_k labels_k · log softmax(logits)_k, per row. */
const softmaxCE = (labels: readonly number[], logits: readonly number[]): number => {
  const lse = logSumExp(logits);
  return -labels.reduce((s, l, k) => s + l * ((logits[k] as number) - lse), 0);
};
/** TF sparse_softmax_cross_entropy_with_logits: -log softmax(logits)_label. */
const sparseCE = (label: number, logits: readonly number[]): number => logSumExp(logits) - (logits[label] as number);
const softplus = (y: number): number => Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
/** -z log σ(x) - (1 - z) log(1 - σ(x)) = z·softplus(-x) + (1 - z)·softplus(x). */
const sigmoidCE = (z: number, x: number): number => z * softplus(-x) + (1 - z) * softplus(x);
const clip = (p: number, eps: number): number => Math.min(Math.max(p, eps), 1 - eps);

describe("losses against their formulas", () => {
  it("meanSquaredError: mean((labels - predictions)²)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) => fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: -3, max: 3 }), arb.values(n * k, { min: -3, max: 3 }))),
        async ([shape, l, p]) => {
          const got = await evalF64(([a, b]) => losses.meanSquaredError(a as gg.Expr, b as gg.Expr), [{ shape, values: l }, { shape, values: p }]);
          expectAllClose(got, [l.reduce((s, v, i) => s + (v - (p[i] as number)) ** 2, 0) / l.length]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("categoricalCrossEntropy: -Σ labels·log(clip(p, 1e-7, 1 - 1e-7)) per row (p = 0 and 1 included)", async () => {
    const prob = fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }));
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) => fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: 0, max: 1 }), fc.array(prob, { minLength: n * k, maxLength: n * k }))),
        async ([shape, l, p]) => {
          const k = shape[1] as number;
          const got = await evalF64(([a, b]) => losses.categoricalCrossEntropy(a as gg.Expr, b as gg.Expr), [{ shape, values: l }, { shape, values: p }]);
          const want = rowsOf(l, k).map((row, r) => -row.reduce((s, li, j) => s + li * Math.log(clip(p[r * k + j] as number, 1e-7)), 0));
          expect(got.every(Number.isFinite)).toBe(true);
          expectAllClose(got, want);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("softmaxCrossEntropyWithLogits: -Σ labels·log softmax(logits) per row, stable for large logits", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) => fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: 0, max: 1 }), arb.values(n * k, { min: -5, max: 5 }), fc.constantFrom(1, 100, 1e4))),
        async ([shape, l, x, scale]) => {
          const k = shape[1] as number;
          const logits = x.map((v) => v * scale);
          const got = await evalF64(([a, b]) => losses.softmaxCrossEntropyWithLogits(a as gg.Expr, b as gg.Expr), [{ shape, values: l }, { shape, values: logits }]);
          const want = rowsOf(l, k).map((row, r) => softmaxCE(row, logits.slice(r * k, r * k + k)));
          expectAllClose(got, want, 1e-13 * scale);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("sparseSoftmaxCrossEntropyWithLogits: logsumexp(logits) - logits[label] per row", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) =>
          fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: -5, max: 5 }), fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n })),
        ),
        async ([shape, x, labels]) => {
          const k = shape[1] as number;
          const got = await evalF64(([a]) => losses.sparseSoftmaxCrossEntropyWithLogits(gg.constant(labels, "int32"), a as gg.Expr), [{ shape, values: x }]);
          expectAllClose(
            got,
            labels.map((y, r) => sparseCE(y, x.slice(r * k, r * k + k))),
          );
          // ... the same as the dense form with one-hot labels
          const oneHot = labels.flatMap((y) => Array.from({ length: k }, (_, j) => (j === y ? 1 : 0)));
          expectAllClose(got, rowsOf(oneHot, k).map((row, r) => softmaxCE(row, x.slice(r * k, r * k + k))));
        },
      ),
      { numRuns: 20 },
    );
  });

  it("sigmoidCrossEntropyWithLogits: -z log σ(x) - (1 - z) log(1 - σ(x)), elementwise", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) => fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: 0, max: 1 }), arb.values(n * k, { min: -40, max: 40 }))),
        async ([shape, z, x]) => {
          const got = await evalF64(([a, b]) => losses.sigmoidCrossEntropyWithLogits(a as gg.Expr, b as gg.Expr), [{ shape, values: z }, { shape, values: x }]);
          expectAllClose(
            got,
            z.map((zi, i) => sigmoidCE(zi, x[i] as number)),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it("l2Loss Σw²/2, l1Loss Σ|w|, huberLoss mean(½e² where |e| <= δ, δ(|e| - ½δ) beyond)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) => fc.tuple(fc.constant([n, k]), arb.values(n * k, { min: -3, max: 3 }), arb.values(n * k, { min: -3, max: 3 }), fc.double({ min: 0.1, max: 2, noNaN: true }))),
        async ([shape, a, b, delta]) => {
          const inputs = [{ shape, values: a }, { shape, values: b }];
          expectAllClose(await evalF64(([w]) => losses.l2Loss(w as gg.Expr), inputs.slice(0, 1)), [a.reduce((s, v) => s + v * v, 0) / 2]);
          expectAllClose(await evalF64(([w]) => losses.l1Loss(w as gg.Expr), inputs.slice(0, 1)), [a.reduce((s, v) => s + Math.abs(v), 0)]);
          const huber = a.map((v, i) => {
            const e = Math.abs(v - (b[i] as number));
            return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
          });
          expectAllClose(await evalF64(([l, p]) => losses.huberLoss(l as gg.Expr, p as gg.Expr, delta), inputs), [huber.reduce((s, v) => s + v, 0) / huber.length]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("huberLoss defaults to δ = 1", async () => {
    const got = await evalF64(([l, p]) => losses.huberLoss(l as gg.Expr, p as gg.Expr), [
      { shape: [3], values: [0, 0, 0] },
      { shape: [3], values: [0.5, -2, 3] },
    ]);
    expectAllClose(got, [(0.125 + 1.5 + 2.5) / 3]);
  });
});

describe("sequenceLossByExample (TF legacy_seq2seq.sequence_loss_by_example)", () => {
  /**
   * TF: log_perps = add_n([sparse_softmax_cross_entropy(logits_t, targets_t) · weights_t]);
   * if average_across_timesteps: log_perps /= add_n(weights) + 1e-12.
   */
  const reference = (logits: number[][][], targets: number[][], weights: number[][], average: boolean): number[] => {
    const n = (targets[0] as number[]).length;
    return Array.from({ length: n }, (_, i) => {
      let total = 0;
      let wsum = 0;
      logits.forEach((lt, t) => {
        const w = (weights[t] as number[])[i] as number;
        total += sparseCE((targets[t] as number[])[i] as number, lt[i] as number[]) * w;
        wsum += w;
      });
      return average ? total / (wsum + 1e-12) : total;
    });
  };

  const caseArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 })).chain(([steps, n, v]) =>
    fc.tuple(
      fc.array(arb.values(n * v, { min: -4, max: 4 }).map((vs) => rowsOf(vs, v)), { minLength: steps, maxLength: steps }),
      fc.array(fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: n, maxLength: n }), { minLength: steps, maxLength: steps }),
      fc.array(arb.values(n, { min: 0, max: 2 }), { minLength: steps, maxLength: steps }),
    ),
  );

  for (const average of [true, false]) {
    it(`list form, random weights, averageAcrossTimesteps ${average}`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async ([logits, targets, weights]) => {
          const loss = losses.sequenceLossByExample(
            logits.map((l) => gg.constant(l, "float64")),
            targets.map((t) => gg.constant(t, "int32")),
            weights.map((w) => gg.constant(w, "float64")),
            { averageAcrossTimesteps: average },
          );
          expectAllClose([...(await gg.evaluate(loss)).data], reference(logits, targets, weights, average));
        }),
        { numRuns: 20 },
      );
    });
  }

  it("the PTB form: one [N·T, V] logits tensor, flat targets and unit weights (single tensors or one-element lists)", async () => {
    const logits = [
      [0.5, -1, 2],
      [1, 1, 1],
      [-3, 0.25, 0.5],
      [2, -2, 0],
    ];
    const targets = [2, 0, 1, 1];
    const ones = [1, 1, 1, 1];
    const want = reference([logits], [targets], [ones], true);
    const asList = losses.sequenceLossByExample([gg.constant(logits, "float64")], [gg.constant(targets, "int32")], [gg.constant(ones, "float64")]);
    const single = losses.sequenceLossByExample(gg.constant(logits, "float64"), gg.constant(targets, "int32"), gg.constant(ones, "float64"));
    expectAllClose([...(await gg.evaluate(asList)).data], want);
    expectAllClose([...(await gg.evaluate(single)).data], want);
    // Unit weights divide by 1 + 1e-12: the per-example cross-entropy to ~1e-12.
    expectAllClose(want, targets.map((y, i) => sparseCE(y, logits[i] as number[])), 2e-12);
  });

  it("all-zero weights give 0 (the 1e-12 keeps the division finite)", async () => {
    const loss = losses.sequenceLossByExample([gg.constant([[1, 2]], "float64")], [gg.constant([0], "int32")], [gg.constant([0], "float64")]);
    expect([...(await gg.evaluate(loss)).data]).toEqual([0]);
  });

  it("needs as many logits, targets and weights", () => {
    const l = gg.constant([[1, 2]], "float64");
    const t = gg.constant([0], "int32");
    const w = gg.constant([1], "float64");
    expect(() => losses.sequenceLossByExample([l, l], [t], [w, w])).toThrow(gg.GraphgradError);
    expect(() => losses.sequenceLossByExample([], [], [])).toThrow(/as many logits/);
  });
});

describe("loss shape errors", () => {
  it("name the loss and both shapes", () => {
    const a = gg.input("a", [2, 3], "float64");
    const b = gg.input("b", [3, 2], "float64");
    expect(() => losses.meanSquaredError(a, b)).toThrow(/meanSquaredError.*\[2,3\].*\[3,2\]/);
    expect(() => losses.softmaxCrossEntropyWithLogits(a, b)).toThrow(gg.GraphgradError);
    expect(() => losses.sparseSoftmaxCrossEntropyWithLogits(gg.input("y", [2], "float64"), a)).toThrow(/int32/);
    expect(() => losses.sparseSoftmaxCrossEntropyWithLogits(gg.input("y", [2, 3], "int32"), a)).toThrow(/last axis/);
  });

  it("accept batch dimensions known only at run time (labels and predictions from different inputs)", async () => {
    const x = gg.input("x", [null, 2], "float64");
    const y = gg.input("y", [null, 2], "float64");
    const mse = losses.meanSquaredError(y, gg.mul(x, 2));
    const r = await gg.evaluate(mse, { x: [[1, 2], [3, 4]], y: [[2, 4], [6, 9]] });
    expect(r.item()).toBe(1 / 4);
  });
});

describe("gradients of the losses against finite differences", () => {
  const opts = { numRuns: 6 };
  const shapeCase = (min: number, max: number, awayFromZero = 0): fc.Arbitrary<{ shape: number[]; values: number[] }> =>
    dimsArb.chain(([n, k]) => arb.values(n * k, { min, max, awayFromZero }).map((values) => ({ shape: [n, k], values })));
  const pairCase = (a: [number, number], b: [number, number]): fc.Arbitrary<[{ shape: number[]; values: number[] }, { shape: number[]; values: number[] }]> =>
    dimsArb.chain(([n, k]) =>
      fc.tuple(arb.values(n * k, { min: a[0], max: a[1] }), arb.values(n * k, { min: b[0], max: b[1] })).map(([va, vb]): [{ shape: number[]; values: number[] }, { shape: number[]; values: number[] }] => [
        { shape: [n, k], values: va },
        { shape: [n, k], values: vb },
      ]),
    );

  it("meanSquaredError", async () => {
    await fc.assert(fc.asyncProperty(pairCase([-2, 2], [-2, 2]), async (c) => void (await checkGrads((a, b) => losses.meanSquaredError(a, b), c))), opts);
  });

  it("categoricalCrossEntropy (probabilities inside the clip range)", async () => {
    await fc.assert(
      fc.asyncProperty(pairCase([0, 1], [0.05, 0.95]), async (c) => void (await checkGrads((a, b) => losses.categoricalCrossEntropy(a, b), c))),
      opts,
    );
  });

  it("softmaxCrossEntropyWithLogits (labels and logits)", async () => {
    await fc.assert(
      fc.asyncProperty(pairCase([0, 1], [-3, 3]), async (c) => void (await checkGrads((a, b) => losses.softmaxCrossEntropyWithLogits(a, b), c))),
      opts,
    );
  });

  it("sparseSoftmaxCrossEntropyWithLogits", async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeCase(-3, 3).chain((c) =>
          fc.tuple(fc.constant(c), fc.array(fc.integer({ min: 0, max: (c.shape[1] as number) - 1 }), { minLength: c.shape[0] as number, maxLength: c.shape[0] as number })),
        ),
        async ([c, labels]) => void (await checkGrads((x) => losses.sparseSoftmaxCrossEntropyWithLogits(gg.constant(labels, "int32"), x), [c])),
      ),
      opts,
    );
  });

  it("sigmoidCrossEntropyWithLogits (labels and logits)", async () => {
    await fc.assert(
      fc.asyncProperty(
        dimsArb.chain(([n, k]) =>
          fc.tuple(arb.values(n * k, { min: 0, max: 1 }), arb.values(n * k, { min: -6, max: 6, awayFromZero: 1e-3 })).map(([z, x]) => [
            { shape: [n, k], values: z },
            { shape: [n, k], values: x },
          ]),
        ),
        async (c) => void (await checkGrads((z, x) => losses.sigmoidCrossEntropyWithLogits(z, x), c)),
      ),
      opts,
    );
  });

  it("l2Loss, l1Loss (away from 0) and huberLoss (away from |e| = δ)", async () => {
    await fc.assert(
      fc.asyncProperty(shapeCase(-2, 2, 1e-3), async (c) => {
        await checkGrads((w) => losses.l2Loss(w), [c]);
        await checkGrads((w) => losses.l1Loss(w), [c]);
      }),
      opts,
    );
    await fc.assert(
      fc.asyncProperty(pairCase([-2, 2], [-2, 2]), fc.double({ min: 0.2, max: 1.5, noNaN: true }), async (c, delta) => {
        fc.pre(c[0].values.every((v, i) => Math.abs(Math.abs(v - (c[1].values[i] as number)) - delta) > 1e-3));
        await checkGrads((l, p) => losses.huberLoss(l, p, delta), c);
      }),
      opts,
    );
  });

  it("sequenceLossByExample (logits and weights, both averaging modes)", async () => {
    const targets = [
      [0, 2],
      [1, 1],
    ];
    await fc.assert(
      fc.asyncProperty(arb.values(12, { min: -3, max: 3 }), arb.values(4, { min: 0.1, max: 2 }), fc.boolean(), async (lv, wv, average) => {
        const inputs = [
          { shape: [2, 3], values: lv.slice(0, 6) },
          { shape: [2, 3], values: lv.slice(6) },
          { shape: [2], values: wv.slice(0, 2) },
          { shape: [2], values: wv.slice(2) },
        ];
        await checkGrads(
          (l0, l1, w0, w1) =>
            losses.sequenceLossByExample([l0, l1], targets.map((t) => gg.constant(t, "int32")), [w0, w1], {
              averageAcrossTimesteps: average,
            }),
          inputs,
        );
      }),
      opts,
    );
  });
});
