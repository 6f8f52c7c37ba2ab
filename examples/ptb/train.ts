import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import type { ChainState } from "../../src/optim/index.js";
import type { TrainState, TrainStep } from "../../src/train.js";
import { loadBrownPtb } from "./brown.js";
import { getPtbConfig, type PtbConfig, ptbLearningRate } from "./configs.js";
import { DROPOUT_KEY, INPUT_DATA, pickState, type PtbDType, type PtbModel, ptbModel, ptbParams, stateOutputs, TARGETS, zeroState } from "./model.js";
import { parsePtbArgs, PTB_USAGE } from "./options.js";
import { type PtbBatch, ptbEpochSize, ptbIterator } from "./reader.js";

/**
 * The seed's training program (seed 003, `ptb_word_lm.py`): for each epoch i, the learning rate
 * learning_rate·lr_decay^max(i − max_epoch, 0); one epoch of training (state carried from batch
 * to batch, reset to zeros at the epoch start, progress printed 10 times); the validation
 * perplexity; after the last epoch, the test perplexity with the seed's eval config (batch 1,
 * 1 step). Each training step is ONE compiled graph (`gg.trainStep`): forward, sequence loss,
 * gradient, clip_by_global_norm, SGD with the per-epoch decay computed in the graph from the
 * step count, and the final LSTM state as an extra output.
 *
 * `npm run ptb -- --model small --max-steps 200` (see `PTB_USAGE` for the options).
 */

export type PtbTrainState = TrainState<ChainState>;

export interface PtbSplits {
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
}

export interface PtbTrainerOptions {
  readonly backend: "wasm" | "js" | gg.Backend;
  /** The initial values use `gg.random.key(seed)`; the dropout key of step n is [n + 1, seed] (never the init key [0, seed]). */
  readonly seed: number;
  /** Length of the training ids: the epoch size that the in-graph learning-rate schedule counts in. */
  readonly trainLength: number;
  /** Evaluate the test set with the training batch and steps instead of the seed's batch 1 × step 1. */
  readonly fastTest?: boolean;
  /** The models run the cell by one `gg.scan` over time instead of a static unroll (default false). */
  readonly scan?: boolean;
  /** Parameters, state and losses in this dtype (default float32). */
  readonly dtype?: PtbDType;
}

/** The three instances of the model (the seed's `m`, `mvalid`, `mtest`) sharing one set of variables. */
export interface PtbTrainer {
  readonly config: PtbConfig;
  readonly seed: number;
  readonly dtype: PtbDType;
  readonly stepsPerEpoch: number;
  readonly models: { readonly train: PtbModel; readonly valid: PtbModel; readonly test: PtbModel };
  readonly step: TrainStep<ChainState>;
  /** Initial variables from the seed. */
  init(): Promise<PtbTrainState>;
  /** One training step from an LSTM state: the new train state, the batch's cost and learning rate, and the final LSTM state. */
  trainBatch(state: PtbTrainState, batch: PtbBatch, rnn: Readonly<Record<string, gg.Tensor>>): Promise<BatchResult & { readonly state: PtbTrainState; readonly lr: number }>;
  /** The cost and final LSTM state of the validation (or test) model on a batch, the variables unchanged. */
  evalBatch(which: "valid" | "test", state: PtbTrainState, batch: PtbBatch, rnn: Readonly<Record<string, gg.Tensor>>): Promise<BatchResult>;
}

export interface BatchResult {
  readonly cost: number;
  readonly rnn: Record<string, gg.Tensor>;
}

function batchFeeds(model: PtbModel, batch: PtbBatch, rnn: Readonly<Record<string, gg.Tensor>>): Record<string, gg.Tensor> {
  const shape = [model.batchSize, model.numSteps];
  return { [INPUT_DATA]: new gg.Tensor("int32", shape, batch.x), [TARGETS]: new gg.Tensor("int32", shape, batch.y), ...rnn };
}

