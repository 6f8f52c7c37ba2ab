import { describe, expect, it } from "vitest";
import { readDot } from "../../examples/data/dot.js";
import { sliceRows, toTensor } from "../../examples/data/matrix.js";
import { dotModel, initialParams as dotParams } from "../../examples/dot/model.js";
import { irisSplit } from "../../examples/iris/compare.js";
import { irisModel } from "../../examples/iris/model.js";
import { PTB_CONFIGS } from "../../examples/ptb/configs.js";
import { INPUT_DATA, ptbModel, ptbParams, stateOutputs, TARGETS, zeroState } from "../../examples/ptb/model.js";
import * as gg from "../../src/index.js";
import { expectOutputsClose, ortSession, runOrt } from "./ort.js";

/**
 * The examples' inference graphs exported and run in ONNX Runtime on real data: every output
 * within 1e-5 (1e-4 for the LSTM) of graphgrad's JS backend, relative to the output's largest
 * magnitude (`relativeError`); integer outputs exactly.
 */

async function expectSame(bytes: Uint8Array, outputs: Record<string, gg.Expr>, feeds: Record<string, gg.Tensor>, tolerance: number): Promise<Record<string, number>> {
  const names = new Set(Object.keys(feeds));
  const session = await ortSession(bytes);
  const ortFeeds = Object.fromEntries(session.inputNames.map((k) => [k, feeds[k] as gg.Tensor]));
  expect(session.inputNames.every((k) => names.has(k))).toBe(true);
  const got = await runOrt(session, ortFeeds);
  const want = await gg.evaluate(outputs, feeds);
  return expectOutputsClose(got, want, tolerance, Number.MIN_VALUE);
}

describe("ONNX export of the examples", () => {
  it("iris: the trained classifier's probabilities, loss and count of correct answers, at two batch sizes from one file", async () => {
    const m = irisModel();
    const [train, test] = irisSplit();
    const step = await gg.trainStep({ loss: m.loss, optimizer: gg.optim.adam({ lr: 0.1 }) });
    let state = await step.init({ w1: gg.tensorFrom(new Float32Array(12), "float32", [4, 3]), b1: [0, 0, 0] });
    const trainFeeds = { x: toTensor(train.x), labels: gg.tensorFrom(train.labels, "int32") };
    for (let i = 0; i < 50; i++) [state] = await step.run(state, trainFeeds);

    const outputs = { probabilities: m.probabilities, loss: m.loss, correct: m.correct };
    const bytes = gg.onnx.export(outputs, { params: state.params });
    const feedsOf = (rows: number) => ({ ...state.params, x: toTensor(sliceRows(test.x, 0, rows)), labels: gg.tensorFrom(test.labels.subarray(0, rows), "int32") });
    for (const rows of [30, 7]) {
      const feeds = feedsOf(rows);
      const got = await runOrt(await ortSession(bytes), { x: feeds.x, labels: feeds.labels });
      expect(got["probabilities"]?.shape).toEqual([rows, 3]);
      await expectSame(bytes, outputs, feeds, 1e-5);
    }
    // The trained model classifies the held-out flowers (so the comparison is on a meaningful model).
    const got = await runOrt(await ortSession(bytes), { x: toTensor(test.x), labels: gg.tensorFrom(test.labels, "int32") });
    expect(got["correct"]?.item()).toBeGreaterThanOrEqual(27);
  });

  it("dot: the 2-11-1 ReLU MLP on the 300 points of dot.csv", async () => {
    const m = dotModel();
    const params = await dotParams(gg.random.key(3));
    const bytes = gg.onnx.export({ output: m.output, mse: m.mse }, { params, opset: 18 });
    const d = readDot();
    await expectSame(bytes, { output: m.output, mse: m.mse }, { ...params, x: toTensor(d.x), label: toTensor(d.y) }, 1e-5);
    await expectSame(bytes, { output: m.output, mse: m.mse }, { ...params, x: toTensor(sliceRows(d.x, 10, 13)), label: toTensor(sliceRows(d.y, 10, 13)) }, 1e-5);
  });

  it("PTB: the small LSTM language model's inference graph (20 unrolled steps, 2 layers of 200; 1000 words), loss and final state", async () => {
    // The seed's small configuration with a 1000-word vocabulary (10000 only makes the file and the test 10 times bigger).
    const config = { ...PTB_CONFIGS.small, vocabSize: 1000 };
    const params = ptbParams(config);
    const model = ptbModel(params, config, { training: false, batchSize: 2 });
    const values = await gg.init.values(params.specs, gg.random.key(5), { backend: "wasm" });
    // The final state under names of its own (ONNX names each value once; graphgrad's PTB graph
    // names its state inputs and outputs alike, to feed one back as the other).
    const outputs: Record<string, gg.Expr> = { loss: model.loss };
    for (const [k, v] of Object.entries(stateOutputs(model))) outputs[`final_${k}`] = v;
    expect(() => gg.onnx.export({ loss: model.loss, ...stateOutputs(model) }, { params: values })).toThrow("output 'state/0/c' has the name of an input");
    const bytes = gg.onnx.export(outputs, { params: values });
    const words = (k: number): gg.Tensor => gg.tensorFrom(Int32Array.from({ length: 2 * config.numSteps }, (_, i) => (i * 7919 + k * 104729) % config.vocabSize), "int32", [2, config.numSteps]);
    // A non-zero initial state, as carried from a previous batch.
    const state = zeroState(config, 2);
    const carried = Object.fromEntries(Object.entries(state).map(([k, t], j) => [k, gg.tensorFrom(Float32Array.from(t.data, (_, i) => Math.sin(i + j) * 0.1), "float32", [...t.shape])]));
    const feeds = { ...values, ...carried, [INPUT_DATA]: words(1), [TARGETS]: words(2) };
    const errors = await expectSame(bytes, outputs, feeds, 1e-4);
    expect(Object.keys(errors)).toHaveLength(5);
  });
});
