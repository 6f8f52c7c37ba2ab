import * as gg from "../../src/index.js";
import type { CharTransformerConfig } from "./config.js";
import type { CharData } from "./data.js";
import { BITS_PER_NAT, type CharTransformerParams, charTransformerLogits, charTransformerParams, crossEntropy, MODEL_SCOPE } from "./model.js";
import { trainingWindows, windowBatch, windowCount } from "./windows.js";

/** The names of the graph's inputs: the input characters, the target characters, the step's dropout key. */
export const IDS = "ids";
export const TARGETS = "targets";
export const DROPOUT_KEY = "dropout_key";

/** One training step's record. */
export interface StepRecord {
  readonly step: number;
  /** The batch's mean cross-entropy, in bits per character. */
  readonly bits: number;
  readonly lr: number;
}

export interface ValidRecord {
  readonly step: number;
  readonly bits: number;
}

export interface CharRunResult {
  readonly config: CharTransformerConfig;
  readonly params: CharTransformerParams;
  readonly state: gg.TrainState<gg.optim.ChainState>;
  readonly steps: readonly StepRecord[];
  readonly validation: readonly ValidRecord[];
  /** Parameters of the model. */
  readonly parameterCount: number;
  /** Wall time of the whole run (compilation, training, validation), and of the training steps alone. */
  readonly seconds: number;
  readonly trainSeconds: number;
}

/**
 * The learning rate: linear warm-up from 0 to `peakLr` over `warmupSteps`, then cosine decay to
 * `endLr` at `steps` (optax's `warmup_cosine_decay_schedule`).
 */
export function learningRate(c: CharTransformerConfig): gg.optim.Schedule {
  return gg.schedules.warmupCosineDecay({ initial: 0, peak: c.peakLr, warmupSteps: c.warmupSteps, decaySteps: c.steps, end: c.endLr });
}

/** Weight decay applies to the matrices of the attention, the MLPs and the head: not to biases, norms, or the embedding tables. */
export function decays(name: string, shape: gg.Shape): boolean {
  return shape.length === 2 && name !== `${MODEL_SCOPE}/embed` && name !== `${MODEL_SCOPE}/positions`;
}

/** Clipping by global norm, then AdamW on the schedule. */
export function optimizer(c: CharTransformerConfig) {
  return gg.optim.chain(gg.optim.clipByGlobalNorm(c.clipNorm), gg.optim.adamw({ lr: learningRate(c), b1: c.b1, b2: c.b2, weightDecay: c.weightDecay, mask: decays }));
}

export interface CharModelGraphs {
  readonly params: CharTransformerParams;
  /** The training loss (dropout when the config has it) on [batchSize, T] windows. */
  readonly trainLoss: gg.Expr;
  /** The loss without dropout on any number of windows. */
  readonly evalLoss: gg.Expr;
}

export function charModelGraphs(vocabSize: number, c: CharTransformerConfig): CharModelGraphs {
  const params = charTransformerParams(vocabSize, c);
  const T = c.contextLength;
  const ids = gg.input(IDS, [c.batchSize, T], "int32");
  const targets = gg.input(TARGETS, [c.batchSize, T], "int32");
  const key = c.dropout > 0 ? gg.input(DROPOUT_KEY, [2], "int32") : undefined;
  const trainLoss = crossEntropy(charTransformerLogits(params, ids, { dropout: c.dropout, ...(key === undefined ? {} : { key }) }), targets);
  const evalIds = gg.input(IDS, ["windows", T], "int32");
  const evalTargets = gg.input(TARGETS, ["windows", T], "int32");
  const evalLoss = crossEntropy(charTransformerLogits(params, evalIds), evalTargets);
  return { params, trainLoss, evalLoss };
}

export interface RunOptions {
  readonly config: CharTransformerConfig;
  readonly data: Pick<CharData, "train" | "valid" | "vocab">;
  readonly backend?: gg.Backend | "wasm" | "js";
  readonly log?: (line: string) => void;
  readonly onStep?: (r: StepRecord) => void;
  readonly onValid?: (r: ValidRecord) => void;
  /** Print a line every this many steps (default: every evalEvery / 4). */
  readonly logEvery?: number;
}

