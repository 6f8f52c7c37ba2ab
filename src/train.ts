import type { Backend, BoundFeed } from "../backends/backend.js";
import { GraphgradError } from "../ir/errors.js";
import type { NodeOf } from "../ir/node.js";
import { toposort } from "../ir/node.js";
import { graphInputs } from "../ir/graph.js";
import { formatShape, shapesEqual } from "../ir/shape.js";
import { Tensor, tensorFrom } from "../ir/tensor.js";
import { l1Loss } from "./losses.js";
import { l2Loss } from "./composites.js";
import { compile, type Compiled, type Feeds, resolveBackend, type TensorLike } from "./compile.js";
import { Expr } from "./expr.js";
import { grad } from "./grad.js";
import { add, cast, div, input, minimum, mul, scalar, sub } from "./ops.js";
import { globalNorm } from "./optim/clip.js";
import { applyUpdates, type GradientTransformation, type TransformState } from "./optim/transform.js";
import { type Concrete, flattenTree, type Leaf, mapTree, type Params, treeBuilder, treeFlattener } from "./optim/tree.js";

/**
 * `trainStep`: forward, backward, regularization, clipping, schedule, update, step increment and
 * moving averages compiled into ONE graph and ONE executable:
 *   (params, optimizer state, step, EMA shadows, batch) -> (params', state', step + 1, shadows', metrics)
 * `run(state, batch)` returns a new immutable TrainState and the metrics; the old state is
 * unchanged and stays usable.
 */

export interface Regularization {
  /** Coefficient of Σ l2Loss(w) (TF's l2_regularizer(scale): scale·Σw²/2). */
  readonly l2?: number;
  /** Coefficient of Σ|w|. */
  readonly l1?: number;
  /** The parameters regularized; default: the weights, i.e. every parameter of rank >= 2 (not biases). */
  readonly params?: readonly string[];
}

export interface EmaConfig {
  readonly decay: number;
  /** TF's num_updates: decay = min(decay, (1 + n)/(10 + n)) with n the step count after this update. */
  readonly numUpdates?: boolean;
}

export interface TrainStepConfig<S extends TransformState> {
  readonly loss: Expr;
  readonly optimizer: GradientTransformation<S>;
  /** The parameters; default: every `param` the loss depends on. */
  readonly params?: readonly Expr[];
  /** Names of the parameters to train; default: all but the `updates` targets. The others are fed, not trained. */
  readonly trainable?: readonly string[];
  readonly regularization?: Regularization;
  /** Exponential moving averages of the parameters (and of the metrics). */
  readonly ema?: EmaConfig;
  /**
   * New values for non-trained parameters, computed in the same graph from the batch and the
   * parameters before the update (TF's UPDATE_OPS grouped with the train op: batch-norm moving
   * statistics). Keys must be parameters that are not trainable.
   */
  readonly updates?: Readonly<Record<string, Expr>>;
  /** Extra scalar metrics computed in the same graph (e.g. accuracy). */
  readonly metrics?: Readonly<Record<string, Expr>>;
  /**
   * Auxiliary outputs of any shape computed in the same graph from the batch and the parameters
   * before the update (e.g. an RNN's final state, fed back as the next batch's initial state).
   * `run` returns them as tensors, by name, as the third element of its result.
   */
  readonly outputs?: Readonly<Record<string, Expr>>;
  readonly backend?: Backend | "js" | "wasm";
  /**
   * `run` consumes the state it is given (JAX's donate_argnums; TensorFlow updates variables in
   * place): the arrays of a state returned by an earlier `run` are reused for the new state's
   * parameters, optimizer state and moving averages, so a step allocates nothing for them. The
   * given state must not be used afterwards: running or evaluating it again is an error, and its
   * tensors hold the new values. States from `init` are never overwritten. Default false.
   */
  readonly donate?: boolean;
}

export interface TrainState<S extends TransformState = TransformState> {
  readonly params: Params<Tensor>;
  readonly opt: Concrete<S>;
  /** Updates applied so far. */
  readonly step: number;
  /** EMA shadows of the parameters (`ema` configured), else empty. */
  readonly ema: Params<Tensor>;
  /** EMA of the metrics (`ema` configured), else empty. */
  readonly emaMetrics: Readonly<Record<string, number>>;
}

