import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { describeNonFinite, findNonFinite } from "../src/fit/non-finite.js";
import { formatBar, formatDuration, formatNumber } from "../src/fit/progress.js";
import { flattenTree } from "../src/optim/tree.js";

/**
 * `fit`: the loop against a hand-written one (shuffle order, averaging, final state), validation
 * metrics (loss, accuracy, perplexity), the hooks (learning-rate setter, logging, checkpoints and an
 * exact resume, early stopping, NaN/Inf), and the progress output with and without a terminal.
 */

const { data, hooks } = gg;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-fit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two Gaussian-ish blobs of 2-D points labelled 0/1/2 (deterministic). */
function blobs(n: number, offset = 0): gg.data.Dataset {
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = (i * 7 + offset) % 3;
    y[i] = c;
    x[2 * i] = [-1, 1, 0][c]! + 0.6 * Math.sin(i * 12.9898 + offset);
    x[2 * i + 1] = [0, 0, 1.2][c]! + 0.6 * Math.cos(i * 78.233 + offset);
  }
  return new data.Dataset({ x: new gg.Tensor("float64", [n, 2], x), y: new gg.Tensor("int32", [n], y) });
}

/** A float64 softmax classifier; `lr` a number, a schedule, or the fed learning-rate input. */
async function classifier(opt: "adam" | "sgd" = "adam", lr: gg.optim.LearningRate = gg.schedules.exponentialDecay({ initial: 0.3, decayRate: 0.9, decaySteps: 2 })) {
  const x = gg.input("x", [null, 2], "float64");
  const y = gg.input("y", [null], "int32");
  const w = gg.param("w", [2, 3], "float64");
  const b = gg.param("b", [3], "float64");
  const logits = gg.add(gg.matmul(x, w), b);
  const loss = gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(y, logits));
  const accuracy = gg.metrics.accuracy(y, logits);
  const optimizer = opt === "adam" ? gg.optim.adam({ lr }) : gg.optim.sgd({ lr });
  const step = await gg.trainStep({ loss, optimizer, metrics: { accuracy } });
  const state = await step.init({ w: [[0.1, -0.2, 0.05], [0.3, 0.1, -0.1]], b: [0, 0, 0] });
  return { step, state, logits, loss, accuracy };
}

