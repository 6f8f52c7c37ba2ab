import type { Feeds } from "../compile.js";
import type { Batch, Dataset } from "../data/dataset.js";
import type { Expr } from "../expr.js";
import type { TransformState } from "../optim/transform.js";
import type { TrainState } from "../train.js";
import type { ProgressSink } from "./progress.js";

/** Metric values by name. */
export type MetricValues = Readonly<Record<string, number>>;

/** What a hook sees. Epochs count from 1; `batch` is the number of batches done in this epoch. */
export interface FitContext<S extends TransformState = TransformState> {
  /** The current state: before the step in `feeds`, after it in `onStepEnd`. */
  readonly state: TrainState<S>;
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batchesPerEpoch: number;
  /** `onStepEnd`: this step's metrics; `onEpochEnd`: the epoch's averages; otherwise empty. */
  readonly metrics: MetricValues;
  /** Averages over this epoch's batches so far (with `perplexity` when configured). */
  readonly running: MetricValues;
  /** `onEpochEnd` with a validation set: the validation metrics. */
  readonly validation: MetricValues | undefined;
  readonly history: readonly EpochRecord[];
  /** Seconds since this epoch started, and the rates over it. */
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly examplesPerSecond: number;
  /**
   * Whether the train step consumes the state it runs (`trainStep({ donate: true })`): a hook
   * that keeps a state past the next step must then keep a copy. (`fit` always sets it; optional
   * so that contexts built by hand for testing a hook stay valid.)
   */
  readonly donate?: boolean;
  /** Writes a log line (above the progress bar on a terminal). */
  log(line: string): void;
  /**
   * Asks `fit` to stop: after this step's hooks (or this epoch's, from `onEpochEnd`). The first
   * reason is kept. With `state`, that state becomes the current one (what later hooks see and
   * `fit` returns), e.g. the last finite state instead of a broken one.
   */
  stop(reason: string, state?: TrainState<S>): void;
}

/**
 * A hook: a small value with optional callbacks, called in the order hooks are given. Callbacks
 * may be async. Hooks that keep state reset it in `onTrainStart`, so one hook value can serve
 * several `fit` calls.
 */
export interface Hook<S extends TransformState = TransformState> {
  readonly name?: string;
  onTrainStart?(ctx: FitContext<S>): void | Promise<void>;
  onEpochStart?(ctx: FitContext<S>): void | Promise<void>;
  /** Extra feeds for the next step, merged over the batch (e.g. a learning-rate input). */
  feeds?(ctx: FitContext<S>): Feeds | undefined;
  onStepEnd?(ctx: FitContext<S>): void | Promise<void>;
  onEpochEnd?(ctx: FitContext<S>): void | Promise<void>;
  onTrainEnd?(ctx: FitContext<S>): void | Promise<void>;
}

/** Validation metrics from a state and a batch (when scalar expressions are not enough). */
export type EvaluateFn<S extends TransformState = TransformState> = (state: TrainState<S>, batch: Batch) => MetricValues | Promise<MetricValues>;

export interface ValidationOptions<S extends TransformState = TransformState> {
  readonly data: Dataset;
  /** Default: the training batch size. */
  readonly batchSize?: number;
  /** Scalar expressions of the model (compiled once with `trainStep.evaluator`), or a function. */
  readonly metrics: Readonly<Record<string, Expr>> | EvaluateFn<S>;
  /** Extra feeds for every validation batch (e.g. keep probability 1). */
  readonly feeds?: Feeds;
  /** Evaluate with the EMA shadows of the parameters (a train step configured with `ema`). */
  readonly useEma?: boolean;
}

export interface FitOptions<S extends TransformState = TransformState> {
  readonly train: Dataset;
  readonly batchSize: number;
  /** The last epoch to run (with `resume`, the total including the epochs already done). */
  readonly epochs: number;
  /** Drop each epoch's last, smaller batch (default: keep it). */
  readonly dropRemainder?: boolean;
  /** Shuffle every epoch: epoch e visits the rows in `permutation(size, seed, e)` order. */
  readonly shuffle?: { readonly seed: number };
  /** Extra feeds for every training step. */
  readonly feeds?: Feeds;
  readonly validation?: ValidationOptions<S>;
  /** The name of a per-word loss metric: `perplexity` = exp(its mean) is added to the epoch metrics (train and validation). */
  readonly perplexity?: string;
  readonly hooks?: readonly Hook<S>[];
  /**
   * Continue from `state.step`: start at epoch ⌊step / batchesPerEpoch⌋ + 1 and skip the batches of
   * it already done, so that (with the same options) an interrupted run resumes exactly.
   */
  readonly resume?: boolean;
  /** Where log lines go (default: the progress output, or stdout). */
  readonly log?: (line: string) => void;
  /**
   * `true` (default): a progress bar with rate and ETA on stdout when it is a terminal, one plain
   * line per epoch otherwise; a sink to write elsewhere; `false`: no progress output.
   */
  readonly progress?: boolean | ProgressSink;
}

/** One epoch of training: averaged training metrics (weighted by batch rows), validation metrics. */
export interface EpochRecord {
  readonly epoch: number;
  /** The state's step at the end of the epoch. */
  readonly step: number;
  readonly batches: number;
  /** Wall time of the epoch, validation included. */
  readonly seconds: number;
  readonly train: MetricValues;
  readonly validation?: MetricValues;
}

export interface FitResult<S extends TransformState = TransformState> {
  readonly state: TrainState<S>;
  readonly history: readonly EpochRecord[];
  /** Set when a hook stopped training early. */
  readonly stopped?: { readonly reason: string; readonly epoch: number; readonly step: number };
}

