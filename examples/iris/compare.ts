import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { batchRanges } from "../data/batches.js";
import { type Labelled, loadIris, shuffled, splitAt } from "../data/iris.js";
import { sliceRows, toTensor } from "../data/matrix.js";
import { mulberry32 } from "../data/prng.js";
import { truncatedNormal } from "../data/truncated-normal.js";
import { formatTable } from "../table.js";
import { CLASSES, FEATURES, irisModel } from "./model.js";
import { type OptimizerSpec, SEED_OPTIMIZERS } from "./optimizers.js";

/**
 * Seed 002 §五: the iris optimizer comparison. The 150 examples are shuffled with a seeded
 * generator (mulberry32, seed 116 like the seed's np.random.seed(116)), the first 120 train and
 * the last 30 test; w1 [4, 3] and b1 [3] start from truncated_normal(stddev 0.1) drawn from
 * explicit keys split from seed 1 (the seed's seed=1). Each optimizer trains the same initial
 * model for 500 epochs of batches of 32 (three of 32 and one of 24, in a fixed order), the train
 * step compiled once into one graph; after every epoch the test accuracy is measured, as the
 * seed does. `npm run iris` (or `npx tsx examples/iris/compare.ts [epochs]`).
 */
export const DEFAULT_EPOCHS = 500;
export const BATCH_SIZE = 32;
export const TRAIN_SIZE = 120;
export const SHUFFLE_SEED = 116;
export const INIT_SEED = 1;
export const INIT_STDDEV = 0.1;

export interface IrisOptions {
  readonly epochs?: number;
  /** Which optimizers to compare (default: the seed's five). */
  readonly optimizers?: readonly OptimizerSpec[];
  /** Progress lines and the table (default console.log; `() => {}` for silence). */
  readonly log?: (line: string) => void;
  /** Print the epoch's loss and accuracy every this many epochs (default 100; 0: never). */
  readonly every?: number;
  readonly shuffleSeed?: number;
  readonly initSeed?: number;
  readonly backend?: gg.Backend | "js";
}

export interface OptimizerRun {
  readonly name: string;
  readonly rule: string;
  /** Per epoch: the mean of its batch losses (the seed's loss_all / 4). */
  readonly losses: number[];
  /** Per epoch: the test accuracy after it. */
  readonly accuracies: number[];
  /** Seconds of the training loop (all epochs, test evaluations included, as the seed times). */
  readonly wallSeconds: number;
  /** Seconds to build and compile the train step and the evaluator. */
  readonly compileSeconds: number;
  readonly finalLoss: number;
  readonly finalAccuracy: number;
  /** The first epoch (counted from 0, as the seed prints them) after which the test accuracy is 1; null if never. */
  readonly firstPerfectEpoch: number | null;
}

export interface IrisResult {
  readonly epochs: number;
  readonly train: Labelled;
  readonly test: Labelled;
  readonly runs: OptimizerRun[];
}

/** The seed's data: all 150 examples shuffled, then the first 120 to train and the last 30 to test. */
export function irisSplit(shuffleSeed: number = SHUFFLE_SEED): [Labelled, Labelled] {
  return splitAt(shuffled(loadIris(), mulberry32(shuffleSeed)), TRAIN_SIZE);
}

/**
 * w1 and b1 from truncated_normal(stddev 0.1). The seed writes seed=1 on both calls; in TF 2's
 * eager mode the second call with the same op seed continues the generator rather than repeating
 * it, so here the key of seed 1 is split into one key per parameter (b1 is not a copy of w1's
 * first row).
 */
export async function initialParams(initSeed: number = INIT_SEED): Promise<{ w1: gg.Tensor; b1: gg.Tensor }> {
  const [kw, kb] = gg.random.split(gg.random.key(initSeed), 2) as [gg.Expr, gg.Expr];
  return {
    w1: await truncatedNormal(kw, [FEATURES, CLASSES], { stddev: INIT_STDDEV }),
    b1: await truncatedNormal(kb, [CLASSES], { stddev: INIT_STDDEV }),
  };
}

/** The training batches, in order (the seed's .batch(32), no reshuffling between epochs). */
export function trainBatches(train: Labelled): { x: gg.Tensor; labels: Int32Array }[] {
  return batchRanges(train.x.rows, BATCH_SIZE).map(({ start, end }) => ({
    x: toTensor(sliceRows(train.x, start, end)),
    labels: train.labels.slice(start, end),
  }));
}

export async function run(options: IrisOptions = {}): Promise<IrisResult> {
  const { epochs = DEFAULT_EPOCHS, optimizers = SEED_OPTIMIZERS, log = console.log, every = 100, backend } = options;
  const [train, test] = irisSplit(options.shuffleSeed ?? SHUFFLE_SEED);
  const init = await initialParams(options.initSeed ?? INIT_SEED);
  const batches = trainBatches(train);
  const testFeeds = { x: toTensor(test.x), labels: test.labels };

  const runs: OptimizerRun[] = [];
  for (const spec of optimizers) {
    const t0 = performance.now();
    const model = irisModel();
    const step = await gg.trainStep({ loss: model.loss, optimizer: spec.make(), backend });
    const evaluate = await step.evaluator({ correct: model.correct });
    let state = await step.init(init);
    const t1 = performance.now();
    const losses: number[] = [];
    const accuracies: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      let lossAll = 0;
      for (const batch of batches) {
        const [next, metrics] = await step.run(state, batch);
        state = next;
        lossAll += metrics["loss"] as number;
      }
      losses.push(lossAll / batches.length);
      const correct = ((await evaluate(state, testFeeds))["correct"] as gg.Tensor).item();
      accuracies.push(correct / test.x.rows);
      if (every > 0 && (epoch % every === 0 || epoch === epochs - 1)) {
        log(`${spec.name} epoch ${epoch}: loss ${fmt(losses[epoch] as number)}, test accuracy ${fmt(accuracies[epoch] as number)}`);
      }
    }
    const t2 = performance.now();
    const perfect = accuracies.indexOf(1);
    runs.push({
      name: spec.name,
      rule: spec.rule,
      losses,
      accuracies,
      wallSeconds: (t2 - t1) / 1000,
      compileSeconds: (t1 - t0) / 1000,
      finalLoss: losses[losses.length - 1] ?? Number.NaN,
      finalAccuracy: accuracies[accuracies.length - 1] ?? Number.NaN,
      firstPerfectEpoch: perfect < 0 ? null : perfect,
    });
  }
  log("");
  for (const line of comparisonTable(runs, epochs)) log(line);
  return { epochs, train, test, runs };
}

const fmt = (v: number): string => (Math.abs(v) >= 0.001 || v === 0 ? v.toFixed(4) : v.toExponential(3));

/** The comparison as the seed's table: update rule, training time, and convergence. */
export function comparisonTable(runs: readonly OptimizerRun[], epochs: number): string[] {
  return formatTable(
    ["optimizer", "update rule", "wall time / s", `loss @${epochs}`, "test acc", "first epoch acc = 1.0"],
    runs.map((r) => [
      r.name,
      r.rule,
      r.wallSeconds.toFixed(2),
      fmt(r.finalLoss),
      r.finalAccuracy.toFixed(4),
      r.firstPerfectEpoch === null ? "—" : String(r.firstPerfectEpoch),
    ]),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv[2];
  await run(arg === undefined ? {} : { epochs: Number(arg) });
}