function bits(state: gg.TrainState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const add = (name: string, t: unknown): void => {
    const d = (t as gg.Tensor).data;
    out[name] = [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
  };
  for (const [n, t] of Object.entries(state.params)) add(`param/${n}`, t);
  for (const [p, t] of flattenTree(state.opt)) add(`opt/${p}`, t);
  return out;
}

/** A sink that records what is written, as a terminal or not. */
function sink(isTTY: boolean, columns = 200): { write(s: string): void; isTTY: boolean; columns: number; text: () => string; parts: string[] } {
  const parts: string[] = [];
  return { write: (s) => void parts.push(s), isTTY, columns, text: () => parts.join(""), parts };
}

const quiet = { progress: false, log: () => undefined } as const;

describe("the loop", () => {
  it("runs the same steps as a hand-written loop: shuffled per epoch, metrics averaged over batches by rows", async () => {
    const { step, state } = await classifier();
    const train = blobs(23);
    const result = await gg.fit(step, state, { train, batchSize: 5, epochs: 3, shuffle: { seed: 9 }, ...quiet });

    let s = state;
    for (let epoch = 1; epoch <= 3; epoch++) {
      const order = data.permutation(23, 9, epoch);
      let sums: Record<string, number> = {};
      for (let start = 0; start < 23; start += 5) {
        const rows = order.subarray(start, Math.min(start + 5, 23));
        const [next, m] = await step.run(s, train.select(rows).columns);
        s = next;
        for (const [k, v] of Object.entries(m)) sums[k] = (sums[k] ?? 0) + v * rows.length;
      }
      sums = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / 23]));
      const record = result.history[epoch - 1]!;
      expect(Object.keys(record.train).sort()).toEqual(Object.keys(sums).sort());
      for (const [k, v] of Object.entries(sums)) expect(record.train[k]).toBeCloseTo(v, 12);
      expect([record.epoch, record.step, record.batches]).toEqual([epoch, 5 * epoch, 5]);
    }
    expect(bits(result.state)).toEqual(bits(s));
    expect(result.state.step).toBe(15);
    expect(result.stopped).toBeUndefined();
    // Training did something: the loss fell.
    expect(result.history[2]!.train["loss"]!).toBeLessThan(result.history[0]!.train["loss"]!);
  });

  it("drops the last partial batch when asked, and rejects what cannot run", async () => {
    const { step, state } = await classifier();
    const r = await gg.fit(step, state, { train: blobs(23), batchSize: 5, epochs: 2, dropRemainder: true, ...quiet });
    expect(r.history.map((h) => h.batches)).toEqual([4, 4]);
    expect(r.state.step).toBe(8);
    await expect(gg.fit(step, state, { train: blobs(3), batchSize: 5, epochs: 1, dropRemainder: true, ...quiet })).rejects.toThrow(
      "fit: the training set (3 rows) gives no batch of 5 with dropRemainder",
    );
    await expect(gg.fit(step, state, { train: blobs(3), batchSize: 2, epochs: -1, ...quiet })).rejects.toThrow("fit: epochs must be an integer >= 0, got -1");
    await expect(gg.fit(step, state, { train: blobs(3), batchSize: 1.5, epochs: 1, ...quiet })).rejects.toThrow(/batch size must be a positive integer/);
  });

  it("validation metrics: loss, accuracy (an evaluator over the whole set) and perplexity = exp(mean loss)", async () => {
    const { step, state, logits, loss, accuracy } = await classifier();
    const valid = blobs(17, 5);
    const result = await gg.fit(step, state, {
      train: blobs(30),
      batchSize: 8,
      epochs: 2,
      validation: { data: valid, batchSize: 5, metrics: { loss, accuracy } },
      perplexity: "loss",
      ...quiet,
    });
    const evaluate = await step.evaluator({ logits, loss });
    const all = await evaluate(result.state, valid.columns);
    const l = (all["logits"] as gg.Tensor).toArray() as number[][];
    const labels = [...valid.column("y").data];
    const correct = l.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
    const last = result.history[1]!;
    expect(last.validation!["accuracy"]).toBeCloseTo(correct / 17, 12);
    expect(last.validation!["loss"]).toBeCloseTo((all["loss"] as gg.Tensor).item(), 12);
    expect(last.validation!["perplexity"]).toBeCloseTo(Math.exp(last.validation!["loss"]!), 12);
    expect(last.train["perplexity"]).toBeCloseTo(Math.exp(last.train["loss"]!), 12);
    expect(last.train["accuracy"]).toBeGreaterThan(0);
  });
});