export async function createPtbTrainer(config: PtbConfig, options: PtbTrainerOptions): Promise<PtbTrainer> {
  const { backend, seed, scan = false, dtype = "float32" } = options;
  const params = ptbParams(config, { dtype });
  const train = ptbModel(params, config, { training: true, scan });
  const valid = ptbModel(params, config, { training: false, scan });
  const test = options.fastTest === true ? valid : ptbModel(params, config, { training: false, batchSize: 1, numSteps: 1, scan });
  const stepsPerEpoch = ptbEpochSize(options.trainLength, config.batchSize, config.numSteps);
  if (stepsPerEpoch <= 0) throw new Error(`ptb: ${options.trainLength} training ids make no batch of ${config.batchSize} × ${config.numSteps}`);
  const lr = gg.schedules.epochDecay({ initial: config.learningRate, decay: config.lrDecay, maxEpoch: config.maxEpoch, stepsPerEpoch });
  const step = await gg.trainStep({
    loss: train.cost,
    optimizer: gg.optim.chain(gg.optim.clipByGlobalNorm(config.maxGradNorm), gg.optim.sgd({ lr })),
    outputs: stateOutputs(train),
    backend,
    // The loop threads one state: each step's arrays are reused for the next.
    donate: true,
  });
  const evaluators = {
    valid: await step.evaluator({ cost: valid.cost, ...stateOutputs(valid) }),
    test: test === valid ? undefined : await step.evaluator({ cost: test.cost, ...stateOutputs(test) }),
  };
  return {
    config,
    seed,
    dtype,
    stepsPerEpoch,
    models: { train, valid, test },
    step,
    init: async () => step.init(await gg.init.values(params.specs, gg.random.key(seed), { backend })),
    trainBatch: async (state, batch, rnn) => {
      const feeds = batchFeeds(train, batch, rnn);
      if (train.dropoutKey !== undefined) feeds[DROPOUT_KEY] = new gg.Tensor("int32", [2], Int32Array.of(state.step + 1, seed));
      const [next, metrics, outputs] = await step.run(state, feeds);
      return { state: next, cost: metrics["loss"] as number, lr: metrics["lr"] as number, rnn: pickState(outputs) };
    },
    evalBatch: async (which, state, batch, rnn) => {
      const model = which === "valid" ? valid : test;
      const run = which === "valid" ? evaluators.valid : (evaluators.test ?? evaluators.valid);
      const r = await run(state, batchFeeds(model, batch, rnn));
      return { cost: (r["cost"] as gg.Tensor).item(), rnn: pickState(r) };
    },
  };
}

/**
 * The seed's progress rule `step % (epoch_size // 10) == 10`, over the steps this epoch will
 * actually run (so a run cut by --max-steps still prints 10 lines). Where the interval is 10 or
 * less, for which the seed's rule prints nothing (or, rewritten, far too often), the last step
 * of each tenth of the epoch: exactly 10 lines (every step when there are fewer than 10).
 */
export function isProgressStep(step: number, stepsThisEpoch: number): boolean {
  const interval = Math.floor(stepsThisEpoch / 10);
  if (interval > 10) return step % interval === 10;
  return Math.floor((10 * (step + 1)) / stepsThisEpoch) !== Math.floor((10 * step) / stepsThisEpoch);
}

export interface TrainEpochOptions {
  /** At most this many steps (default: the whole epoch). */
  readonly maxSteps?: number;
  readonly verbose?: boolean;
  readonly log?: (line: string) => void;
  /** Validation perplexity every N steps (counted over the whole run), on `validData`. */
  readonly evalEvery?: number;
  readonly validData?: Int32Array;
  readonly onValid?: (step: number, perplexity: number) => void;
  readonly onStep?: (record: StepRecord) => void;
}

/** What `onStep` receives after each training step. */
export interface StepRecord {
  /** Steps run so far (this one included). */
  readonly step: number;
  /** The batch's cost (sum of the losses / batch size). */
  readonly cost: number;
  /** The learning rate the step used (computed in the graph). */
  readonly lr: number;
}

export interface EpochResult {
  readonly state: PtbTrainState;
  readonly perplexity: number;
  /** Words per second of training (evaluations in between not counted). */
  readonly wps: number;
  readonly steps: number;
}