/** Windows per validation run (the evaluation graph takes any number: only the rounding of the mean depends on it). */
export const VALID_BATCH = 64;

/** Validation bits per character: the mean cross-entropy over every position of the first `validChars` characters' whole windows. */
export async function validationBits(evaluate: (feeds: Record<string, gg.Tensor>) => Promise<number>, valid: Int32Array, c: CharTransformerConfig): Promise<number> {
  const windows = windowCount(Math.min(valid.length, c.validChars + 1), c.contextLength);
  if (windows < 1) throw new Error(`char-transformer: ${c.validChars} validation characters make no window of ${c.contextLength}`);
  let total = 0;
  for (let first = 0; first < windows; first += VALID_BATCH) {
    const which = Int32Array.from({ length: Math.min(VALID_BATCH, windows - first) }, (_, i) => first + i);
    const { x, y } = windowBatch(valid, which, c.contextLength);
    total += (await evaluate({ [IDS]: x, [TARGETS]: y })) * which.length;
  }
  return (total / windows) * BITS_PER_NAT;
}

/**
 * Trains the model from key(seed) for `config.steps` steps: one compiled train step (forward,
 * gradient, clipping, AdamW with its schedule), the batches drawn by `trainingWindows`, the
 * validation bits per character every `evalEvery` steps and after the last.
 */
export async function trainCharTransformer(options: RunOptions): Promise<CharRunResult> {
  const { config: c, data, backend = "wasm", log = () => undefined } = options;
  const start = performance.now();
  const graphs = charModelGraphs(data.vocab.chars.length, c);
  const step = await gg.trainStep({ loss: graphs.trainLoss, optimizer: optimizer(c), backend, donate: true });
  const evaluator = await step.evaluator({ loss: graphs.evalLoss });
  const [initKey, dropoutRoot] = gg.random.split(gg.random.key(c.seed), 2) as [gg.Expr, gg.Expr];
  let state = await step.init(await gg.init.values(graphs.params.specs, initKey, { backend }));
  const dropoutKeys = c.dropout > 0 ? await gg.evaluate(gg.random.splitRows(dropoutRoot, c.steps)) : undefined;
  const parameterCount = graphs.params.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const windowsOf = trainingWindows(windowCount(data.train.length, c.contextLength), c.batchSize, c.seed);
  const validate = async (at: number): Promise<ValidRecord> => {
    const bits = await validationBits(async (feeds) => (await evaluator(state, feeds)).loss.item(), data.valid, c);
    const r = { step: at, bits };
    options.onValid?.(r);
    log(`step ${at}: validation ${bits.toFixed(3)} bits/char`);
    return r;
  };
  const logEvery = options.logEvery ?? Math.max(1, Math.floor(c.evalEvery / 4));
  const steps: StepRecord[] = [];
  const validation: ValidRecord[] = [];
  let trainMs = 0;
  for (let i = 0; i < c.steps; i++) {
    const { x, y } = windowBatch(data.train, windowsOf(i), c.contextLength);
    const feeds: Record<string, gg.Tensor> = { [IDS]: x, [TARGETS]: y };
    if (dropoutKeys !== undefined) feeds[DROPOUT_KEY] = new gg.Tensor("int32", [2], dropoutKeys.data.slice(2 * i, 2 * i + 2));
    const t = performance.now();
    const [next, metrics] = await step.run(state, feeds);
    trainMs += performance.now() - t;
    state = next;
    const r = { step: state.step, bits: metrics.loss * BITS_PER_NAT, lr: metrics.lr };
    steps.push(r);
    options.onStep?.(r);
    if (state.step % logEvery === 0) log(`step ${state.step}/${c.steps}: ${r.bits.toFixed(3)} bits/char, lr ${r.lr.toExponential(2)}, ${((state.step * c.batchSize * c.contextLength) / (trainMs / 1000)).toFixed(0)} chars/s`);
    if (state.step % c.evalEvery === 0 || state.step === c.steps) validation.push(await validate(state.step));
  }
  return { config: c, params: graphs.params, state, steps, validation, parameterCount, seconds: (performance.now() - start) / 1000, trainSeconds: trainMs / 1000 };
}
