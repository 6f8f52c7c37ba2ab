import { GraphgradError } from "../ir/errors.js";
import { formatShape } from "../ir/shape.js";
import { Tensor } from "../ir/tensor.js";
import * as checkpoint from "./io/checkpoint.js";
import { resolveBackend } from "./compile.js";
import { Dataset } from "./data/dataset.js";
import { Expr } from "./expr.js";
import { fit } from "./fit.js";
import { RunningMean } from "./fit/running-mean.js";
import { glorotUniform, values as initValues, zeros } from "./nn/init.js";
import { input, oneHot } from "./ops.js";
import * as random from "./random.js";
import { checkColumns, splitValidation, toDataset } from "./regression/data.js";
import { metricKey, metricOf } from "./regression/metrics.js";
import { KEY_INPUT, resolveModel, usesInput } from "./regression/model.js";
import { lossOf } from "./regression/objectives.js";
import { optimizerOf } from "./regression/optimizers.js";
import { paramsOf, trainStep } from "./train.js";
import { LOSSES } from "./regression/objectives.js";
import { METRICS } from "./regression/metrics.js";
import { OPTIMIZERS } from "./regression/optimizers.js";
import { KEY_INPUT as KEY_INPUT2 } from "./regression/model.js";
const REGRESSION_DEFAULTS = Object.freeze({
  optimizer: "adam",
  loss: "categorical_crossentropy",
  learningRate: 1e-3,
  batchSize: 64,
  shuffle: true,
  /** DNN's clip_gradients. */
  clipGradients: 5,
  /** TrainOp's ema (0: none). */
  ema: 0,
  /** DNN.fit's n_epoch. */
  epochs: 10,
  /** DNN.evaluate's batch_size. */
  evaluateBatchSize: 128,
  /** The default metric when the output has a class axis (size > 1). */
  metric: "accuracy",
  /** The default targets input's name (tflearn's "TargetsData/Y"). */
  targets: "targets"
});
function positiveInteger(what, n) {
  if (!Number.isInteger(n) || n < 1) throw new GraphgradError("regression", `${what} must be a positive integer, got ${n}`);
  return n;
}
function isTensorLike(x) {
  return x instanceof Tensor || Array.isArray(x) || ArrayBuffer.isView(x);
}
function targetsOf(output, config) {
  const oneHotClasses = () => {
    const classes = output.shape[output.rank - 1];
    if (output.rank < 1 || typeof classes !== "number") throw new GraphgradError("regression", `toOneHot needs an output whose last axis has a known size, got ${formatShape(output.shape)}`);
    return classes;
  };
  if (config.targets === void 0) {
    const name = REGRESSION_DEFAULTS.targets;
    if (config.toOneHot === true) {
      const t3 = input(name, output.shape.slice(0, -1), "int32");
      return { input: t3, name, value: oneHot(t3, oneHotClasses(), output.dtype) };
    }
    const t2 = input(name, output.shape, output.dtype);
    return { input: t2, name, value: t2 };
  }
  const t = config.targets;
  if (!(t instanceof Expr) || t.node.op !== "input" || t.node.attrs.kind !== "input") throw new GraphgradError("regression", "targets must be an input(...) expression");
  const value = config.toOneHot === true ? oneHot(t, oneHotClasses(), output.dtype) : t;
  const compatible = value.rank === output.rank && value.shape.every((d, i) => d === output.shape[i] || typeof d === "string" || typeof output.shape[i] === "string");
  if (!compatible) throw new GraphgradError("regression", `targets ${formatShape(value.shape)} do not match the output ${formatShape(output.shape)}`);
  return { input: t, name: t.node.attrs.name, value };
}
class RegressionModel {
  constructor(config) {
    this.config = config;
    const model = resolveModel(config.model, config.inputs);
    const targets = targetsOf(model.train.output, config);
    if (model.inputs[targets.name] !== void 0) {
      throw new GraphgradError("regression", `the targets input '${targets.name}' is also an input of the model: pass another \`targets\` input`);
    }
    this.inputNames = Object.keys(model.inputs);
    if (this.inputNames.length === 0) throw new GraphgradError("regression", "the model has no input: its output must depend on at least one input(...)");
    this.targetsName = targets.name;
    for (const [n, e] of Object.entries(model.inputs)) this.dtypes[n] = e.dtype;
    this.dtypes[targets.name] = targets.input.dtype;
    this.output = model.infer;
    this.updates = model.train.updates;
    const loss = config.loss ?? REGRESSION_DEFAULTS.loss;
    this.loss = lossOf(loss, model.train.output, targets.value);
    this.inferLoss = lossOf(loss, model.infer, targets.value);
    const last = model.infer.shape[model.infer.rank - 1];
    const metric = config.metric === void 0 ? model.infer.rank >= 1 && last !== 1 ? REGRESSION_DEFAULTS.metric : null : config.metric;
    this.metricName = metric === null ? void 0 : metricKey(metric);
    if (this.metricName === "loss" || this.metricName === "gradNorm" || this.metricName === "lr") throw new GraphgradError("regression", `metric name '${this.metricName}' is reserved`);
    this.trainMetric = metric === null ? void 0 : metricOf(metric, model.train.output, targets.value);
    this.inferMetric = metric === null ? void 0 : metricOf(metric, model.infer, targets.value);
    this.optimizer = optimizerOf({
      optimizer: config.optimizer ?? REGRESSION_DEFAULTS.optimizer,
      learningRate: config.learningRate ?? (config.optimizer === void 0 || typeof config.optimizer === "string" ? REGRESSION_DEFAULTS.learningRate : void 0),
      clipGradients: config.clipGradients ?? REGRESSION_DEFAULTS.clipGradients
    });
    this.batchSize = positiveInteger("batchSize", config.batchSize ?? REGRESSION_DEFAULTS.batchSize);
    const ema = config.ema ?? REGRESSION_DEFAULTS.ema;
    if (!(ema >= 0 && ema < 1)) throw new GraphgradError("regression", `ema must be in [0, 1) (0: none), got ${ema}`);
    this.seed = config.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0 || this.seed > 2 ** 31 - 1) throw new GraphgradError("regression", `seed must be an integer in [0, 2^31), got ${this.seed}`);
    this.backend = resolveBackend(config.backend);
    this.trainUsesKey = usesInput(KEY_INPUT, this.loss, ...Object.values(this.updates));
    this.inferUsesKey = usesInput(KEY_INPUT, this.inferLoss);
  }
  config;
  inputNames;
  targetsName;
  output;
  loss;
  metricName;
  batchSize;
  inferLoss;
  inferMetric;
  trainMetric;
  updates;
  optimizer;
  dtypes = {};
  seed;
  /** One backend value for every graph (a string would make one, with its own workers, per compile). */
  backend;
  trainUsesKey;
  inferUsesKey;
  current;
  fits = 0;
  step;
  predictor;
  evaluator;
  get state() {
    return this.current;
  }
  trainStep() {
    const ema = this.config.ema ?? REGRESSION_DEFAULTS.ema;
    this.step ??= trainStep({
      loss: this.loss,
      optimizer: this.optimizer,
      ...this.trainMetric === void 0 || this.metricName === void 0 ? {} : { metrics: { [this.metricName]: this.trainMetric } },
      ...ema > 0 ? { ema: { decay: ema, numUpdates: true } } : {},
      ...Object.keys(this.updates).length > 0 ? { updates: this.updates } : {},
      ...this.config.regularization === void 0 ? {} : { regularization: this.config.regularization },
      ...this.config.trainable === void 0 ? {} : { trainable: this.config.trainable },
      backend: this.backend
    });
    return this.step;
  }
  async init() {
    const step = await this.trainStep();
    const params = paramsOf(this.loss, ...Object.values(this.updates));
    const given = new Map((this.config.params ?? []).map((s) => [s.name, s]));
    const names = new Set(params.map((p) => p.node.op === "input" ? p.node.attrs.name : ""));
    for (const n of given.keys()) if (!names.has(n)) throw new GraphgradError("regression", `params: '${n}' is not a parameter of the model (parameters: ${[...names].join(", ")})`);
    const specs = [];
    for (const p of params) {
      if (p.node.op !== "input") continue;
      const name = p.node.attrs.name;
      const spec = given.get(name);
      if (spec !== void 0) specs.push(spec);
      else {
        if (!p.shape.every((d) => typeof d === "number")) throw new GraphgradError("regression", `parameter '${name}' has a symbolic shape ${formatShape(p.shape)}`);
        specs.push({ name, shape: p.shape, dtype: p.dtype, init: p.rank >= 2 ? glorotUniform() : zeros() });
      }
    }
    const values = await initValues(specs, random.key(this.seed), { backend: this.backend });
    this.current = await step.init({ ...values, ...this.config.initialValues ?? {} });
    return this.current;
  }
  setState(state) {
    this.current = state;
  }
  async ensureState() {
    return this.current ?? await this.init();
  }
  /** Only the columns the graph reads. */
  columns(d, names, where) {
    checkColumns(d, names, where);
    const out = {};
    for (const n of names) out[n] = d.column(n);
    return new Dataset(out);
  }
  keyFeed(step) {
    return { [KEY_INPUT]: new Tensor("int32", [2], Int32Array.of(step + 1, this.seed)) };
  }
  async fit(data, options = {}) {
    const step = await this.trainStep();
    const initial = await this.ensureState();
    const feedNames = Object.keys(options.feeds ?? {});
    const columns = [...this.inputNames.filter((n) => !feedNames.includes(n)), this.targetsName];
    let train = this.columns(toDataset(data, this.dtypes, "the training data"), columns, "the training data");
    const validationData = options.validation ?? this.config.validation;
    let validation;
    if (typeof validationData === "number") [train, validation] = splitValidation(train, validationData, this.seed);
    else if (validationData !== void 0) validation = this.columns(toDataset(validationData, this.dtypes, "the validation data"), columns, "the validation data");
    const batchSize = positiveInteger("batchSize", options.batchSize ?? this.batchSize);
    const epochs = options.epochs ?? this.config.epochs ?? REGRESSION_DEFAULTS.epochs;
    const shuffle = options.shuffle ?? this.config.shuffle ?? REGRESSION_DEFAULTS.shuffle;
    const hooks = [];
    if (this.trainUsesKey) hooks.push({ name: "regression.key", feeds: (ctx) => this.keyFeed(ctx.state.step) });
    hooks.push(...options.hooks ?? []);
    const metrics = { loss: this.inferLoss };
    if (this.inferMetric !== void 0 && this.metricName !== void 0) metrics[this.metricName] = this.inferMetric;
    const validationOptions = validation === void 0 ? void 0 : {
      data: validation,
      metrics,
      batchSize: options.validationBatchSize ?? batchSize,
      feeds: { ...options.feeds ?? {}, ...this.inferUsesKey ? this.keyFeed(0) : {} }
    };
    const fits = this.fits++;
    const result = await fit(step, initial, {
      train,
      batchSize,
      epochs,
      ...shuffle ? { shuffle: { seed: this.seed + fits } } : {},
      ...options.feeds === void 0 ? {} : { feeds: options.feeds },
      ...validationOptions === void 0 ? {} : { validation: validationOptions },
      hooks,
      ...options.progress === void 0 ? {} : { progress: options.progress },
      ...options.log === void 0 ? {} : { log: options.log }
    });
    this.current = result.state;
    return result;
  }
  batchFeeds(x, extra) {
    let feeds;
    if (isTensorLike(x)) {
      if (this.inputNames.length !== 1) throw new GraphgradError("regression", `the model has ${this.inputNames.length} inputs (${this.inputNames.join(", ")}): pass feeds by name`);
      feeds = { [this.inputNames[0]]: x };
    } else feeds = x;
    return { ...extra ?? {}, ...this.inferUsesKey ? this.keyFeed(0) : {}, ...feeds };
  }
  async predict(x, options = {}) {
    const step = await this.trainStep();
    const state = await this.ensureState();
    this.predictor ??= step.evaluator({ output: this.output });
    const run = await this.predictor;
    const feeds = this.batchFeeds(x, options.feeds);
    const missing = this.inputNames.filter((n) => feeds[n] === void 0);
    if (missing.length > 0) throw new GraphgradError("regression", `predict: no value for input ${missing.map((n) => `'${n}'`).join(", ")}`);
    return (await run(state, feeds, options.useEma === true)).output;
  }
  async evaluate(data, options = {}) {
    const step = await this.trainStep();
    const state = await this.ensureState();
    const outputs = { loss: this.inferLoss };
    if (this.inferMetric !== void 0 && this.metricName !== void 0) outputs[this.metricName] = this.inferMetric;
    this.evaluator ??= step.evaluator(outputs);
    const run = await this.evaluator;
    const feedNames = Object.keys(options.feeds ?? {});
    const columns = [...this.inputNames.filter((n) => !feedNames.includes(n)), this.targetsName];
    const d = this.columns(toDataset(data, this.dtypes, "the evaluation data"), columns, "the evaluation data");
    if (d.size === 0) throw new GraphgradError("regression", "evaluate: the data has no rows");
    const mean = new RunningMean();
    for (const b of d.batches(positiveInteger("batchSize", options.batchSize ?? REGRESSION_DEFAULTS.evaluateBatchSize))) {
      const r = await run(state, this.batchFeeds(b, options.feeds), options.useEma === true);
      mean.add(Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.item()])), b[columns[0]]?.shape[0]);
    }
    return { ...mean.means(void 0) };
  }
  async save(path, metadata = {}) {
    if (this.current === void 0) throw new GraphgradError("regression", "save: nothing to save yet (fit or init first)");
    await checkpoint.save(path, this.current, metadata);
  }
  async load(path) {
    const like = await this.ensureState();
    const loaded = await checkpoint.load(path, like);
    this.current = loaded.state;
    return loaded.metadata;
  }
}
function regression(config) {
  if (typeof config !== "object" || config === null) throw new GraphgradError("regression", "expected a configuration object");
  return new RegressionModel(config);
}
export {
  KEY_INPUT2 as KEY_INPUT,
  LOSSES,
  METRICS,
  OPTIMIZERS,
  REGRESSION_DEFAULTS,
  regression
};
