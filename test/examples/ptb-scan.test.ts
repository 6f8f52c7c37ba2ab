import { describe, expect, it } from "vitest";
import { PTB_CONFIGS, type PtbConfig } from "../../examples/ptb/configs.js";
import type { PtbDType } from "../../examples/ptb/model.js";
import { createPtbTrainer, type PtbRunResult, runPtb, type PtbSplits } from "../../examples/ptb/train.js";
import type * as gg from "../../src/index.js";

/**
 * The PTB model with `--scan` (the LSTM by one gg.scan over time) against the static unroll, and
 * `--dtype float64`: the same training from the same seed, dropout on so that the per-step keys
 * matter.
 */

/** Two layers, dropout (keep 0.5) on the embeddings and every step's outputs, 5 steps per batch. */
const TINY: PtbConfig = { ...PTB_CONFIGS.small, initScale: 0.5, numLayers: 2, numSteps: 5, hiddenSize: 8, batchSize: 3, vocabSize: 12, keepProb: 0.5, maxEpoch: 1, maxMaxEpoch: 1 };
const STEPS = 4;

/** next id = id + 5 mod vocab: a sequence a model can learn; 4 training batches. */
function splits(config: PtbConfig, steps: number): PtbSplits {
  const ids = (start: number): Int32Array => Int32Array.from({ length: config.batchSize * (steps * config.numSteps + 1) }, (_, i) => (start + 5 * i) % config.vocabSize);
  return { train: ids(1), valid: ids(2), test: ids(3) };
}

interface Trained {
  readonly run: PtbRunResult;
  readonly costs: number[];
}

async function train(backend: "js" | "wasm", dtype: PtbDType, scan: boolean, config = TINY): Promise<Trained> {
  const costs: number[] = [];
  const run = await runPtb({ config, data: splits(config, STEPS), backend, dtype, scan, seed: 5, warmup: false, maxEpochs: 1, skipTest: true, onStep: (s) => costs.push(s.cost) });
  return { run, costs };
}

/** The largest |a − b| over the tensor, relative to the largest |a| (a normwise relative error). */
function relativeError(a: gg.Tensor, b: gg.Tensor): number {
  let diff = 0;
  let size = 0;
  a.data.forEach((v, i) => {
    diff = Math.max(diff, Math.abs((b.data[i] as number) - (v as number)));
    size = Math.max(size, Math.abs(v as number));
  });
  return diff / size;
}

/** Scan against unrolled: per-step costs, training and validation perplexities, every parameter. */
function expectClose(unrolled: Trained, scanned: Trained, tolerance: number, dtype: PtbDType): void {
  expect(scanned.costs.length).toBe(STEPS);
  scanned.costs.forEach((c, i) => expect(Math.abs(c - (unrolled.costs[i] as number))).toBeLessThanOrEqual(tolerance * Math.abs(c)));
  const [u, s] = [unrolled.run.epochs[0], scanned.run.epochs[0]];
  if (u === undefined || s === undefined) throw new Error("one epoch expected");
  expect(Math.abs(s.trainPerplexity - u.trainPerplexity)).toBeLessThanOrEqual(tolerance * u.trainPerplexity);
  expect(Math.abs(s.validPerplexity - u.validPerplexity)).toBeLessThanOrEqual(tolerance * u.validPerplexity);
  // The same parameters (listed in the order the graphs meet them, which differs).
  const names = Object.keys(unrolled.run.state.params).sort();
  expect(Object.keys(scanned.run.state.params).sort()).toEqual(names);
  expect(names.length).toBe(7);
  for (const name of names) {
    const [a, b] = [unrolled.run.state.params[name] as gg.Tensor, scanned.run.state.params[name] as gg.Tensor];
    expect([a.dtype, b.dtype]).toEqual([dtype, dtype]);
    expect(relativeError(a, b)).toBeLessThanOrEqual(tolerance);
  }
}

describe("PTB with --scan and --dtype", () => {
  it("float64 on JS: the scanned model trains as the unrolled one, within 1e-12 relative (costs, perplexities, parameters)", async () => {
    const [unrolled, scanned] = [await train("js", "float64", false), await train("js", "float64", true)];
    expectClose(unrolled, scanned, 1e-12, "float64");
    // The training moved the parameters, and float64 is not float32 rounded differently by chance.
    const f32 = await train("js", "float32", false);
    expect(f32.costs).not.toEqual(unrolled.costs);
    f32.costs.forEach((c, i) => expect(Math.abs(c - (unrolled.costs[i] as number))).toBeLessThan(1e-5 * c));
  });

  it("float32 on WASM: the scanned model trains as the unrolled one within float32 rounding (1e-5 relative)", async () => {
    // Both forms compute the same float32 operations; only the order of some sums may differ
    // (the T per-step gradient contributions to a weight: a sum over the unrolled steps, or a
    // running sum in the backward loop), each order within T·2⁻²⁴ ≈ 3e-7 of the other, and
    // 4 SGD steps at learning rate 1 can amplify that a little. 1e-5 leaves room for both; the
    // forms differ at 1e-2 and more when the dropout keys or the time axis are wrong.
    expectClose(await train("wasm", "float32", false), await train("wasm", "float32", true), 1e-5, "float32");
  });

  it("the scanned train step's graph does not grow with the steps; float64 leaves no float32 node", async () => {
    const nodes = async (numSteps: number, scan: boolean, dtype: PtbDType = "float32"): Promise<gg.Graph> =>
      (await createPtbTrainer({ ...TINY, numSteps }, { backend: "js", seed: 0, trainLength: 10_000, scan, dtype })).step.compiled.graph;
    const [scan5, scan10, unrolled5, unrolled10] = [await nodes(5, true), await nodes(10, true), await nodes(5, false), await nodes(10, false)];
    expect(scan10.nodes.length).toBe(scan5.nodes.length);
    expect(scan5.nodes.some((n) => n.op === "scan")).toBe(true);
    expect(unrolled5.nodes.some((n) => n.op === "scan")).toBe(false);
    expect(unrolled10.nodes.length).toBeGreaterThan(unrolled5.nodes.length + 100);
    for (const scan of [false, true]) {
      const g = await nodes(5, scan, "float64");
      expect(g.nodes.filter((n) => n.dtype === "float32").map((n) => n.op)).toEqual([]);
      expect(g.nodes.filter((n) => n.dtype === "float64").length).toBeGreaterThan(10);
    }
  });
});
