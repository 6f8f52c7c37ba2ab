import type { Backend } from "../backends/backend.js";
import { GraphgradError } from "../ir/errors.js";
import { formatShape } from "../ir/shape.js";
import { Tensor } from "../ir/tensor.js";
import * as checkpoint from "./io/checkpoint.js";
import { type Feeds, resolveBackend, type TensorLike } from "./compile.js";
import { Dataset } from "./data/dataset.js";
import { Expr } from "./expr.js";
import { fit } from "./fit.js";
import { RunningMean } from "./fit/running-mean.js";
import type { ProgressSink } from "./fit/progress.js";
import type { FitResult, Hook, ValidationOptions } from "./fit/types.js";
import { glorotUniform, type ParamSpec, values as initValues, zeros } from "./nn/init.js";
import { input, oneHot } from "./ops.js";
import * as random from "./random.js";
import type { LearningRate } from "./optim/schedules.js";
import type { GradientTransformation, TransformState } from "./optim/transform.js";
import { type DataLike, checkColumns, splitValidation, toDataset, type ValidationData } from "./regression/data.js";
import { type MetricFn, type MetricName, metricKey, metricOf } from "./regression/metrics.js";
import { type InputSpec, KEY_INPUT, type ModelLike, resolveModel, usesInput } from "./regression/model.js";
import { type LossFn, type LossName, lossOf } from "./regression/objectives.js";
import { type OptimizerName, optimizerOf } from "./regression/optimizers.js";
import { paramsOf, type Regularization, type TrainState, type TrainStep, trainStep } from "./train.js";

/**
 * `regression`: tflearn's front door — its `regression` layer and its `DNN` model in one. Give it
 * a model, an optimizer, a loss and a metric by name (or as values); it builds the targets input,
 * the loss, the metric and ONE compiled train step (clipping, optimizer, moving averages), and
 * returns an estimator that keeps the current state: `fit`, `predict`, `evaluate`, `save`, `load`.
 * Defaults are tflearn's.
 */

export type { DataLike, ValidationData } from "./regression/data.js";
export type { InputSpec, ModelContext, ModelFn, ModelLike, ModelResult } from "./regression/model.js";
export type { LossFn, LossName } from "./regression/objectives.js";
export type { MetricFn, MetricName } from "./regression/metrics.js";
export type { OptimizerName } from "./regression/optimizers.js";
export { LOSSES } from "./regression/objectives.js";
export { METRICS } from "./regression/metrics.js";
export { OPTIMIZERS } from "./regression/optimizers.js";
export { KEY_INPUT } from "./regression/model.js";

/** tflearn's defaults (`regression`, `DNN`, `DNN.fit`, `DNN.evaluate`). */
export const REGRESSION_DEFAULTS = Object.freeze({
  optimizer: "adam",
  loss: "categorical_crossentropy",
  learningRate: 0.001,
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
  targets: "targets",
} as const);