export interface TrainStep<S extends TransformState> {
  /** The compiled step (its graph and backend). */
  readonly compiled: Compiled;
  /** Parameter names, and which of them are trained. */
  readonly paramNames: readonly string[];
  readonly trainable: readonly string[];
  /** The initial state from initial parameter values (optimizer state built in the graph too). */
  init(params: Readonly<Record<string, TensorLike>>): Promise<TrainState<S>>;
  /** One step. Pure: `state` is unchanged; a new state, the metrics and the `outputs` (empty if none configured) are returned. */
  run(state: TrainState<S>, batch: Feeds): Promise<readonly [TrainState<S>, Readonly<Record<string, number>>, Readonly<Record<string, Tensor>>]>;
  /** Compiles named outputs of the model (e.g. predictions) to evaluate with a state's parameters. */
  evaluator(outputs: Readonly<Record<string, Expr>>): Promise<(state: TrainState<S>, batch: Feeds, useEma?: boolean) => Promise<Record<string, Tensor>>>;
}

/** The empty record of a state without EMA or a step without auxiliary outputs. */
const NONE: Readonly<Record<string, never>> = Object.freeze({});
const OPT = "opt/";
const EMA = "ema/";
const EMA_METRIC = "emaMetric/";
const STEP = "train/step";
const METRIC = "metric/";
const PARAM = "param/";
const OUT = "out/";
const RESERVED = [OPT, EMA, EMA_METRIC, "train/", METRIC, PARAM];

/** The `param` inputs expressions depend on. */
export function paramsOf(...es: readonly Expr[]): Expr[] {
  return toposort(es.map((e) => e.node))
    .filter((n): n is NodeOf<"input"> => n.op === "input" && n.attrs.kind === "param")
    .map((n) => Expr.of(n));
}

function nameOf(p: Expr): string {
  if (p.node.op !== "input") throw new GraphgradError("trainStep", `a parameter must be a param(...) input, got a ${p.node.op} node`);
  return p.node.attrs.name;
}

