import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PtbConfig } from "../../examples/ptb/configs.js";
import { PTB_CONFIGS, ptbLearningRate } from "../../examples/ptb/configs.js";
import { DROPOUT_KEY, ptbModel, ptbParams, zeroState } from "../../examples/ptb/model.js";
import { MAX_SEED, parsePtbArgs } from "../../examples/ptb/options.js";
import { ptbIterator } from "../../examples/ptb/reader.js";
import { createPtbTrainer, evalEpoch, isProgressStep, runPtb, type StepRecord, trainEpoch, type PtbSplits } from "../../examples/ptb/train.js";
import * as gg from "../../src/index.js";

/**
 * The PTB example (seed 003) on tiny configurations and synthetic data, on the JS reference
 * backend (one check on wasm). The model's gradients against finite differences are in
 * test/nn/lstm.test.ts.
 */

/**
 * A tiny config: 2 layers, lr 1, clipping at 5 as the seed's small one, everything else small;
 * init scale 0.5 so that it learns in a few dozen steps (at 0.1 it needs hundreds).
 */
const TINY: PtbConfig = {
  ...PTB_CONFIGS.small,
  initScale: 0.5,
  numLayers: 2,
  numSteps: 4,
  hiddenSize: 8,
  batchSize: 3,
  vocabSize: 10,
  maxEpoch: 1,
  maxMaxEpoch: 3,
  lrDecay: 0.5,
};

/** A sequence in which the next id is a function of the current one (next = id + 3 mod vocab, one cycle through all ids), so a model can learn it. */
function cycle(length: number, vocab: number, start = 1): Int32Array {
  const ids = new Int32Array(length);
  let v = start;
  for (let i = 0; i < length; i++) {
    ids[i] = v;
    v = (v + 3) % vocab;
  }
  return ids;
}

/** Data whose training epoch is `steps` batches of the config (batch_len = steps·numSteps + 1). */
function splits(config: PtbConfig, steps: number): PtbSplits {
  const n = config.batchSize * (steps * config.numSteps + 1);
  return { train: cycle(n, config.vocabSize), valid: cycle(n, config.vocabSize, 2), test: cycle(n, config.vocabSize, 5) };
}

const paramsEqual = (a: Readonly<Record<string, gg.Tensor>>, b: Readonly<Record<string, gg.Tensor>>): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, t]) => {
    const u = b[k];
    return u !== undefined && t.data.length === u.data.length && t.data.every((v, i) => Object.is(v, u.data[i]));
  });

describe("PTB model: the seed's graph", () => {
  it("inputs, outputs and variables have the seed's shapes; dropout only in training with keepProb < 1", () => {
    const params = ptbParams(TINY);
    expect(params.specs.map((s) => [s.name, s.shape])).toEqual([
      ["model/embedding", [10, 8]],
      ["model/RNN/cell0/kernel", [16, 32]],
      ["model/RNN/cell0/bias", [32]],
      ["model/RNN/cell1/kernel", [16, 32]],
      ["model/RNN/cell1/bias", [32]],
      ["model/softmax_w", [8, 10]],
      ["model/softmax_b", [10]],
    ]);
    const m = ptbModel(params, TINY, { training: true });
    expect(m.inputData.shape).toEqual([3, 4]);
    expect(m.loss.shape).toEqual([12]);
    expect(m.cost.shape).toEqual([]);
    expect(m.finalState.map((s) => [s.c.shape, s.h.shape])).toEqual([[[3, 8], [3, 8]], [[3, 8], [3, 8]]]);
    expect(m.dropoutKey).toBeUndefined();
    const dropping = ptbModel(params, { ...TINY, keepProb: 0.5 }, { training: true });
    expect(dropping.dropoutKey?.node.op === "input" && dropping.dropoutKey.node.attrs.name).toBe(DROPOUT_KEY);
    expect(ptbModel(params, { ...TINY, keepProb: 0.5 }, { training: false }).dropoutKey).toBeUndefined();
    const test = ptbModel(params, TINY, { training: false, batchSize: 1, numSteps: 1 });
    expect([test.inputData.shape, test.loss.shape]).toEqual([[1, 1], [1]]);
  });

  it("initial values: uniform in [-initScale, initScale), except the LSTM biases (TF's BasicLSTMCell: zeros)", async () => {
    const values = await gg.init.values(ptbParams(TINY).specs, gg.random.key(3));
    for (const [name, t] of Object.entries(values)) {
      const data = Array.from(t.data as Float32Array);
      if (name.endsWith("/bias")) expect(data.every((v) => v === 0)).toBe(true);
      else {
        expect(data.every((v) => v >= -TINY.initScale && v < TINY.initScale)).toBe(true);
        expect(Math.max(...data.map(Math.abs))).toBeGreaterThan(TINY.initScale / 2); // spread over the range, not all near 0
      }
    }
  });
});