export interface RegressionConfig<K extends string = string> {
  /** The output Expr (its inputs are found), `{ output, inputs }`, or a function of `inputs` and `{ training, key }`. */
  readonly model: ModelLike<K>;
  /** For a model function: its inputs, as input Exprs or shapes (`{ x: [null, 4] }`, `{ ids: { shape: [null, 5], dtype: "int32" } }`). */
  readonly inputs?: Readonly<Record<K, Expr | InputSpec>>;
  /** The targets input (tflearn's `placeholder`); default: an input named "targets" of the output's shape and dtype. */
  readonly targets?: Expr;
  /** Targets are int32 class indices (one axis fewer than the output), one-hot encoded in the graph (tflearn's to_one_hot). */
  readonly toOneHot?: boolean;
  /** A name ('sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta') or a gradient transformation. Default 'adam'. */
  readonly optimizer?: OptimizerName | GradientTransformation;
  /** For a named optimizer (a number or a schedule). Default 0.001. */
  readonly learningRate?: LearningRate;
  /** A name ('mean_square', 'categorical_crossentropy', 'softmax_categorical_crossentropy', 'binary_crossentropy', 'hinge_loss') or `(predictions, targets) => scalar`. Default 'categorical_crossentropy'. */
  readonly loss?: LossName | LossFn;
  /** 'accuracy', 'binary_accuracy', 'r2', a function, or null for none. Default: accuracy when the output's last axis has more than one element. */
  readonly metric?: MetricName | MetricFn | null;
  /** Default 64. */
  readonly batchSize?: number;
  /** Shuffle every epoch (seeded). Default true. */
  readonly shuffle?: boolean;
  /** Clip the gradients by this global norm before the optimizer; 0 disables. Default 5 (tflearn's DNN). */
  readonly clipGradients?: number;
  /** Decay of exponential moving averages of the parameters (TF's, with the step count); 0 (default) keeps none. */
  readonly ema?: number;
  /** Validation data or a fraction of the training data, used by every `fit` that gives none. */
  readonly validation?: ValidationData;
  /** Epochs of a `fit` that does not say. Default 10. */
  readonly epochs?: number;
  readonly regularization?: Regularization;
  /** The parameters to train (tflearn's trainable_vars); default all. */
  readonly trainable?: readonly string[];
  /** Initializers of parameters (e.g. `gg.nn.specsOf(...)`); the others start Glorot-uniform (rank >= 2) or zero. */
  readonly params?: readonly ParamSpec[];
  /** Initial values of parameters, over any initializer. */
  readonly initialValues?: Readonly<Record<string, TensorLike>>;
  /** Seed of the initial values, the shuffles, the validation split and the dropout keys. Default 0. */
  readonly seed?: number;
  /** Default: the JS reference backend (as `compile`). */
  readonly backend?: Backend | "js" | "wasm";
}

export interface RegressionFitOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly shuffle?: boolean;
  readonly validation?: ValidationData;
  /** Default: the batch size. */
  readonly validationBatchSize?: number;
  readonly hooks?: readonly Hook[];
  /** As `fit`'s: a progress bar on a terminal, a line per epoch otherwise; false for silence. */
  readonly progress?: boolean | ProgressSink;
  readonly log?: (line: string) => void;
  /** Extra feeds for every step (inputs that are not data columns). */
  readonly feeds?: Feeds;
}

export interface EvaluateOptions {
  /** Default 128 (tflearn). */
  readonly batchSize?: number;
  /** Use the moving averages of the parameters (needs `ema`). */
  readonly useEma?: boolean;
  readonly feeds?: Feeds;
}

export interface Regression {
  /** The data columns `fit` and `evaluate` read: the model's inputs and the targets. */
  readonly inputNames: readonly string[];
  readonly targetsName: string;
  /** The inference output and the training loss. */
  readonly output: Expr;
  readonly loss: Expr;
  /** The name the metric is reported under (undefined without a metric). */
  readonly metricName: string | undefined;
  readonly batchSize: number;
  /** The current state (undefined until initialized). */
  readonly state: TrainState | undefined;
  /** The compiled train step (compiled on first use). */
  trainStep(): Promise<TrainStep<TransformState>>;
  /** Initial parameters and optimizer state from the seed; `fit` and `predict` call it when needed. Returns the new state. */
  init(): Promise<TrainState>;
  /** Replaces the current state (e.g. one kept from an earlier `fit`). */
  setState(state: TrainState): void;
  /** Trains from the current state; the state after the last step becomes the current one. */
  fit(data: DataLike, options?: RegressionFitOptions): Promise<FitResult>;
  /** The inference output for input data: a tensor or nested array for a one-input model, else feeds by input name. */
  predict(x: TensorLike | Feeds, options?: { readonly useEma?: boolean; readonly feeds?: Feeds }): Promise<Tensor>;
  /** The loss and metric over data (inference graph), averaged over batches weighted by their rows. */
  evaluate(data: DataLike, options?: EvaluateOptions): Promise<Record<string, number>>;
  /** Saves the current state as a checkpoint (safetensors, written atomically). */
  save(path: string, metadata?: Readonly<Record<string, string>>): Promise<void>;
  /** Loads a checkpoint saved by a regression of the same model and optimizer; it becomes the current state. */
  load(path: string): Promise<Readonly<Record<string, string>>>;
}

function positiveInteger(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new GraphgradError("regression", `${what} must be a positive integer, got ${n}`);
  return n;
}