describe("hooks", () => {
  it("setLearningRate feeds the learning rate the step uses, per epoch as the seed's assign_lr", async () => {
    const lr = hooks.learningRateInput("lr", "float64");
    const { step, state } = await classifier("sgd", lr);
    const seen: [number, number][] = [];
    const spy: gg.Hook = { onStepEnd: (ctx) => void seen.push([ctx.epoch, ctx.metrics["lr"]!]) };
    const decay = ({ epoch }: { epoch: number }): number => 0.5 * 0.5 ** Math.max(epoch - 2, 0);
    const train = blobs(12);
    const r = await gg.fit(step, state, { train, batchSize: 4, epochs: 4, hooks: [hooks.setLearningRate(decay, { dtype: "float64" }), spy], ...quiet });
    expect(seen).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4].map((e) => [e, decay({ epoch: e })]));
    // The same updates by hand, feeding lr.
    let s = state;
    for (let e = 1; e <= 4; e++) for (const b of train.batches(4)) [s] = await step.run(s, { ...b, lr: decay({ epoch: e }) });
    expect(bits(r.state)).toEqual(bits(s));
    // A zero learning rate leaves the parameters as they were.
    const still = await gg.fit(step, state, { train, batchSize: 4, epochs: 1, hooks: [hooks.setLearningRate(0, { dtype: "float64" })], ...quiet });
    expect(bits(still.state)["param/w"]).toEqual(bits(state)["param/w"]);
    await expect(gg.fit(step, state, { train, batchSize: 4, epochs: 1, hooks: [hooks.setLearningRate(() => NaN)], ...quiet })).rejects.toThrow(
      "setLearningRate: the learning rate must be a finite number, got NaN at epoch 1, step 0",
    );
  });

  it("logEvery logs every N steps with the running metrics and the rate", async () => {
    const { step, state } = await classifier();
    const lines: string[] = [];
    await gg.fit(step, state, { train: blobs(20), batchSize: 4, epochs: 3, hooks: [hooks.logEvery(6)], progress: false, log: (l) => lines.push(l) });
    expect(lines.map((l) => Number(/step (\d+)/.exec(l)?.[1]))).toEqual([6, 12]);
    expect(lines[0]).toMatch(/^epoch 2  step 6  batch 1\/5  loss \d\.\d{4}  gradNorm \d\.\d{4}  lr 0\.\d{4}  accuracy \d\.\d{4}  [\d.]+ steps\/s  [\d.]+ examples\/s$/);
  });

  it("checkpointEvery saves; a stopped run resumed from its checkpoint ends bit-identical to an uninterrupted run", async () => {
    const { step, state } = await classifier();
    const options = { train: blobs(18), batchSize: 4, epochs: 3, shuffle: { seed: 3 }, ...quiet };
    const straight = await gg.fit(step, state, options);
    expect(straight.state.step).toBe(15);

    const path = join(dir, "fit.safetensors");
    const stopAt7: gg.Hook = { onStepEnd: (ctx) => (ctx.state.step === 7 ? ctx.stop("interrupted") : undefined) };
    const first = await gg.fit(step, state, { ...options, hooks: [hooks.checkpointEvery(4, { path, metadata: { run: "a" } }), stopAt7] });
    expect(first.stopped).toEqual({ reason: "interrupted", epoch: 2, step: 7 });
    expect(first.history.map((h) => [h.epoch, h.batches])).toEqual([[1, 5], [2, 2]]);
    const { state: restored, metadata } = await gg.checkpoint.load(path, state);
    expect(restored.step).toBe(7); // saved at step 4, then again when training ended at 7
    expect(metadata).toEqual({ run: "a", "fit.epoch": "2", "fit.batch": "2" });

    const resumed = await gg.fit(step, restored, { ...options, resume: true });
    expect(resumed.history.map((h) => [h.epoch, h.batches, h.step])).toEqual([[2, 3, 10], [3, 5, 15]]);
    expect(bits(resumed.state)).toEqual(bits(straight.state));
    // Without `resume` the same state would start again at epoch 1 and end elsewhere.
    const restarted = await gg.fit(step, restored, { ...options, epochs: 2 });
    expect(restarted.state.step).toBe(17);
  });

  it("earlyStopping stops when the metric has not improved for `patience` epochs", async () => {
    const { step, state } = await classifier();
    const run = async (script: number[], options: Parameters<typeof hooks.earlyStopping>[0]): Promise<gg.FitResult> => {
      let calls = 0;
      const valid = blobs(6);
      return gg.fit(step, state, {
        train: blobs(8),
        batchSize: 4,
        epochs: script.length,
        validation: { data: valid, batchSize: 6, metrics: () => ({ loss: script[calls]!, accuracy: script[calls++]! }) },
        hooks: [hooks.earlyStopping(options)],
        ...quiet,
      });
    };
    const r = await run([5, 4, 3, 3.5, 3.2, 3.1, 2, 1], { patience: 2 });
    expect(r.history).toHaveLength(5);
    expect(r.stopped).toEqual({ reason: "early stopping at epoch 5: validation loss has not improved for 2 epochs (best 3.0000 at epoch 3)", epoch: 5, step: 10 });
    expect(r.state.step).toBe(10);
    expect((await run([5, 4, 3, 3.5, 3.2, 3.1, 2, 1], { patience: 0 })).stopped?.epoch).toBe(4);
    expect((await run([5, 4.8, 4.6, 4, 3], { patience: 1, minDelta: 0.3 })).stopped?.epoch).toBe(2);
    expect((await run([5, 4.8, 4.6, 4, 3], { patience: 1 })).stopped).toBeUndefined();
    expect((await run([0.5, 0.7, 0.6, 0.65, 0.9], { patience: 2, metric: "accuracy", mode: "max" })).stopped?.epoch).toBe(4);
    expect((await run([NaN, NaN, 1], { patience: 1 })).stopped?.reason).toBe("early stopping at epoch 1: validation loss has not improved for 1 epoch (no finite value yet)");
    await expect(gg.fit(step, state, { train: blobs(8), batchSize: 4, epochs: 1, hooks: [hooks.earlyStopping({ patience: 1 })], ...quiet })).rejects.toThrow(
      "earlyStopping: no validation metric 'loss' (no validation set is configured)",
    );
  });

  describe("stopOnNonFinite", () => {
    /** Two independent regressions: a NaN in row 36 of z reaches only w2 (no clipping to mix them). */
    async function twoHeads(options: { donate?: boolean; backend?: "js" | "wasm" } = {}) {
      const x = gg.input("x", [null, 2]);
      const z = gg.input("z", [null, 2]);
      const y = gg.input("y", [null, 1]);
      const w1 = gg.param("w1", [2, 1]);
      const w2 = gg.param("w2", [2, 1]);
      const loss = gg.add(gg.losses.meanSquaredError(y, gg.matmul(x, w1)), gg.losses.meanSquaredError(y, gg.matmul(z, w2)));
      const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.01 }), ...options });
      const state = await step.init({ w1: [[0.1], [0.2]], w2: [[0.3], [0.4]] });
      const n = 50;
      const zs = new Float32Array(2 * n).map((_, i) => Math.sin(i));
      zs[2 * 36 + 1] = NaN;
      const train = new data.Dataset({
        x: new gg.Tensor("float32", [n, 2], new Float32Array(2 * n).map((_, i) => Math.cos(i))),
        z: new gg.Tensor("float32", [n, 2], zs),
        y: new gg.Tensor("float32", [n, 1], new Float32Array(n).map((_, i) => i / n)),
      });
      return { step, state, train };
    }

    it("names the first non-finite tensor of the state and the step, stops there and returns the last finite state", async () => {
      const { step, state, train } = await twoHeads();
      let epochEnds = 0;
      let seenAtEnd = -1;
      const r = await gg.fit(step, state, { train, batchSize: 1, epochs: 2, hooks: [hooks.stopOnNonFinite(), { onEpochEnd: () => void epochEnds++, onTrainEnd: (ctx) => void (seenAtEnd = ctx.state.step) }], ...quiet });
      expect(r.stopped?.reason).toBe("non-finite value in param 'w2' at step 37 (NaN at [0,0]); stopped with the last finite state (step 36)");
      expect([r.state.step, r.stopped?.step, seenAtEnd]).toEqual([36, 36, 36]);
      expect(r.history.map((h) => [h.epoch, h.batches])).toEqual([[1, 37]]);
      expect(epochEnds).toBe(0);
      // The very state 36 steps of training give.
      const reference = await gg.fit(step, state, { train: train.take(36), batchSize: 1, epochs: 1, ...quiet });
      for (const n of ["w1", "w2"]) expect([...r.state.params[n]!.data]).toEqual([...reference.state.params[n]!.data]);
      expect(gg.optim.flattenTree(r.state.opt).map(([, t]) => [...(t as gg.Tensor).data])).toEqual(gg.optim.flattenTree(reference.state.opt).map(([, t]) => [...(t as gg.Tensor).data]));
    });

    for (const backend of ["js", "wasm"] as const) {
      it(`with donate: true on ${backend}, returns a copy of the last finite state, not the overwritten one`, async () => {
        const { step, state, train } = await twoHeads({ donate: true, backend });
        const r = await gg.fit(step, state, { train, batchSize: 1, epochs: 2, hooks: [hooks.stopOnNonFinite()], ...quiet });
        expect(r.stopped?.reason).toContain("at step 37 (NaN at [0,0]); stopped with the last finite state (step 36)");
        expect(r.state.step).toBe(36);
        const reference = await gg.fit(step, state, { train: train.take(36), batchSize: 1, epochs: 1, ...quiet });
        for (const n of ["w1", "w2"]) expect([...r.state.params[n]!.data]).toEqual([...reference.state.params[n]!.data]);
        expect([...r.state.params["w2"]!.data].every(Number.isFinite)).toBe(true);
        // The copy is a state of its own: training on from it works (and is never overwritten by donation).
        const [next] = await step.run(r.state, { x: [[1, 0]], z: [[0, 1]], y: [[0.5]] });
        expect(next.step).toBe(37);
        expect([...r.state.params["w2"]!.data]).toEqual([...reference.state.params["w2"]!.data]);
      });
    }

    it("checks only the metrics when asked, and throws when asked", async () => {
      const { step, state, train } = await twoHeads();
      const r = await gg.fit(step, state, { train, batchSize: 1, epochs: 1, hooks: [hooks.stopOnNonFinite({ checkState: false })], ...quiet });
      expect(r.stopped?.reason).toBe("non-finite value in metric 'loss' at step 37 (NaN); stopped with the last finite state (step 36)");
      await expect(gg.fit(step, state, { train, batchSize: 1, epochs: 1, hooks: [hooks.stopOnNonFinite({ throw: true })], ...quiet })).rejects.toThrow(
        "fit: non-finite value in param 'w2' at step 37 (NaN at [0,0])",
      );
    });

    it("searches parameters first, then the optimizer state, then EMA shadows, then metrics", () => {
      const t = (...v: number[]): gg.Tensor => new gg.Tensor("float32", [v.length], Float32Array.from(v));
      // An optimizer state with moments `mu` (built by a function, as optimizers build theirs).
      const opt = (a: gg.Tensor, b: gg.Tensor): { _tag: string; mu: { a: gg.Tensor; b: gg.Tensor } } => ({ _tag: "S", mu: { a, b } });
      const base: gg.TrainState = { params: { a: t(1), b: t(2, 3) }, opt: opt(t(0), t(0, 0)), step: 4, ema: { a: t(1), b: t(1, 2) }, emaMetrics: {} };
      expect(findNonFinite(base, { loss: 1 })).toBeUndefined();
      const where = (s: gg.TrainState, m: Record<string, number> = {}): string => describeNonFinite(findNonFinite(s, m)!, s.step);
      expect(where(base, { loss: Infinity })).toBe("non-finite value in metric 'loss' at step 4 (Infinity)");
      expect(where({ ...base, ema: { a: t(1), b: t(1, -Infinity) } }, { loss: NaN })).toBe("non-finite value in ema 'b' at step 4 (-Infinity at [1])");
      expect(where({ ...base, opt: opt(t(0), t(0, NaN)), ema: { a: t(NaN), b: t(1, 1) } })).toBe("non-finite value in optimizer state 'mu/b' at step 4 (NaN at [1])");
      expect(where({ ...base, params: { a: t(1), b: t(Infinity, NaN) }, opt: opt(t(NaN), t(0, 0)) })).toBe("non-finite value in param 'b' at step 4 (Infinity at [0])");
      const ints: gg.TrainState = { ...base, params: { i: new gg.Tensor("int32", [1], Int32Array.of(-1)) } };
      expect(findNonFinite(ints, {})).toBeUndefined();
    });
  });
});