/** The seed's `run_epoch(session, m, data, m.train_op, verbose)`: the state starts at zeros and is carried across batches. */
export async function trainEpoch(trainer: PtbTrainer, state: PtbTrainState, data: Int32Array, options: TrainEpochOptions = {}): Promise<EpochResult> {
  const { batchSize, numSteps } = trainer.models.train;
  const epochSize = ptbEpochSize(data.length, batchSize, numSteps);
  const steps = Math.min(epochSize, options.maxSteps ?? epochSize);
  const log = options.log ?? (() => undefined);
  let rnn: Record<string, gg.Tensor> = zeroState(trainer.config, batchSize, trainer.dtype);
  let costs = 0;
  let iters = 0;
  let paused = 0;
  const start = performance.now();
  const seconds = (): number => (performance.now() - start - paused) / 1000;
  let i = 0;
  for (const batch of ptbIterator(data, batchSize, numSteps)) {
    if (i >= steps) break;
    const r = await trainer.trainBatch(state, batch, rnn);
    state = r.state;
    rnn = r.rnn;
    costs += r.cost;
    iters += numSteps;
    options.onStep?.({ step: state.step, cost: r.cost, lr: r.lr });
    if (options.verbose === true && isProgressStep(i, steps)) {
      log(`${(i / epochSize).toFixed(3)} perplexity: ${Math.exp(costs / iters).toFixed(3)} speed: ${((iters * batchSize) / seconds()).toFixed(0)} wps`);
    }
    if (options.evalEvery !== undefined && options.validData !== undefined && state.step % options.evalEvery === 0) {
      const t = performance.now();
      const p = await evalEpoch(trainer, state, "valid", options.validData);
      options.onValid?.(state.step, p);
      log(`Step: ${state.step} Valid Perplexity: ${p.toFixed(3)}`);
      paused += performance.now() - t;
    }
    i++;
  }
  return { state, perplexity: Math.exp(costs / iters), wps: (iters * batchSize) / seconds(), steps: i };
}

/** The seed's `run_epoch(session, mvalid, data, tf.no_op())`: the perplexity of a model that does not train. */
export async function evalEpoch(trainer: PtbTrainer, state: PtbTrainState, which: "valid" | "test", data: Int32Array): Promise<number> {
  const { batchSize, numSteps } = trainer.models[which];
  let rnn: Record<string, gg.Tensor> = zeroState(trainer.config, batchSize, trainer.dtype);
  let costs = 0;
  let iters = 0;
  for (const batch of ptbIterator(data, batchSize, numSteps)) {
    const r = await trainer.evalBatch(which, state, batch, rnn);
    rnn = r.rnn;
    costs += r.cost;
    iters += numSteps;
  }
  return Math.exp(costs / iters);
}

export interface PtbRunOptions {
  readonly config: PtbConfig;
  readonly data: PtbSplits;
  readonly backend?: "wasm" | "js" | gg.Backend;
  readonly seed?: number;
  /** Training stops after this many steps in total; the epoch it stops in is evaluated as usual. */
  readonly maxSteps?: number;
  /** Default: the config's max_max_epoch. */
  readonly maxEpochs?: number;
  readonly evalEvery?: number;
  readonly fastTest?: boolean;
  /** See `PtbTrainerOptions`. */
  readonly scan?: boolean;
  readonly dtype?: PtbDType;
  /** Skip the test set (the seed always evaluates it). */
  readonly skipTest?: boolean;
  /** One discarded step before the clock starts, so words/second exclude the one-time module compilation (default true). */
  readonly warmup?: boolean;
  readonly log?: (line: string) => void;
  readonly onStep?: (record: StepRecord) => void;
}

export interface PtbEpochRecord {
  readonly epoch: number;
  readonly learningRate: number;
  readonly steps: number;
  readonly trainPerplexity: number;
  readonly validPerplexity: number;
  readonly wps: number;
}

export interface PtbRunResult {
  readonly epochs: readonly PtbEpochRecord[];
  /** Undefined with `skipTest`. */
  readonly testPerplexity: number | undefined;
  /** Training steps run. */
  readonly steps: number;
  readonly validHistory: readonly { readonly step: number; readonly perplexity: number }[];
  readonly state: PtbTrainState;
}