function isTensorLike(x: TensorLike | Feeds): x is TensorLike {
  return x instanceof Tensor || Array.isArray(x) || ArrayBuffer.isView(x);
}

/** The targets input and the expression the loss compares against (one-hot encoded when asked). */
function targetsOf(output: Expr, config: { readonly targets?: Expr | undefined; readonly toOneHot?: boolean | undefined }): { input: Expr; name: string; value: Expr } {
  const oneHotClasses = (): number => {
    const classes = output.shape[output.rank - 1];
    if (output.rank < 1 || typeof classes !== "number") throw new GraphgradError("regression", `toOneHot needs an output whose last axis has a known size, got ${formatShape(output.shape)}`);
    return classes;
  };
  if (config.targets === undefined) {
    const name = REGRESSION_DEFAULTS.targets;
    if (config.toOneHot === true) {
      const t = input(name, output.shape.slice(0, -1), "int32");
      return { input: t, name, value: oneHot(t, oneHotClasses(), output.dtype) };
    }
    const t = input(name, output.shape, output.dtype);
    return { input: t, name, value: t };
  }
  const t = config.targets;
  if (!(t instanceof Expr) || t.node.op !== "input" || t.node.attrs.kind !== "input") throw new GraphgradError("regression", "targets must be an input(...) expression");
  const value = config.toOneHot === true ? oneHot(t, oneHotClasses(), output.dtype) : t;
  const compatible = value.rank === output.rank && value.shape.every((d, i) => d === output.shape[i] || typeof d === "string" || typeof output.shape[i] === "string");
  if (!compatible) throw new GraphgradError("regression", `targets ${formatShape(value.shape)} do not match the output ${formatShape(output.shape)}`);
  return { input: t, name: t.node.attrs.name, value };
}

class RegressionModel<K extends string> implements Regression {
  readonly inputNames: readonly string[];
  readonly targetsName: string;
  readonly output: Expr;
  readonly loss: Expr;
  readonly metricName: string | undefined;
  readonly batchSize: number;
  private readonly inferLoss: Expr;
  private readonly inferMetric: Expr | undefined;
  private readonly trainMetric: Expr | undefined;
  private readonly updates: Readonly<Record<string, Expr>>;
  private readonly optimizer: GradientTransformation;
  private readonly dtypes: Record<string, Tensor["dtype"]> = {};
  private readonly seed: number;
  /** One backend value for every graph (a string would make one, with its own workers, per compile). */
  private readonly backend: Backend;
  private readonly trainUsesKey: boolean;
  private readonly inferUsesKey: boolean;
  private current: TrainState | undefined;
  private fits = 0;
  private step: Promise<TrainStep<TransformState>> | undefined;
  private predictor: Promise<(state: TrainState, batch: Feeds, useEma?: boolean) => Promise<Record<string, Tensor>>> | undefined;
  private evaluator: Promise<(state: TrainState, batch: Feeds, useEma?: boolean) => Promise<Record<string, Tensor>>> | undefined;

