import { GraphgradError } from "../ir/errors.js";
import { checkBatchSize, Dataset } from "./data/dataset.js";
import { Expr } from "./expr.js";
import { formatMetrics, formatRate, Reporter } from "./fit/progress.js";
import { RunningMean } from "./fit/running-mean.js";
import * as hooks from "./fit/hooks.js";
import * as metrics from "./fit/metrics.js";
async function fit(step, initial, options) {
  const { train, batchSize, epochs, perplexity } = options;
  if (!(train instanceof Dataset)) throw new GraphgradError("fit", "`train` must be a Dataset (gg.data.dataset({...}))");
  checkBatchSize(batchSize);
  if (!Number.isInteger(epochs) || epochs < 0) throw new GraphgradError("fit", `epochs must be a non-negative integer, got ${epochs}`);
  const dropRemainder = options.dropRemainder === true;
  const perEpoch = train.numBatches(batchSize, dropRemainder);
  if (perEpoch === 0) throw new GraphgradError("fit", `the training set (${train.size} rows) gives no batch of ${batchSize}${dropRemainder ? " with dropRemainder" : ""}`);
  const hooks2 = options.hooks ?? [];
  const sink = options.progress === false ? void 0 : options.progress === void 0 || options.progress === true ? process.stdout : options.progress;
  const reporter = new Reporter(sink, options.log ?? ((line) => (sink ?? process.stdout).write(`${line}
`)));
  const validate = await validator(step, options.validation, batchSize, perplexity);
  let state = initial;
  const history = [];
  let stopReason;
  let epoch = options.resume === true ? Math.floor(state.step / perEpoch) + 1 : 1;
  let skip = options.resume === true ? state.step % perEpoch : 0;
  let batch = skip;
  let stepsRun = 0;
  let examples = 0;
  let started = performance.now();
  let metrics2 = {};
  let running = new RunningMean();
  let validation;
  const seconds = () => (performance.now() - started) / 1e3;
  const ctx = () => {
    const s = seconds();
    return {
      state,
      epoch,
      epochs,
      batch,
      batchesPerEpoch: perEpoch,
      metrics: metrics2,
      running: running.means(perplexity),
      validation,
      history,
      seconds: s,
      stepsPerSecond: s > 0 ? stepsRun / s : 0,
      examplesPerSecond: s > 0 ? examples / s : 0,
      log: (line) => reporter.line(line),
      stop: (reason) => {
        stopReason ??= reason;
      }
    };
  };
  try {
    for (const h of hooks2) await h.onTrainStart?.(ctx());
    for (; epoch <= epochs && stopReason === void 0; epoch++) {
      [batch, stepsRun, examples, started, metrics2, running, validation] = [skip, 0, 0, performance.now(), {}, new RunningMean(), void 0];
      for (const h of hooks2) await h.onEpochStart?.(ctx());
      if (stopReason !== void 0) break;
      const shuffle = options.shuffle === void 0 ? void 0 : { seed: options.shuffle.seed, stream: epoch };
      for (const b of train.batches(batchSize, { dropRemainder, shuffle, from: skip })) {
        let feeds = { ...options.feeds, ...b };
        for (const h of hooks2) {
          const extra = h.feeds?.(ctx());
          if (extra !== void 0) feeds = { ...feeds, ...extra };
        }
        const [next, m] = await step.run(state, feeds);
        const rows = rowsOf(b);
        [state, metrics2] = [next, m];
        batch++;
        stepsRun++;
        examples += rows;
        running.add(m, rows);
        for (const h of hooks2) await h.onStepEnd?.(ctx());
        if (stopReason !== void 0) break;
        if (reporter.terminal) {
          const c = ctx();
          reporter.bar({ epoch, epochs, done: batch, total: perEpoch, metrics: c.running, stepsPerSecond: c.stepsPerSecond, examplesPerSecond: c.examplesPerSecond });
        }
      }
      skip = 0;
      const completed = stopReason === void 0;
      const trained = ctx();
      metrics2 = running.means(perplexity);
      if (completed && validate !== void 0) validation = await validate(state);
      const record = { epoch, step: state.step, batches: stepsRun, seconds: seconds(), train: metrics2, ...validation === void 0 ? {} : { validation } };
      history.push(Object.freeze(record));
      if (reporter.enabled) {
        const parts = [`epoch ${epoch}/${epochs}`, `${stepsRun} steps`, `${record.seconds.toFixed(2)}s`, formatRate(trained.stepsPerSecond, trained.examplesPerSecond), formatMetrics(metrics2), formatMetrics(validation ?? {}, "val_")];
        reporter.line(parts.filter((p) => p !== "").join("  "));
      }
      if (!completed) break;
      for (const h of hooks2) await h.onEpochEnd?.(ctx());
      if (stopReason !== void 0) break;
    }
    if (epoch > epochs) epoch = epochs;
    for (const h of hooks2) await h.onTrainEnd?.(ctx());
    if (stopReason !== void 0 && reporter.enabled) reporter.line(`stopped: ${stopReason}`);
  } finally {
    reporter.clear();
  }
  const result = { state, history, ...stopReason === void 0 ? {} : { stopped: { reason: stopReason, epoch, step: state.step } } };
  return Object.freeze(result);
}
function rowsOf(b) {
  for (const t of Object.values(b)) return t.shape[0];
  return 0;
}
async function validator(step, v, batchSize, perplexity) {
  if (v === void 0) return void 0;
  if (!(v.data instanceof Dataset)) throw new GraphgradError("fit", "validation.data must be a Dataset");
  if (v.data.size === 0) throw new GraphgradError("fit", "the validation set has no rows");
  const size = v.batchSize ?? batchSize;
  checkBatchSize(size);
  let evaluate;
  if (typeof v.metrics === "function") evaluate = v.metrics;
  else {
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
export {
  fit,
  hooks,
  metrics
};
