import { GraphgradError } from "../ir/errors.js";
import type { Feeds } from "./compile.js";
import { type Batch, checkBatchSize, Dataset } from "./data/dataset.js";
import * as arg from "./args.js";
import { Expr } from "./expr.js";
import type { TransformState } from "./optim/transform.js";
import type { TrainState, TrainStep } from "./train.js";
import { formatMetrics, formatRate, Reporter, type ProgressSink } from "./fit/progress.js";
import { RunningMean } from "./fit/running-mean.js";
import type { EpochRecord, EvaluateFn, FitContext, FitOptions, FitResult, MetricValues, ValidationOptions } from "./fit/types.js";

/**
 * `fit`: epochs of mini-batches through a compiled train step, with seeded shuffling, a validation
 * set, metrics averaged per epoch, hooks, and progress output. The train step stays pure: `fit`
 * threads the state from step to step and returns the last one with the history.
 */

export type { EpochRecord, EvaluateFn, FitContext, FitOptions, FitResult, Hook, MetricValues, ValidationOptions } from "./fit/types.js";
export type { ProgressSink } from "./fit/progress.js";
export * as hooks from "./fit/hooks.js";
export * as metrics from "./fit/metrics.js";

export async function fit<S extends TransformState>(step: TrainStep<S>, initial: TrainState<S>, options: FitOptions<NoInfer<S>>): Promise<FitResult<S>> {
  arg.record("fit", step, "the train step");
  arg.func("fit", step.run, "the train step's run (pass the result of gg.trainStep)");
  arg.func("fit", step.evaluator, "the train step's evaluator (pass the result of gg.trainStep)");
  arg.record("fit", initial, "the initial state");
  arg.number("fit", initial.step, "the initial state's step", { integer: true, min: 0 });
  arg.record("fit", options, "the options");
  const { train, batchSize, epochs, perplexity } = options;
  if (perplexity !== undefined) arg.string("fit", perplexity, "perplexity");
  if (options.hooks !== undefined) {
    arg.array("fit", options.hooks, "hooks");
    options.hooks.forEach((h, i) => arg.record("fit", h, `hooks[${i}]`));
  }
  if (options.feeds !== undefined) arg.record("fit", options.feeds, "feeds");
  if (options.shuffle !== undefined) {
    arg.record("fit", options.shuffle, "shuffle");
    arg.number("fit", options.shuffle.seed, "shuffle.seed", { integer: true, min: 0 });
  }
  if (options.log !== undefined) arg.func("fit", options.log, "log");
  if (options.progress !== undefined && typeof options.progress !== "boolean") {
    arg.record("fit", options.progress, "progress");
    arg.func("fit", options.progress.write, "progress.write");
  }
  if (!(train instanceof Dataset)) throw new GraphgradError("fit", "`train` must be a Dataset (gg.data.dataset({...}))");
  checkBatchSize(batchSize);
  arg.number("fit", epochs, "epochs", { integer: true, min: 0 });
  const dropRemainder = options.dropRemainder === true;
  const perEpoch = train.numBatches(batchSize, dropRemainder);
  if (perEpoch === 0) throw new GraphgradError("fit", `the training set (${train.size} rows) gives no batch of ${batchSize}${dropRemainder ? " with dropRemainder" : ""}`);
  const hooks = options.hooks ?? [];
  const sink: ProgressSink | undefined = options.progress === false ? undefined : options.progress === undefined || options.progress === true ? process.stdout : options.progress;
  const reporter = new Reporter(sink, options.log ?? ((line) => (sink ?? process.stdout).write(`${line}\n`)));
  const validate = await validator(step, options.validation, batchSize, perplexity);

  let state = initial;
  const history: EpochRecord[] = [];
  let stopReason: string | undefined;
  let epoch = options.resume === true ? Math.floor(state.step / perEpoch) + 1 : 1;
  let skip = options.resume === true ? state.step % perEpoch : 0;
  let batch = skip;
  let stepsRun = 0;
  let examples = 0;
  let started = performance.now();
  let metrics: MetricValues = {};
  let running = new RunningMean();
  let validation: MetricValues | undefined;

  const seconds = (): number => (performance.now() - started) / 1000;
  const ctx = (): FitContext<S> => {
    const s = seconds();
    return {
      state,
      epoch,
      epochs,
      batch,
      batchesPerEpoch: perEpoch,
      metrics,
      running: running.means(perplexity),
      validation,
      history,
      seconds: s,
      stepsPerSecond: s > 0 ? stepsRun / s : 0,
      examplesPerSecond: s > 0 ? examples / s : 0,
      donate: step.donate,
      log: (line) => reporter.line(line),
      stop: (reason, replacement) => {
        if (stopReason !== undefined) return;
        stopReason = reason;
        if (replacement !== undefined) state = replacement;
      },
    };
  };

  try {
    for (const h of hooks) await h.onTrainStart?.(ctx());
    for (; epoch <= epochs && stopReason === undefined; epoch++) {
      [batch, stepsRun, examples, started, metrics, running, validation] = [skip, 0, 0, performance.now(), {}, new RunningMean(), undefined];
      for (const h of hooks) await h.onEpochStart?.(ctx());
      if (stopReason !== undefined) break;
      const shuffle = options.shuffle === undefined ? undefined : { seed: options.shuffle.seed, stream: epoch };
      for (const b of train.batches(batchSize, { dropRemainder, shuffle, from: skip })) {
        let feeds: Feeds = { ...options.feeds, ...b };
        for (const h of hooks) {
          const extra = h.feeds?.(ctx());
          if (extra !== undefined) feeds = { ...feeds, ...extra };
        }
        const [next, m] = await step.run(state, feeds);
        const rows = rowsOf(b);
        [state, metrics] = [next, m];
        batch++;
        stepsRun++;
        examples += rows;
        running.add(m, rows);
        for (const h of hooks) await h.onStepEnd?.(ctx());
        if (stopReason !== undefined) break;
        if (reporter.terminal) {
          const c = ctx();
          reporter.bar({ epoch, epochs, done: batch, total: perEpoch, metrics: c.running, stepsPerSecond: c.stepsPerSecond, examplesPerSecond: c.examplesPerSecond });
        }
      }
      skip = 0;
      // An epoch cut short by a hook is recorded (its batches' averages) but not validated.
      const completed = stopReason === undefined;
      const trained = ctx(); // the rates of the training steps alone
      metrics = running.means(perplexity);
      if (completed && validate !== undefined) validation = await validate(state);
      const record: EpochRecord = { epoch, step: state.step, batches: stepsRun, seconds: seconds(), train: metrics, ...(validation === undefined ? {} : { validation }) };
      history.push(Object.freeze(record));
      if (reporter.enabled) {
        const parts = [`epoch ${epoch}/${epochs}`, `${stepsRun} steps`, `${record.seconds.toFixed(2)}s`, formatRate(trained.stepsPerSecond, trained.examplesPerSecond), formatMetrics(metrics), formatMetrics(validation ?? {}, "val_")];
        reporter.line(parts.filter((p) => p !== "").join("  "));
      }
      if (!completed) break;
      for (const h of hooks) await h.onEpochEnd?.(ctx());
      if (stopReason !== undefined) break;
    }
    if (epoch > epochs) epoch = epochs;
    for (const h of hooks) await h.onTrainEnd?.(ctx());
    if (stopReason !== undefined && reporter.enabled) reporter.line(`stopped: ${stopReason}`);
  } finally {
    reporter.clear();
  }
  const result: FitResult<S> = { state, history, ...(stopReason === undefined ? {} : { stopped: { reason: stopReason, epoch, step: state.step } }) };
  return Object.freeze(result);
}