  constructor(private readonly config: RegressionConfig<K>) {
    const model = resolveModel(config.model, config.inputs);
    const targets = targetsOf(model.train.output, config);
    if (model.inputs[targets.name] !== undefined) {
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
    const metric = config.metric === undefined ? (model.infer.rank >= 1 && last !== 1 ? REGRESSION_DEFAULTS.metric : null) : config.metric;
    this.metricName = metric === null ? undefined : metricKey(metric);
    if (this.metricName === "loss" || this.metricName === "gradNorm" || this.metricName === "lr") throw new GraphgradError("regression", `metric name '${this.metricName}' is reserved`);
    this.trainMetric = metric === null ? undefined : metricOf(metric, model.train.output, targets.value);
    this.inferMetric = metric === null ? undefined : metricOf(metric, model.infer, targets.value);

    this.optimizer = optimizerOf({
      optimizer: config.optimizer ?? REGRESSION_DEFAULTS.optimizer,
      learningRate: config.learningRate ?? (config.optimizer === undefined || typeof config.optimizer === "string" ? REGRESSION_DEFAULTS.learningRate : undefined),
      clipGradients: config.clipGradients ?? REGRESSION_DEFAULTS.clipGradients,
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

  get state(): TrainState | undefined {
    return this.current;
  }

  trainStep(): Promise<TrainStep<TransformState>> {
    const ema = this.config.ema ?? REGRESSION_DEFAULTS.ema;
    this.step ??= trainStep({
      loss: this.loss,
      optimizer: this.optimizer,
      ...(this.trainMetric === undefined || this.metricName === undefined ? {} : { metrics: { [this.metricName]: this.trainMetric } }),
      ...(ema > 0 ? { ema: { decay: ema, numUpdates: true } } : {}),
      ...(Object.keys(this.updates).length > 0 ? { updates: this.updates } : {}),
      ...(this.config.regularization === undefined ? {} : { regularization: this.config.regularization }),
      ...(this.config.trainable === undefined ? {} : { trainable: this.config.trainable }),
      backend: this.backend,
    });
    return this.step;
  }

  async init(): Promise<TrainState> {
    const step = await this.trainStep();
    const params = paramsOf(this.loss, ...Object.values(this.updates));
    const given = new Map((this.config.params ?? []).map((s) => [s.name, s] as const));
    const names = new Set(params.map((p) => (p.node.op === "input" ? p.node.attrs.name : "")));
    for (const n of given.keys()) if (!names.has(n)) throw new GraphgradError("regression", `params: '${n}' is not a parameter of the model (parameters: ${[...names].join(", ")})`);
    const specs: ParamSpec[] = [];
    for (const p of params) {
      if (p.node.op !== "input") continue;
      const name = p.node.attrs.name;
      const spec = given.get(name);
      if (spec !== undefined) specs.push(spec);
      else {
        if (!p.shape.every((d): d is number => typeof d === "number")) throw new GraphgradError("regression", `parameter '${name}' has a symbolic shape ${formatShape(p.shape)}`);
        specs.push({ name, shape: p.shape, dtype: p.dtype, init: p.rank >= 2 ? glorotUniform() : zeros() });
      }
    }
    const values = await initValues(specs, random.key(this.seed), { backend: this.backend });
    this.current = await step.init({ ...values, ...(this.config.initialValues ?? {}) });
    return this.current;
  }

  setState(state: TrainState): void {
    this.current = state;
  }

  private async ensureState(): Promise<TrainState> {
    return this.current ?? (await this.init());
  }

  /** Only the columns the graph reads. */
  private columns(d: Dataset, names: readonly string[], where: string): Dataset {
    checkColumns(d, names, where);
    const out: Record<string, Tensor> = {};
    for (const n of names) out[n] = d.column(n);
    return new Dataset(out);
  }

  private keyFeed(step: number): Feeds {
    return { [KEY_INPUT]: new Tensor("int32", [2], Int32Array.of(step + 1, this.seed)) };
  }

  async fit(data: DataLike, options: RegressionFitOptions = {}): Promise<FitResult> {
    const step = await this.trainStep();
    const initial = await this.ensureState();
    const feedNames = Object.keys(options.feeds ?? {});
    const columns = [...this.inputNames.filter((n) => !feedNames.includes(n)), this.targetsName];
    let train = this.columns(toDataset(data, this.dtypes, "the training data"), columns, "the training data");
    const validationData = options.validation ?? this.config.validation;
    let validation: Dataset | undefined;
    if (typeof validationData === "number") [train, validation] = splitValidation(train, validationData, this.seed);
    else if (validationData !== undefined) validation = this.columns(toDataset(validationData, this.dtypes, "the validation data"), columns, "the validation data");
    const batchSize = positiveInteger("batchSize", options.batchSize ?? this.batchSize);
    const epochs = options.epochs ?? this.config.epochs ?? REGRESSION_DEFAULTS.epochs;
    const shuffle = options.shuffle ?? this.config.shuffle ?? REGRESSION_DEFAULTS.shuffle;
    const hooks: Hook[] = [];
    if (this.trainUsesKey) hooks.push({ name: "regression.key", feeds: (ctx) => this.keyFeed(ctx.state.step) });
    hooks.push(...(options.hooks ?? []));
    const metrics: Record<string, Expr> = { loss: this.inferLoss };
    if (this.inferMetric !== undefined && this.metricName !== undefined) metrics[this.metricName] = this.inferMetric;
    const validationOptions: ValidationOptions | undefined =
      validation === undefined
        ? undefined
        : {
            data: validation,
            metrics,
            batchSize: options.validationBatchSize ?? batchSize,
            feeds: { ...(options.feeds ?? {}), ...(this.inferUsesKey ? this.keyFeed(0) : {}) },
          };
    // Each fit call shuffles with its own seed, so that successive calls do not repeat an order.
    const fits = this.fits++;
    const result = await fit(step, initial, {
      train,
      batchSize,
      epochs,
      ...(shuffle ? { shuffle: { seed: this.seed + fits } } : {}),
      ...(options.feeds === undefined ? {} : { feeds: options.feeds }),
      ...(validationOptions === undefined ? {} : { validation: validationOptions }),
      hooks,
      ...(options.progress === undefined ? {} : { progress: options.progress }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    this.current = result.state;
    return result;
  }

  private batchFeeds(x: TensorLike | Feeds, extra: Feeds | undefined): Feeds {
    let feeds: Feeds;
    if (isTensorLike(x)) {
      if (this.inputNames.length !== 1) throw new GraphgradError("regression", `the model has ${this.inputNames.length} inputs (${this.inputNames.join(", ")}): pass feeds by name`);
      feeds = { [this.inputNames[0] as string]: x };
    } else feeds = x;
    return { ...(extra ?? {}), ...(this.inferUsesKey ? this.keyFeed(0) : {}), ...feeds };
  }

  async predict(x: TensorLike | Feeds, options: { readonly useEma?: boolean; readonly feeds?: Feeds } = {}): Promise<Tensor> {
    const step = await this.trainStep();
    const state = await this.ensureState();
    this.predictor ??= step.evaluator({ output: this.output });
    const run = await this.predictor;
    const feeds = this.batchFeeds(x, options.feeds);
    const missing = this.inputNames.filter((n) => feeds[n] === undefined);
    if (missing.length > 0) throw new GraphgradError("regression", `predict: no value for input ${missing.map((n) => `'${n}'`).join(", ")}`);
    return (await run(state, feeds, options.useEma === true)).output as Tensor;
  }

  async evaluate(data: DataLike, options: EvaluateOptions = {}): Promise<Record<string, number>> {
    const step = await this.trainStep();
    const state = await this.ensureState();
    const outputs: Record<string, Expr> = { loss: this.inferLoss };
    if (this.inferMetric !== undefined && this.metricName !== undefined) outputs[this.metricName] = this.inferMetric;
    this.evaluator ??= step.evaluator(outputs);
    const run = await this.evaluator;
    const feedNames = Object.keys(options.feeds ?? {});
    const columns = [...this.inputNames.filter((n) => !feedNames.includes(n)), this.targetsName];
    const d = this.columns(toDataset(data, this.dtypes, "the evaluation data"), columns, "the evaluation data");
    if (d.size === 0) throw new GraphgradError("regression", "evaluate: the data has no rows");
    const mean = new RunningMean();
    for (const b of d.batches(positiveInteger("batchSize", options.batchSize ?? REGRESSION_DEFAULTS.evaluateBatchSize))) {
      const r = await run(state, this.batchFeeds(b, options.feeds), options.useEma === true);
      mean.add(Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.item()])), b[columns[0] as string]?.shape[0] as number);
    }
    return { ...mean.means(undefined) };
  }

  async save(path: string, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.current === undefined) throw new GraphgradError("regression", "save: nothing to save yet (fit or init first)");
    await checkpoint.save(path, this.current, metadata);
  }

  async load(path: string): Promise<Readonly<Record<string, string>>> {
    const like = await this.ensureState();
    const loaded = await checkpoint.load(path, like);
    this.current = loaded.state;
    return loaded.metadata;
  }
}

export function regression<K extends string = string>(config: RegressionConfig<K>): Regression {
  if (typeof config !== "object" || config === null) throw new GraphgradError("regression", "expected a configuration object");
  return new RegressionModel(config);
}