export async function trainStep<S extends TransformState>(config: TrainStepConfig<S>): Promise<TrainStep<S>> {
  const { loss, optimizer } = config;
  if (!(loss instanceof Expr) || loss.rank !== 0) {
    throw new GraphgradError("trainStep", `the loss must be a scalar Expr, got ${loss instanceof Expr ? formatShape(loss.shape) : typeof loss}`);
  }
  const updateTargets = Object.keys(config.updates ?? {});
  const paramList = config.params ?? paramsOf(loss, ...Object.values(config.updates ?? {}));
  const params: Record<string, Expr> = {};
  for (const p of paramList) params[nameOf(p)] = p;
  const paramNames = Object.keys(params);
  const trainable = config.trainable ?? paramNames.filter((n) => !updateTargets.includes(n));
  for (const t of trainable) {
    if (params[t] === undefined) throw new GraphgradError("trainStep", `trainable '${t}' is not a parameter (parameters: ${paramNames.join(", ")})`);
  }
  const trained: Record<string, Expr> = {};
  for (const t of trainable) trained[t] = params[t] as Expr;

  // Batch inputs must not collide with the names the step uses for its state.
  for (const n of toposort([loss.node])) {
    if (n.op === "input" && RESERVED.some((r) => n.attrs.name.startsWith(r))) {
      throw new GraphgradError("trainStep", `input name '${n.attrs.name}' is reserved (prefixes ${RESERVED.join(", ")})`);
    }
  }

  // One backend value for every graph of this step (they share its worker pool).
  const backend = resolveBackend(config.backend);
  const total = addRegularization(loss, params, config.regularization);
  const grads = grad(total, Object.values(trained));
  const gradRecord: Record<string, Expr> = {};
  Object.keys(trained).forEach((n, i) => (gradRecord[n] = grads[i] as Expr));

  // The optimizer state enters the graph as inputs named by their path in the state tree.
  const initState = optimizer.init(trained);
  const stateLeaves = flattenTree(initState);
  const stateIn = mapTree(initState, (leaf, path) => {
    const e = leaf as Expr;
    return input(OPT + path, e.shape, e.dtype);
  }) as S;
  const [updates, nextState, optMetrics] = optimizer.update(gradRecord, stateIn, trained);
  const newParams = applyUpdates(trained, updates);

  const step = input(STEP, [], "int32");
  const nextStep = add(step, 1);
  const outputs: Record<string, Expr> = { [STEP]: nextStep };
  for (const [n, e] of Object.entries(newParams)) outputs[PARAM + n] = cast(e, (params[n] as Expr).dtype);
  for (const [n, e] of Object.entries(config.updates ?? {})) {
    const p = params[n];
    if (p === undefined || trained[n] !== undefined) {
      throw new GraphgradError("trainStep", `updates['${n}'] must name a parameter that is not trainable (parameters: ${paramNames.join(", ")}; trainable: ${Object.keys(trained).join(", ")})`);
    }
    if (!shapesEqual(e.shape, p.shape)) throw new GraphgradError("trainStep", `updates['${n}'] has shape ${formatShape(e.shape)}, the parameter ${formatShape(p.shape)}`);
    outputs[PARAM + n] = cast(e, p.dtype);
  }
  for (const [path, leaf] of flattenTree(nextState)) outputs[OPT + path] = leaf as Expr;
  const metrics: Record<string, Expr> = { loss, gradNorm: globalNorm(gradRecord), ...optMetrics, ...(config.metrics ?? {}) };
  if (total !== loss) metrics["totalLoss"] = total;
  for (const [k, v] of Object.entries(metrics)) {
    if (v.rank !== 0) throw new GraphgradError("trainStep", `metric '${k}' must be a scalar, got ${formatShape(v.shape)}`);
    outputs[METRIC + k] = v;
  }
  const auxNames = Object.keys(config.outputs ?? {});
  for (const [k, v] of Object.entries(config.outputs ?? {})) {
    if (!(v instanceof Expr)) throw new GraphgradError("trainStep", `outputs['${k}'] is not an Expr`);
    outputs[OUT + k] = v;
  }
  const withEma = config.ema !== undefined;
  if (config.ema !== undefined) {
    const decay = emaDecay(config.ema, nextStep);
    for (const [n, p] of Object.entries(params)) {
      const shadow = input(EMA + n, p.shape, p.dtype);
      const value = outputs[PARAM + n] ?? p;
      outputs[EMA + n] = movingAverage(shadow, value, decay);
    }
    for (const [k, v] of Object.entries(metrics)) {
      outputs[EMA_METRIC + k] = movingAverage(input(EMA_METRIC + k, [], v.dtype), v, decay);
    }
  }
  // Each new parameter, optimizer leaf and shadow is fed back as its input on the next step.
  const feedback: Record<string, string> = {};
  for (const n of paramNames) if (outputs[PARAM + n] !== undefined) feedback[PARAM + n] = n;
  for (const [path] of stateLeaves) feedback[OPT + path] = OPT + path;
  if (withEma) for (const n of paramNames) feedback[EMA + n] = EMA + n;
  const compiled = await compile({ outputs }, { backend, feedback });

  // The initial optimizer state is computed by a graph too (it may depend on parameter values).
  const initOutputs: Record<string, Expr> = {};
  for (const [path, leaf] of stateLeaves) initOutputs[OPT + path] = leaf as Expr;
  const initCompiled = stateLeaves.length > 0 ? await compile({ outputs: initOutputs }, { backend }) : undefined;
  const metricNames = Object.keys(metrics);

  // The per-step path: one bound runner whose inputs are [batch..., step, params..., optimizer
  // leaves..., EMA shadows..., EMA metrics...], whose tensor outputs are [updated params...,
  // optimizer leaves..., auxiliary outputs..., EMA shadows...] and whose number outputs are
  // [step, metrics..., EMA metrics...], all in fixed orders.
  const optPaths = stateLeaves.map(([path]) => path);
  const buildOpt = treeBuilder(initState);
  const optLeavesOf = treeFlattener(initState, "run");
  const inGraph = new Set(graphInputs(compiled.graph).map((n) => n.attrs.name));
  const fedParams = paramNames.filter((n) => inGraph.has(n));
  const stateInputs = [STEP, ...fedParams, ...optPaths.map((p) => OPT + p), ...(withEma ? [...paramNames.map((n) => EMA + n), ...metricNames.map((k) => EMA_METRIC + k)] : [])];
  const stateInputSet = new Set(stateInputs);
  const batchNames = [...inGraph].filter((n) => !stateInputSet.has(n));
  const batchIndex = new Map(batchNames.map((n, i) => [n, i] as const));
  const updated = paramNames.map((n) => compiled.graph.outputs[PARAM + n] !== undefined);
  const bound = compiled.bind([...batchNames, ...stateInputs], {
    tensors: [
      ...paramNames.filter((_, i) => updated[i]).map((n) => PARAM + n),
      ...optPaths.map((p) => OPT + p),
      ...auxNames.map((k) => OUT + k),
      ...(withEma ? paramNames.map((n) => EMA + n) : []),
    ],
    scalars: [STEP, ...metricNames.map((k) => METRIC + k), ...(withEma ? metricNames.map((k) => EMA_METRIC + k) : [])],
  });

  // One feeds array for every step: bound runners read their feeds before they return (or await).
  const feeds: BoundFeed[] = new Array(batchNames.length + stateInputs.length);
  const feedsOf = (state: TrainState<S>, batch: Feeds, optLeaves: readonly Leaf[]): BoundFeed[] => {
    let given = 0;
    for (const k in batch) {
      const i = batchIndex.get(k);
      if (i === undefined) throw feedError(batch, k);
      const v = batch[k] as TensorLike;
      feeds[i] = v instanceof Tensor ? v : compiled.feedTensor(k, v);
      given++;
    }
    if (given !== batchNames.length) throw feedError(batch, undefined);
    let at = batchNames.length;
    feeds[at++] = state.step;
    for (const n of fedParams) feeds[at++] = state.params[n] as Tensor;
    for (const t of optLeaves) feeds[at++] = t as Tensor;
    if (withEma) {
      for (const n of paramNames) feeds[at++] = state.ema[n] as Tensor;
      for (const k of metricNames) feeds[at++] = state.emaMetrics[k] ?? 0;
    }
    return feeds;
  };
  // Donation: states made by this step's `run` (their tensors are its own arrays) may be reused.
  const donate = config.donate === true;
  const maker = {};
  const checkNotDonated = (state: TrainState<S>, where: string): void => {
    if (RunState.donated(state)) {
      throw new GraphgradError(where, `the state at step ${state.step} was donated to a later step (trainStep({ donate: true })): its arrays now hold newer values; use the state that step returned`);
    }
  };
  // One array for every step, as `feeds` (bound runners read it before they return).
  const reuse: (Tensor | undefined)[] = [];
  /** The arrays `run(state)` may write its tensor outputs into, in the bound order (the state is marked donated once the step succeeded). */
  const donation = (state: TrainState<S>, optLeaves: readonly Leaf[]): (Tensor | undefined)[] | undefined => {
    checkNotDonated(state, "run");
    if (!RunState.madeBy(state, maker)) return undefined;
    let at = 0;
    for (let i = 0; i < paramNames.length; i++) if (updated[i] === true) reuse[at++] = state.params[paramNames[i] as string];
    for (const t of optLeaves) reuse[at++] = t as Tensor;
    for (let i = 0; i < auxNames.length; i++) reuse[at++] = undefined;
    if (withEma) for (const n of paramNames) reuse[at++] = state.ema[n];
    return reuse;
  };

  /** The error the checked path gives for a batch with an unknown or a missing entry. */
  const feedError = (batch: Feeds, unknown: string | undefined): GraphgradError => {
    if (unknown !== undefined) return new GraphgradError(`feed '${unknown}'`, `the train step has no batch input of that name (batch inputs: ${batchNames.join(", ") || "none"})`);
    const missing = batchNames.find((n) => batch[n] === undefined) as string;
    const node = graphInputs(compiled.graph).find((n) => n.attrs.name === missing);
    return new GraphgradError(`feed '${missing}'`, `missing: the graph needs ${node === undefined ? "it" : `${node.attrs.dtype}${formatShape(node.attrs.shape)}`}`);
  };

  return {
    compiled,
    paramNames,
    trainable: Object.keys(trained),
    init: async (values) => {
      const ps = checkParams(values, params);
      const feeds: Record<string, TensorLike> = { ...ps };
      const r = initCompiled === undefined ? {} : await initCompiled.run(pick(feeds, initCompiled));
      const opt = mapTree(initState, (_leaf, path) => r[OPT + path] as Tensor) as Concrete<S>;
      const ema = config.ema === undefined ? NONE : Object.freeze({ ...ps });
      const emaMetrics = config.ema === undefined ? NONE : Object.freeze(Object.fromEntries(metricNames.map((k) => [k, 0])));
      return Object.freeze({ params: ps, opt, step: 0, ema, emaMetrics });
    },
    run: async (state, batch) => {
      const optLeaves = optLeavesOf(state.opt);
      const reuse = donate ? donation(state, optLeaves) : undefined;
      const pending = bound(feedsOf(state, batch, optLeaves), reuse);
      const { tensors, scalars } = pending instanceof Promise ? await pending : pending;
      if (reuse !== undefined) RunState.markDonated(state);
      let t = 0;
      const nextParams: Record<string, Tensor> = {};
      for (let i = 0; i < paramNames.length; i++) {
        const n = paramNames[i] as string;
        nextParams[n] = updated[i] === true ? (tensors[t++] as Tensor) : (state.params[n] as Tensor);
      }
      const opt = buildOpt(tensors, t) as Concrete<S>;
      t += optPaths.length;
      let s = 1;
      const values: Record<string, number> = {};
      for (const k of metricNames) values[k] = scalars[s++] as number;
      let aux: Readonly<Record<string, Tensor>> = NONE;
      if (auxNames.length > 0) {
        const a: Record<string, Tensor> = {};
        for (const k of auxNames) a[k] = tensors[t++] as Tensor;
        aux = Object.freeze(a);
      }
      let ema: Params<Tensor> = NONE;
      let emaMetrics: Readonly<Record<string, number>> = NONE;
      if (withEma) {
        const e: Record<string, Tensor> = {};
        const em: Record<string, number> = {};
        for (const n of paramNames) e[n] = tensors[t++] as Tensor;
        for (const k of metricNames) em[k] = scalars[s++] as number;
        ema = Object.freeze(e);
        emaMetrics = Object.freeze(em);
      }
      const next: TrainState<S> = new RunState(maker, Object.freeze(nextParams), opt, scalars[0] as number, ema, emaMetrics);
      // The metrics record is the caller's own (not part of any state): it is not frozen.
      return [next, values, aux] as const;
    },
    evaluator: async (outs) => {
      const c = await compile({ outputs: outs }, { backend });
      return async (state, batch, useEma = false) => {
        checkNotDonated(state, "evaluator");
        const feeds: Record<string, TensorLike> = { ...batch };
        const source = useEma ? state.ema : state.params;
        if (useEma && config.ema === undefined) throw new GraphgradError("evaluator", "useEma needs a train step configured with `ema`");
        for (const n of paramNames) feeds[n] = source[n] as Tensor;
        return c.run(pick(feeds, c));
      };
    },
  };
}