/** The seed's main program on the given data. */
export async function runPtb(options: PtbRunOptions): Promise<PtbRunResult> {
  const { config, data, backend = "wasm", seed = 0, log = () => undefined } = options;
  for (const split of ["train", "valid", "test"] as const) {
    const bad = data[split].find((id) => id < 0 || id >= config.vocabSize);
    if (bad !== undefined) throw new Error(`ptb: ${split} has the id ${bad}, outside the vocabulary of ${config.vocabSize}`);
  }
  const trainer = await createPtbTrainer(config, { backend, seed, trainLength: data.train.length, fastTest: options.fastTest ?? false, scan: options.scan ?? false, dtype: options.dtype ?? "float32" });
  let state = await trainer.init();
  if (options.warmup ?? true) {
    const first = ptbIterator(data.train, config.batchSize, config.numSteps).next();
    if (first.done !== true) await trainer.trainBatch(state, first.value, zeroState(config, config.batchSize, trainer.dtype)); // result discarded: `run` is pure
  }
  const maxEpochs = options.maxEpochs ?? config.maxMaxEpoch;
  const epochs: PtbEpochRecord[] = [];
  const validHistory: { step: number; perplexity: number }[] = [];
  for (let i = 0; i < maxEpochs; i++) {
    const remaining = options.maxSteps === undefined ? undefined : options.maxSteps - state.step;
    if (remaining !== undefined && remaining <= 0) break;
    const learningRate = ptbLearningRate(config, i);
    log(`Epoch: ${i + 1} Learning rate: ${learningRate.toFixed(3)}`);
    const r = await trainEpoch(trainer, state, data.train, {
      ...(remaining === undefined ? {} : { maxSteps: remaining }),
      ...(options.evalEvery === undefined ? {} : { evalEvery: options.evalEvery }),
      ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
      verbose: true,
      log,
      validData: data.valid,
      onValid: (step, perplexity) => validHistory.push({ step, perplexity }),
    });
    state = r.state;
    log(`Epoch: ${i + 1} Train Perplexity: ${r.perplexity.toFixed(3)}`);
    // --eval-every may have just evaluated these very variables.
    const latest = validHistory[validHistory.length - 1];
    const validPerplexity = latest !== undefined && latest.step === state.step ? latest.perplexity : await evalEpoch(trainer, state, "valid", data.valid);
    log(`Epoch: ${i + 1} Valid Perplexity: ${validPerplexity.toFixed(3)}`);
    epochs.push({ epoch: i + 1, learningRate, steps: r.steps, trainPerplexity: r.perplexity, validPerplexity, wps: r.wps });
  }
  let testPerplexity: number | undefined;
  if (options.skipTest !== true) {
    testPerplexity = await evalEpoch(trainer, state, "test", data.test);
    log(`Test Perplexity: ${testPerplexity.toFixed(3)}`);
  }
  return { epochs, testPerplexity, steps: state.step, validHistory, state };
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parsePtbArgs(argv);
  if (options.help) {
    console.log(PTB_USAGE);
    return;
  }
  const config = getPtbConfig(options.model);
  const data = loadBrownPtb();
  const log = (line: string): void => console.log(line);
  log(`PTB LSTM (TensorFlow 1's PTB tutorial), config '${options.model}', on the Brown corpus as PTB (${data.train.length} / ${data.valid.length} / ${data.test.length} train / valid / test ids, vocabulary ${data.vocab.words.length}), backend ${options.backend}, ${options.dtype}, ${options.scan ? "scan over time" : "static unroll"}, seed ${options.seed}`);
  const start = performance.now();
  const r = await runPtb({
    config,
    data,
    backend: options.backend === "wasm" && options.threads !== undefined ? gg.wasm({ threads: options.threads }) : options.backend,
    seed: options.seed,
    fastTest: options.fastTest,
    scan: options.scan,
    dtype: options.dtype,
    log,
    ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    ...(options.maxEpochs === undefined ? {} : { maxEpochs: options.maxEpochs }),
    ...(options.evalEvery === undefined ? {} : { evalEvery: options.evalEvery }),
  });
  const last = r.epochs[r.epochs.length - 1];
  if (last !== undefined) {
    log(`${r.steps} training steps; last epoch: train perplexity ${last.trainPerplexity.toFixed(3)}, valid ${last.validPerplexity.toFixed(3)}, ${last.wps.toFixed(0)} wps; ${((performance.now() - start) / 1000).toFixed(1)} s in all`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
