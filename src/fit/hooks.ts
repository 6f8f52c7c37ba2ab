import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { save } from "../io/checkpoint.js";
import type { FileSystem } from "../io/atomic-write.js";
import { cast, input } from "../ops.js";
import type { Schedule } from "../optim/schedules.js";
import type { TrainState } from "../train.js";
import { describeNonFinite, findNonFinite } from "./non-finite.js";
import { StateCopy } from "./state-copy.js";
import { formatMetrics, formatNumber, formatRate } from "./progress.js";
import type { FitContext, Hook } from "./types.js";

/**
 * The hooks `fit` ships with: a learning-rate setter (the seed's `m.assign_lr(session, lr)`),
 * logging every N steps, checkpoints every N steps, early stopping, stopping on NaN/Inf, and
 * TensorBoard event files (`tensorboard.ts`).
 */

/**
 * A learning rate fed at run time: a schedule that ignores the update count and reads the scalar
 * input `name` (cast to the gradients' dtype). Pass it as an optimizer's `lr` and feed it with
 * `setLearningRate`.
 */
export function learningRateInput(name = "lr", dtype: "float32" | "float64" = "float32"): Schedule {
  arg.string("learningRateInput", name, "the input name");
  floatDtype("learningRateInput", dtype);
  return (count: Expr) => cast(input(name, [], dtype), count.dtype);
}

export interface LearningRateAt {
  /** The epoch (from 1), the updates done so far, and the batch about to run in this epoch (from 0). */
  readonly epoch: number;
  readonly step: number;
  readonly batch: number;
}

/**
 * Feeds the learning-rate input of `learningRateInput` before every step: a constant, or a
 * function of the epoch and step, e.g. the PTB model's per-epoch decay
 * `({ epoch }) => 1.0 * 0.5 ** Math.max(epoch - 4, 0)`.
 */
export function setLearningRate(value: number | ((at: LearningRateAt) => number), options: { readonly input?: string; readonly dtype?: "float32" | "float64" } = {}): Hook {
  if (typeof value !== "function") arg.number("setLearningRate", value, "the learning rate");
  arg.options("setLearningRate", options);
  const name = options.input ?? "lr";
  arg.string("setLearningRate", name, "input");
  const dtype: DType = floatDtype("setLearningRate", options.dtype ?? "float32");
  return {
    name: "setLearningRate",
    feeds: (ctx) => {
      const lr = typeof value === "number" ? value : value({ epoch: ctx.epoch, step: ctx.state.step, batch: ctx.batch });
      if (!Number.isFinite(lr)) throw new GraphgradError("setLearningRate", `the learning rate must be a finite number, got ${lr} at epoch ${ctx.epoch}, step ${ctx.state.step}`);
      return { [name]: new Tensor(dtype, [], dtype === "float64" ? Float64Array.of(lr) : Float32Array.of(lr)) };
    },
  };
}

function positiveInteger(where: string, n: number): void {
  arg.number(where, n, "the period", { integer: true, min: 1 });
}

function floatDtype(where: string, d: unknown): "float32" | "float64" {
  if (d !== "float32" && d !== "float64") throw new GraphgradError(where, `the dtype must be 'float32' or 'float64', got ${arg.describe(d)}`);
  return d;
}

/**
 * Logs every `every` steps (of the state's step count): the epoch, the batch, this epoch's
 * running metrics and the rate, e.g.
 * `epoch 1  step 40  batch 20/50  loss 1.2345  perplexity 3.4364  12.3 steps/s  395 examples/s`.
 */
export function logEvery(every: number): Hook {
  positiveInteger("logEvery", every);
  return {
    name: "logEvery",
    onStepEnd: (ctx) => {
      if (ctx.state.step % every !== 0) return;
      const metrics = formatMetrics(ctx.running);
      ctx.log(`epoch ${ctx.epoch}  step ${ctx.state.step}  batch ${ctx.batch}/${ctx.batchesPerEpoch}${metrics === "" ? "" : `  ${metrics}`}  ${formatRate(ctx.stepsPerSecond, ctx.examplesPerSecond)}`);
    },
  };
}

export interface CheckpointEveryOptions {
  /** The file; a function may give each checkpoint its own name. */
  readonly path: string | ((ctx: FitContext) => string);
  /** Extra metadata (string values); `fit.epoch` and `fit.batch` are added. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Also save when training ends (if the last step was not saved). Default true. */
  readonly atEnd?: boolean;
  readonly fs?: FileSystem;
}