/**
 * A TrainState returned by `run` (frozen, with the same fields as any TrainState). Its private
 * fields remember which train step made it (so `donate` reuses only arrays the step allocated
 * itself) and whether it was donated; private fields stay writable in a frozen object.
 */
class RunState<S extends TransformState> implements TrainState<S> {
  readonly params: Params<Tensor>;
  readonly opt: Concrete<S>;
  readonly step: number;
  readonly ema: Params<Tensor>;
  readonly emaMetrics: Readonly<Record<string, number>>;
  readonly #maker: object;
  #donated = false;

  constructor(maker: object, params: Params<Tensor>, opt: Concrete<S>, step: number, ema: Params<Tensor>, emaMetrics: Readonly<Record<string, number>>) {
    this.params = params;
    this.opt = opt;
    this.step = step;
    this.ema = ema;
    this.emaMetrics = emaMetrics;
    this.#maker = maker;
    Object.freeze(this);
  }

  static madeBy(s: object, maker: object): boolean {
    return s instanceof RunState && s.#maker === maker;
  }

  static donated(s: object): boolean {
    return s instanceof RunState && s.#donated;
  }

  static markDonated(s: object): void {
    if (s instanceof RunState) s.#donated = true;
  }
}

/** loss + l2·Σ l2Loss(w) + l1·Σ|w| over the regularized parameters (weights by default). */
function addRegularization(loss: Expr, params: Readonly<Record<string, Expr>>, reg: Regularization | undefined): Expr {
  if (reg === undefined || (reg.l2 === undefined && reg.l1 === undefined)) return loss;
  const names = reg.params ?? Object.keys(params).filter((n) => (params[n] as Expr).rank >= 2);
  let total = loss;
  for (const n of names) {
    const w = params[n];
    if (w === undefined) throw new GraphgradError("trainStep", `regularized parameter '${n}' is not a parameter`);
    if (reg.l2 !== undefined) total = add(total, cast(mul(l2Loss(w), reg.l2), loss.dtype));
    if (reg.l1 !== undefined) total = add(total, cast(mul(l1Loss(w), reg.l1), loss.dtype));
  }
  return total;
}