function rowsOf(b: Batch): number {
  for (const t of Object.values(b)) return t.shape[0] as number;
  return 0;
}

/** Validation over the whole set, metrics averaged over its batches weighted by their rows. */
async function validator<S extends TransformState>(
  step: TrainStep<S>,
  v: ValidationOptions<S> | undefined,
  batchSize: number,
  perplexity: string | undefined,
): Promise<((state: TrainState<S>) => Promise<MetricValues>) | undefined> {
  if (v === undefined) return undefined;
  arg.record("fit", v, "validation");
  if (!(v.data instanceof Dataset)) throw new GraphgradError("fit", "validation.data must be a Dataset");
  if (v.data.size === 0) throw new GraphgradError("fit", "the validation set has no rows");
  const size = v.batchSize ?? batchSize;
  checkBatchSize(size);
  let evaluate: EvaluateFn<S>;
  if (typeof v.metrics === "function") evaluate = v.metrics;
  else {
    arg.record("fit", v.metrics, "validation.metrics (named scalar Exprs or a function)");
    const outputs = v.metrics;
    for (const [k, e] of Object.entries(outputs)) {
      if (!(e instanceof Expr) || e.rank !== 0) throw new GraphgradError("fit", `validation metric '${k}' must be a scalar Expr`);
    }
    const run = await step.evaluator(outputs);
    evaluate = async (state, batch) => {
      const r = await run(state, { ...v.feeds, ...batch }, v.useEma === true);
      return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.item()]));
    };
  }
  return async (state) => {
    const mean = new RunningMean();
    for (const b of v.data.batches(size)) mean.add(await evaluate(state, b), rowsOf(b));
    return Object.freeze(mean.means(perplexity));
  };
}