/** Saves a checkpoint (atomically) every `every` steps. */
export function checkpointEvery(every: number, options: CheckpointEveryOptions): Hook {
  positiveInteger("checkpointEvery", every);
  arg.record("checkpointEvery", options, "the options");
  if (typeof options.path !== "function") arg.string("checkpointEvery", options.path, "path (a string or a function of the context)");
  if (options.metadata !== undefined) arg.record("checkpointEvery", options.metadata, "metadata");
  arg.optionalBoolean("checkpointEvery", options.atEnd, "atEnd");
  let lastSaved = -1;
  const write = async (ctx: FitContext): Promise<void> => {
    const path = typeof options.path === "string" ? options.path : options.path(ctx);
    const metadata = { ...(options.metadata ?? {}), "fit.epoch": String(ctx.epoch), "fit.batch": String(ctx.batch) };
    await save(path, ctx.state, metadata, { fs: options.fs });
    lastSaved = ctx.state.step;
    ctx.log(`checkpoint at step ${ctx.state.step}: ${path}`);
  };
  return {
    name: "checkpointEvery",
    onTrainStart: () => {
      lastSaved = -1;
    },
    onStepEnd: async (ctx) => {
      if (ctx.state.step % every === 0) await write(ctx);
    },
    onTrainEnd: async (ctx) => {
      if (options.atEnd !== false && lastSaved !== ctx.state.step) await write(ctx);
    },
  };
}

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** Default "loss". */
  readonly metric?: string;
  /** The validation metrics (default) or the epoch's training averages. */
  readonly on?: "validation" | "train";
  /** "min" (default) for losses, "max" for accuracies. */
  readonly mode?: "min" | "max";
  /** An improvement must beat the best value by more than this. Default 0. */
  readonly minDelta?: number;
}

/**
 * Stops when the monitored metric has not improved for `patience` epochs: with the best value at
 * epoch b, training stops at the end of epoch b + patience (NaN never improves).
 */
export function earlyStopping(options: EarlyStoppingOptions): Hook {
  arg.record("earlyStopping", options, "the options");
  const { patience, metric = "loss", on = "validation", mode = "min", minDelta = 0 } = options;
  arg.number("earlyStopping", patience, "patience", { integer: true, min: 0 });
  arg.number("earlyStopping", minDelta, "minDelta", { min: 0 });
  arg.string("earlyStopping", metric, "metric");
  if (on !== "validation" && on !== "train") throw new GraphgradError("earlyStopping", `on must be 'validation' or 'train', got ${arg.describe(on)}`);
  if (mode !== "min" && mode !== "max") throw new GraphgradError("earlyStopping", `mode must be 'min' or 'max', got ${arg.describe(mode)}`);
  let best = mode === "min" ? Infinity : -Infinity;
  let bestEpoch = 0;
  let wait = 0;
  return {
    name: "earlyStopping",
    onTrainStart: () => {
      best = mode === "min" ? Infinity : -Infinity;
      bestEpoch = 0;
      wait = 0;
    },
    onEpochEnd: (ctx) => {
      const source = on === "validation" ? ctx.validation : ctx.metrics;
      const v = source?.[metric];
      if (v === undefined) {
        const have = source === undefined ? "no validation set is configured" : `${on} metrics: ${Object.keys(source).join(", ")}`;
        throw new GraphgradError("earlyStopping", `no ${on} metric '${metric}' (${have})`);
      }
      const improved = mode === "min" ? v < best - minDelta : v > best + minDelta;
      if (improved) {
        best = v;
        bestEpoch = ctx.epoch;
        wait = 0;
        return;
      }
      wait++;
      if (wait >= patience) {
        const bestText = bestEpoch === 0 ? "no finite value yet" : `best ${formatNumber(best)} at epoch ${bestEpoch}`;
        ctx.stop(`early stopping at epoch ${ctx.epoch}: ${on} ${metric} has not improved for ${wait} epoch${wait === 1 ? "" : "s"} (${bestText})`);
      }
    },
  };
}

export interface StopOnNonFiniteOptions {
  /** Throw a GraphgradError instead of stopping (default: stop, with the reason in the result). */
  readonly throw?: boolean;
  /** Scan the parameters and optimizer state after every step, not only the metrics (default true). */
  readonly checkState?: boolean;
}

/**
 * Stops at the first step after which a metric or a tensor of the state holds NaN or ±Infinity,
 * naming the first such tensor (parameters first, then optimizer state, EMA, metrics):
 * `non-finite value in param 'w1' at step 37 (NaN at [2,1]); stopped with the last finite state
 * (step 36)`. `fit` then returns the last finite state, not the broken one, so the hook keeps it
 * (one more state in memory: the parameters, optimizer state and moving averages). A train step
 * that donates its state (`donate: true`) overwrites the previous state's arrays, so the hook then
 * keeps a copy in arrays of its own, refreshed by a copy after every step (no allocation).
 * With `throw: true` nothing is kept.
 */
export function stopOnNonFinite(options: StopOnNonFiniteOptions = {}): Hook {
  arg.options("stopOnNonFinite", options);
  const keepsState = options.throw !== true;
  let last: TrainState | undefined;
  let copy = new StateCopy();
  const keep = (ctx: FitContext): void => {
    if (!keepsState) return;
    if (ctx.donate === true) copy.refresh(ctx.state);
    else last = ctx.state;
  };
  return {
    name: "stopOnNonFinite",
    onTrainStart: (ctx) => {
      last = undefined;
      copy = new StateCopy();
      keep(ctx);
    },
    onStepEnd: (ctx) => {
      const found = findNonFinite(ctx.state, ctx.metrics, options.checkState !== false);
      if (found === undefined) {
        keep(ctx);
        return;
      }
      const message = describeNonFinite(found, ctx.state.step);
      if (options.throw === true) throw new GraphgradError("fit", message);
      const good = ctx.donate === true ? copy.take() : last;
      if (good === undefined) ctx.stop(message);
      else ctx.stop(`${message}; stopped with the last finite state (step ${good.step})`, good);
    },
  };
}

export { tensorboard, type TensorBoardOptions } from "./tensorboard.js";