describe("PTB training", () => {
  it("the training perplexity falls over a few dozen steps; the log lines have the seed's formats", async () => {
    const lines: string[] = [];
    const r = await runPtb({ config: TINY, data: splits(TINY, 20), backend: "js", warmup: false, log: (l) => lines.push(l) });
    const [e1, e2, e3] = r.epochs;
    if (e1 === undefined || e2 === undefined || e3 === undefined) throw new Error("three epochs expected");
    expect(r.steps).toBe(60);
    // A uniform predictor has perplexity 10 (the first epoch is about there); the sequence is
    // deterministic given the previous id, so perplexity 1 is reachable.
    expect(e2.trainPerplexity).toBeLessThan(e1.trainPerplexity * 0.6);
    expect(e3.trainPerplexity).toBeLessThan(e2.trainPerplexity * 0.6);
    expect(e3.trainPerplexity).toBeLessThan(2);
    expect(e3.validPerplexity).toBeLessThan(2);
    expect(r.testPerplexity).toBeLessThan(2);
    const progress = /^\d\.\d{3} perplexity: \d+\.\d{3} speed: \d+ wps$/;
    expect(lines.filter((l) => progress.test(l)).length).toBe(30); // 10 per epoch
    const rest = lines.filter((l) => !progress.test(l));
    expect(rest.map((l) => l.replace(/\d+\.\d{3}$/, "X"))).toEqual([
      "Epoch: 1 Learning rate: X",
      "Epoch: 1 Train Perplexity: X",
      "Epoch: 1 Valid Perplexity: X",
      "Epoch: 2 Learning rate: X",
      "Epoch: 2 Train Perplexity: X",
      "Epoch: 2 Valid Perplexity: X",
      "Epoch: 3 Learning rate: X",
      "Epoch: 3 Train Perplexity: X",
      "Epoch: 3 Valid Perplexity: X",
      "Test Perplexity: X",
    ]);
    expect(rest[6]).toBe("Epoch: 3 Learning rate: 0.500");
    expect(rest[8]).toBe(`Epoch: 3 Valid Perplexity: ${e3.validPerplexity.toFixed(3)}`);
  });

  it("the learning rate of every step is the seed's learning_rate·lr_decay^max(epoch − max_epoch, 0), computed in the graph", async () => {
    const records: StepRecord[] = [];
    const config = { ...TINY, maxEpoch: 1, lrDecay: 0.5, maxMaxEpoch: 4 };
    const r = await runPtb({ config, data: splits(config, 3), backend: "js", warmup: false, skipTest: true, onStep: (s) => records.push(s) });
    expect(r.epochs.map((e) => e.learningRate)).toEqual([1, 1, 0.5, 0.25]);
    expect(records.map((s) => s.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    records.forEach((s) => expect(s.lr).toBe(ptbLearningRate(config, Math.floor((s.step - 1) / 3))));
  });

  it("--max-steps cuts the run in total: the epoch it ends in is the last, and it is evaluated", async () => {
    const data = splits(TINY, 6);
    const lines: string[] = [];
    const r = await runPtb({ config: TINY, data, backend: "js", warmup: false, maxSteps: 8, skipTest: true, log: (l) => lines.push(l) });
    expect(r.steps).toBe(8);
    expect(r.epochs.map((e) => e.steps)).toEqual([6, 2]);
    expect(lines.filter((l) => l.startsWith("Epoch: 2 Valid Perplexity")).length).toBe(1);
    const one = await runPtb({ config: TINY, data, backend: "js", warmup: false, maxSteps: 4, maxEpochs: 5, skipTest: true });
    expect(one.epochs.map((e) => e.steps)).toEqual([4]);
  });

  it("--eval-every prints the validation perplexity every N steps", async () => {
    const lines: string[] = [];
    const r = await runPtb({ config: TINY, data: splits(TINY, 5), backend: "js", warmup: false, evalEvery: 4, maxEpochs: 2, skipTest: true, log: (l) => lines.push(l) });
    expect(r.validHistory.map((v) => v.step)).toEqual([4, 8]);
    expect(lines.filter((l) => /^Step: \d+ Valid Perplexity: \d+\.\d{3}$/.test(l)).length).toBe(2);
    // Step 8 is not an epoch end (5 steps an epoch): the epoch-end perplexities are computed anew and differ.
    expect(r.epochs.map((e) => e.validPerplexity)).not.toContain(r.validHistory[1]?.perplexity);
    // With N = the epoch size, each epoch's validation is the one --eval-every printed, not computed twice.
    const every = await runPtb({ config: TINY, data: splits(TINY, 5), backend: "js", warmup: false, evalEvery: 5, maxEpochs: 2, skipTest: true });
    expect(every.epochs.map((e) => e.validPerplexity)).toEqual(every.validHistory.map((v) => v.perplexity));
    expect(every.epochs.map((e) => e.validPerplexity)).toEqual(r.epochs.map((e) => e.validPerplexity));
  });
});

describe("PTB state carried across batches", () => {
  const T = TINY.numSteps;
  // batch_len = 2T + 1: two training batches of T steps, or one batch of 2T steps.
  const data = cycle(TINY.batchSize * (2 * T + 1), TINY.vocabSize);
  // lr 0: the variables stay at their initial values; init scale 1 so that the state matters.
  const frozen = { ...TINY, learningRate: 0, initScale: 1 };

  it("two batches with the carried state cost exactly what one run over the concatenated sequence costs", async () => {
    const trainer = await createPtbTrainer(frozen, { backend: "js", seed: 7, trainLength: data.length });
    const state = await trainer.init();
    const r = await trainEpoch(trainer, state, data);
    expect(r.steps).toBe(2);
    expect(paramsEqual(r.state.params, state.params)).toBe(true);
    const carried = Math.log(r.perplexity) * 2 * T; // Σ cost over the two batches

    // The same variables (same seed, same shapes), unrolled 2T steps over the same rows.
    const long = { ...frozen, numSteps: 2 * T };
    const longTrainer = await createPtbTrainer(long, { backend: "js", seed: 7, trainLength: data.length });
    const longState = await longTrainer.init();
    expect(paramsEqual(longState.params, state.params)).toBe(true);
    const whole = Math.log(await evalEpoch(longTrainer, longState, "valid", data)) * 2 * T;
    expect(Math.abs(carried - whole)).toBeLessThan(1e-5 * whole);

    // Without carrying (the second batch from zeros) the cost differs: the check above can fail.
    const [b0, b1] = [...ptbIterator(data, TINY.batchSize, T)];
    if (b0 === undefined || b1 === undefined) throw new Error("two batches expected");
    const zero = zeroState(frozen, TINY.batchSize);
    const first = await trainer.evalBatch("valid", state, b0, zero);
    const second = await trainer.evalBatch("valid", state, b1, zero);
    expect(Math.abs(first.cost + second.cost - whole)).toBeGreaterThan(1e-3 * whole);
    // And the training step's final-state output is the evaluation model's final state.
    const trained = await trainer.trainBatch(state, b0, zero);
    for (const [k, v] of Object.entries(first.rnn)) expect(Array.from(trained.rnn[k]?.data ?? [])).toEqual(Array.from(v.data));
  });

  it("the state is reset to zeros at each epoch start (the seed's run_epoch)", async () => {
    const r = await runPtb({ config: frozen, data: { train: data, valid: data, test: data }, backend: "js", warmup: false, maxEpochs: 2, skipTest: true });
    const [e1, e2] = r.epochs;
    expect(e1?.trainPerplexity).toBe(e2?.trainPerplexity);
    expect(e1?.validPerplexity).toBe(e2?.validPerplexity);
  });
});

describe("PTB determinism", () => {
  const config = { ...TINY, keepProb: 0.5 }; // dropout on: the masks come from the seed too
  const data = splits(config, 4);
  const run = (seed: number) => runPtb({ config, data, backend: "js", seed, warmup: false, maxEpochs: 1, skipTest: true });

  it("the same seed gives bit-identical perplexities and variables; another seed differs", async () => {
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(a.epochs.map((e) => [e.trainPerplexity, e.validPerplexity])).toEqual(b.epochs.map((e) => [e.trainPerplexity, e.validPerplexity]));
    expect(paramsEqual(a.state.params, b.state.params)).toBe(true);
    expect(paramsEqual(a.state.params, c.state.params)).toBe(false);
    expect(a.epochs[0]?.trainPerplexity).not.toBe(c.epochs[0]?.trainPerplexity);
  });

  it("dropout draws a fresh mask each step: a step's cost depends on the step number (the key)", async () => {
    const trainer = await createPtbTrainer(config, { backend: "js", seed: 1, trainLength: data.train.length });
    const s0 = await trainer.init();
    const batch = ptbIterator(data.train, config.batchSize, config.numSteps).next().value;
    if (batch === undefined) throw new Error("a batch expected");
    const zero = zeroState(config, config.batchSize);
    const a = await trainer.trainBatch(s0, batch, zero);
    const again = await trainer.trainBatch(s0, batch, zero);
    const later = await trainer.trainBatch({ ...s0, step: 5 }, batch, zero);
    expect(again.cost).toBe(a.cost);
    expect(later.cost).not.toBe(a.cost);
  });

  it("the wasm backend trains the same model as the JS reference (float32 rounding apart)", async () => {
    const steps: Record<string, number[]> = { js: [], wasm: [] };
    for (const backend of ["js", "wasm"] as const) {
      await runPtb({ config: TINY, data: splits(TINY, 6), backend, seed: 4, warmup: false, maxEpochs: 1, skipTest: true, onStep: (s) => steps[backend]?.push(s.cost) });
    }
    expect(steps["wasm"]?.length).toBe(6);
    steps["js"]?.forEach((c, i) => expect(Math.abs((steps["wasm"]?.[i] ?? NaN) - c)).toBeLessThan(1e-4 * c));
  });
});

describe("PTB progress lines and options", () => {
  it("progress: the seed's step % (epoch_size // 10) == 10 when the interval exceeds 10; else the end of each tenth", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (n) => {
        const steps = Array.from({ length: n }, (_, i) => i);
        const printed = steps.filter((i) => isProgressStep(i, n));
        const interval = Math.floor(n / 10);
        if (interval > 10) {
          expect(printed).toEqual(steps.filter((i) => i % interval === 10));
          expect(printed.length === 10 || printed.length === 11).toBe(true);
        } else if (n >= 10) {
          expect(printed.length).toBe(10);
          expect(printed[9]).toBe(n - 1);
        } else expect(printed).toEqual(steps);
      }),
      { numRuns: 200 },
    );
  });

  it("defaults: --model small, --backend wasm, seed 0, no limits", () => {
    expect(parsePtbArgs([])).toEqual({ model: "small", backend: "wasm", maxSteps: undefined, maxEpochs: undefined, evalEvery: undefined, seed: 0, fastTest: false, scan: false, dtype: "float32", threads: undefined, help: false });
  });

  it("every option", () => {
    const o = parsePtbArgs(["--model", "test", "--backend", "js", "--max-steps", "200", "--max-epochs=3", "--eval-every", "50", "--seed", "9", "--fast-test", "--scan", "--dtype", "float64"]);
    expect(o).toEqual({ model: "test", backend: "js", maxSteps: 200, maxEpochs: 3, evalEvery: 50, seed: 9, fastTest: true, scan: true, dtype: "float64", threads: undefined, help: false });
    expect(parsePtbArgs(["--threads", "1"]).threads).toBe(1);
    expect(parsePtbArgs(["--help"]).help).toBe(true);
    for (const m of ["small", "medium", "large", "test"] as const) expect(parsePtbArgs(["--model", m]).model).toBe(m);
    expect(parsePtbArgs(["--seed", String(MAX_SEED)]).seed).toBe(MAX_SEED);
  });

  it("rejects unknown models, backends, options and malformed numbers, with the usage", () => {
    expect(() => parsePtbArgs(["--model", "huge"])).toThrow(/Invalid model: huge/);
    expect(() => parsePtbArgs(["--backend", "webgpu"])).toThrow(/--backend must be wasm or js/);
    expect(() => parsePtbArgs(["--dtype", "float16"])).toThrow(/--dtype must be float32 or float64, got 'float16'\n\nusage: npm run ptb/);
    expect(() => parsePtbArgs(["--dtype"])).toThrow(/usage/);
    expect(() => parsePtbArgs(["--scan=yes"])).toThrow(/usage/);
    expect(() => parsePtbArgs(["--threads", "0"])).toThrow(/--threads must be an integer in \[1, 64\], got '0'/);
    expect(() => parsePtbArgs(["--backend", "js", "--threads", "2"])).toThrow(/--threads applies to the wasm backend, not js\n\nusage/);
    expect(() => parsePtbArgs(["--max-step", "3"])).toThrow(/usage: npm run ptb/);
    expect(() => parsePtbArgs(["extra"])).toThrow(/usage/);
    for (const bad of ["0", "-1", "1.5", "2e3", "ten", ""]) expect(() => parsePtbArgs([`--max-steps=${bad}`])).toThrow(/--max-steps must be an integer/);
    expect(() => parsePtbArgs(["--max-steps", "-1"])).toThrow(/usage/); // node's parseArgs: an option-like value
    expect(() => parsePtbArgs(["--seed", String(MAX_SEED + 1)])).toThrow(/--seed must be an integer/);
    expect(() => parsePtbArgs(["--eval-every"])).toThrow(/usage/);
  });
});