/** TF's ExponentialMovingAverage decay, optionally min(decay, (1 + n)/(10 + n)). */
function emaDecay(c: EmaConfig, count: Expr): Expr {
  if (!(c.decay >= 0 && c.decay <= 1)) throw new GraphgradError("ema", `decay must be in [0, 1], got ${c.decay}`);
  if (c.numUpdates !== true) return scalar(c.decay);
  const n = cast(count, "float32");
  return minimum(div(add(n, 1), add(n, 10)), c.decay);
}

/** shadow - (1 - decay)·(shadow - value), TF's assign_moving_average. */
function movingAverage(shadow: Expr, value: Expr, decay: Expr): Expr {
  return sub(shadow, mul(sub(shadow, value), cast(sub(1, decay), shadow.dtype)));
}

function checkParams(values: Readonly<Record<string, TensorLike>>, params: Readonly<Record<string, Expr>>): Params<Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of Object.keys(values)) {
    if (params[name] === undefined) throw new GraphgradError("init", `'${name}' is not a parameter (parameters: ${Object.keys(params).join(", ")})`);
  }
  for (const [name, p] of Object.entries(params)) {
    const v = values[name];
    if (v === undefined) throw new GraphgradError("init", `no initial value for parameter '${name}' (${p.dtype}${formatShape(p.shape)})`);
    const t = v instanceof Tensor ? v : toTensor(v, p, name);
    if (t.dtype !== p.dtype || !shapesEqual(t.shape, p.shape)) {
      throw new GraphgradError("init", `parameter '${name}' is ${p.dtype}${formatShape(p.shape)}, got ${t.dtype}${formatShape(t.shape)}`);
    }
    out[name] = t;
  }
  return Object.freeze(out);
}

function toTensor(v: Exclude<TensorLike, Tensor>, p: Expr, name: string): Tensor {
  const shape = p.shape.every((d) => typeof d === "number") ? (p.shape as number[]) : undefined;
  return tensorFrom(v, p.dtype, shape, `init '${name}'`);
}

/** The feeds a compiled graph takes, out of a larger set. */
function pick(feeds: Readonly<Record<string, TensorLike>>, c: Compiled): Record<string, TensorLike> {
  const out: Record<string, TensorLike> = {};
  for (const n of c.graph.nodes) {
    if (n.op === "input" && feeds[n.attrs.name] !== undefined) out[n.attrs.name] = feeds[n.attrs.name] as TensorLike;
  }
  return out;
}