describe("progress output", () => {
  const run = async (out: ReturnType<typeof sink>) => {
    const { step, state } = await classifier();
    return gg.fit(step, state, {
      train: blobs(20),
      batchSize: 4,
      epochs: 2,
      validation: { data: blobs(6), metrics: { loss: (await classifier()).loss } },
      hooks: [hooks.logEvery(3)],
      progress: out,
    });
  };

  it("without a terminal: plain lines (epoch summaries and logs), no ANSI escapes or carriage returns", async () => {
    const out = sink(false);
    await run(out);
    const text = out.text();
    expect(text).not.toMatch(/[\x1b\r]/);
    const lines = text.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("epoch 1/2") || l.startsWith("epoch 2/2"))).toHaveLength(2);
    expect(lines.find((l) => l.startsWith("epoch 2/2"))).toMatch(/^epoch 2\/2  5 steps  [\d.]+s  [\d.]+ steps\/s  [\d.]+ examples\/s  loss \d\.\d{4}  gradNorm .* val_loss \d\.\d{4}$/);
    expect(lines.filter((l) => /^epoch \d  step \d+/.test(l)).map((l) => /step (\d+)/.exec(l)?.[1])).toEqual(["3", "6", "9"]);
  });

  it("on a terminal: a bar redrawn in place with the rate and ETA, cleared before each log line", async () => {
    const out = sink(true);
    await run(out);
    const text = out.text();
    expect(text).toContain("\r\x1b[Kepoch 1/2 [===>                ] 1/5  ETA ");
    expect(text).toMatch(/\] \d\/5  ETA \d+s  [\d.]+ steps\/s  [\d.]+ examples\/s  loss \d\.\d{4}/);
    // Every log line starts on a cleared line; the output ends with the bar cleared.
    expect(text).toMatch(/\r\x1b\[Kepoch 1  step 3 /);
    expect(text.endsWith("\n")).toBe(true);
    // The bar never wraps: it is cut to the terminal's width.
    const narrow = sink(true, 40);
    await run(narrow);
    const bars = narrow.parts.filter((p) => p.startsWith("\r\x1b[Kepoch 1/2 ["));
    expect(bars.length).toBeGreaterThan(0);
    for (const b of bars) expect(b.length - 4).toBe(39);
  });

  it("progress: false writes nothing but the log lines", async () => {
    const { step, state } = await classifier();
    const lines: string[] = [];
    await gg.fit(step, state, { train: blobs(8), batchSize: 4, epochs: 2, progress: false, log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });

  it("formats durations, numbers and the bar", () => {
    expect([formatDuration(4.4), formatDuration(65), formatDuration(7380), formatDuration(Infinity)]).toEqual(["4s", "1m05s", "2h03m", "?"]);
    expect([formatNumber(0.123456), formatNumber(1234.56), formatNumber(2e-5), formatNumber(NaN)]).toEqual(["0.1235", "1234.6", "2.000e-5", "NaN"]);
    expect(formatBar({ epoch: 2, epochs: 3, done: 5, total: 10, metrics: { loss: 0.5 }, stepsPerSecond: 2.5, examplesPerSecond: 80 }, 10)).toBe(
      "epoch 2/3 [====>     ] 5/10  ETA 2s  2.5 steps/s  80.0 examples/s  loss 0.5000",
    );
    expect(formatBar({ epoch: 1, epochs: 1, done: 4, total: 4, metrics: {}, stepsPerSecond: 0, examplesPerSecond: 0 }, 4)).toBe("epoch 1/1 [====] 4/4  ETA ?  0.0 steps/s  0.0 examples/s");
  });
});

describe("metrics.accuracy", () => {
  it("counts rows whose largest prediction is the label (class indices or one-hot rows)", async () => {
    const p = gg.constant([[0.1, 0.7, 0.2], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]]);
    const idx = gg.constant([1, 2, 2, 0], "int32");
    const oneHot = gg.oneHot(idx, 3);
    const r = await gg.evaluate({ a: gg.metrics.accuracy(idx, p), b: gg.metrics.accuracy(oneHot, p) });
    expect(r["a"]!.item()).toBe(0.5);
    expect(r["b"]!.item()).toBe(0.5);
    expect(() => gg.metrics.accuracy(gg.constant([[[1]]]), gg.constant([1, 2]))).toThrow("accuracy: labels [1,1,1] are neither class indices nor one-hot rows for predictions [2]");
  });
});
