import { GraphgradError } from "../../ir/errors.js";
import { toposort } from "../../ir/node.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { Expr } from "../expr.js";
import { grad } from "../grad.js";
import { add, cast, input } from "../ops.js";
import { globalNorm } from "../optim/clip.js";
import { applyUpdates, type GradientTransformation, type TransformState } from "../optim/transform.js";
import { flattenTree, mapTree } from "../optim/tree.js";
import { type EmaGraph, emaGraph } from "./ema.js";
import { optName, RESERVED, STEP } from "./names.js";
import { paramRecord, paramsOf } from "./params.js";
import { addRegularization } from "./regularization.js";
import type { TrainStepConfig } from "./types.js";

/** A train step's graph in named parts, before it is laid out as one compiled graph's inputs and outputs. */
export interface StepGraph {
  /** Every parameter by name (trained or fed). */
  readonly params: Readonly<Record<string, Expr>>;
  readonly paramNames: readonly string[];
  readonly trained: readonly string[];
  /** The step count input (int32, updates applied so far) and its successor. */
  readonly step: Expr;
  readonly nextStep: Expr;
  /** The new values of the trained parameters and of the `updates` targets, in their parameters' dtypes. */
  readonly newParams: Readonly<Record<string, Expr>>;
  /** The optimizer's initial state (built from the parameters), the paths of its leaves, and their next values in the same order. */
  readonly optInit: TransformState;
  readonly optPaths: readonly string[];
  readonly nextOpt: readonly Expr[];
  /** Scalar metrics by name: loss, gradNorm, the optimizer's, the configured ones, totalLoss. */
  readonly metrics: Readonly<Record<string, Expr>>;
  /** The configured auxiliary outputs. */
  readonly outputs: Readonly<Record<string, Expr>>;
  readonly ema: EmaGraph | undefined;
}

type AnyConfig = TrainStepConfig<TransformState, string, string, string>;

/** Builds the step's parts: gradients (or the given ones), the optimizer update, regularization, metrics and moving averages. */
export function buildStepGraph(config: AnyConfig): StepGraph {
  const { loss, optimizer } = config;
  if (loss !== undefined && (!(loss instanceof Expr) || loss.rank !== 0)) {
    throw new GraphgradError("trainStep", `the loss must be a scalar Expr, got ${loss instanceof Expr ? formatShape(loss.shape) : typeof loss}`);
  }
  if (loss === undefined && config.grads === undefined) throw new GraphgradError("trainStep", "needs a `loss` to differentiate or `grads` to apply");
  const updateExprs = config.updates ?? {};
  const givenGrads = config.grads ?? {};
  const params = paramRecord(config.params ?? paramsOf(...(loss === undefined ? [] : [loss]), ...Object.values(givenGrads), ...Object.values(updateExprs)));
  const paramNames = Object.keys(params);
  const checkedGrads = config.grads === undefined ? undefined : checkGrads(config.grads, params);
  const trained = trainedNames(config, paramNames);
  checkBatchNames([loss, ...Object.values(givenGrads), ...Object.values(updateExprs), ...Object.values(config.metrics ?? {}), ...Object.values(config.outputs ?? {})]);

  const trainedParams: Record<string, Expr> = {};
  for (const t of trained) trainedParams[t] = params[t] as Expr;
  let total: Expr | undefined;
  let gradients: Record<string, Expr>;
  if (checkedGrads !== undefined) {
    if (config.regularization !== undefined) throw new GraphgradError("trainStep", "`regularization` needs the loss it is added to: with `grads`, add the penalty to your loss before differentiating");
    gradients = checkedGrads;
  } else {
    total = addRegularization(loss as Expr, params, config.regularization);
    const gs = grad(total, Object.values(trainedParams));
    gradients = {};
    trained.forEach((n, i) => (gradients[n] = gs[i] as Expr));
  }

  // The optimizer state enters the graph as inputs named by their path in the state tree.
  const optInit = optimizer.init(trainedParams);
  const optPaths = flattenTree(optInit).map(([path]) => path);
  const stateIn = mapTree(optInit, (leaf, path) => input(optName(path), (leaf as Expr).shape, (leaf as Expr).dtype)) as TransformState;
  const step = input(STEP, [], "int32");
  const nextStep = add(step, 1);
  const [updates, nextState, optMetrics] = (optimizer as GradientTransformation).update(gradients, stateIn, trainedParams, { step });
  const nextLeaves = new Map(flattenTree(nextState));
  const nextOpt = optPaths.map((p) => nextLeaves.get(p) as Expr);

  const newParams: Record<string, Expr> = {};
  for (const [n, e] of Object.entries(applyUpdates(trainedParams, updates))) newParams[n] = cast(e, (params[n] as Expr).dtype);
  for (const [n, e] of Object.entries(updateExprs)) {
    const p = params[n];
    if (p === undefined || trainedParams[n] !== undefined) {
      throw new GraphgradError("trainStep", `updates['${n}'] must name a parameter that is not trainable (parameters: ${paramNames.join(", ")}; trainable: ${trained.join(", ")})`);
    }
    if (!shapesEqual(e.shape, p.shape)) throw new GraphgradError("trainStep", `updates['${n}'] has shape ${formatShape(e.shape)}, the parameter ${formatShape(p.shape)}`);
    newParams[n] = cast(e, p.dtype);
  }

  const metrics: Record<string, Expr> = { ...(loss === undefined ? {} : { loss }), ...(config.gradNorm === false ? {} : { gradNorm: globalNorm(gradients) }), ...optMetrics, ...(config.metrics ?? {}) };
  if (config.regularization !== undefined) metrics["totalLoss"] = total as Expr;
  for (const [k, v] of Object.entries(metrics)) {
    if (!(v instanceof Expr) || v.rank !== 0) throw new GraphgradError("trainStep", `metric '${k}' must be a scalar Expr, got ${v instanceof Expr ? formatShape(v.shape) : typeof v}`);
  }
  const outputs: Readonly<Record<string, Expr>> = config.outputs ?? {};
  for (const [k, v] of Object.entries(outputs)) if (!(v instanceof Expr)) throw new GraphgradError("trainStep", `outputs['${k}'] is not an Expr`);
  const ema = config.ema === undefined ? undefined : emaGraph(config.ema, nextStep, params, newParams, metrics);
  return { params, paramNames, trained, step, nextStep, newParams, optInit, optPaths, nextOpt, metrics, outputs, ema };
}

/** The trained parameters: `trainable`, else the `grads` keys, else every parameter but the `updates` targets. */
function trainedNames(config: AnyConfig, paramNames: readonly string[]): readonly string[] {
  const targets = Object.keys(config.updates ?? {});
  const fromGrads = config.grads === undefined ? undefined : Object.keys(config.grads);
  const trained = config.trainable ?? fromGrads ?? paramNames.filter((n) => !targets.includes(n));
  for (const t of trained) {
    if (!paramNames.includes(t)) throw new GraphgradError("trainStep", `trainable '${t}' is not a parameter (parameters: ${paramNames.join(", ")})`);
  }
  if (fromGrads !== undefined) {
    const missing = trained.filter((t) => !fromGrads.includes(t));
    const extra = fromGrads.filter((g) => !trained.includes(g));
    if (missing.length > 0 || extra.length > 0) {
      throw new GraphgradError("trainStep", `grads must have one entry per trained parameter: ${[...missing.map((m) => `no gradient for '${m}'`), ...extra.map((e) => `grads['${e}'] is not trainable`)].join("; ")}`);
    }
  }
  return trained;
}

/** Gradients given by the caller: one per parameter, of its shape. */
function checkGrads(grads: Readonly<Record<string, Expr>>, params: Readonly<Record<string, Expr>>): Record<string, Expr> {
  const out: Record<string, Expr> = {};
  for (const [n, g] of Object.entries(grads)) {
    const p = params[n];
    if (!(g instanceof Expr)) throw new GraphgradError("trainStep", `grads['${n}'] is not an Expr`);
    if (p === undefined) {
      throw new GraphgradError("trainStep", `grads['${n}'] names no parameter the loss, gradients or updates depend on (parameters: ${Object.keys(params).join(", ") || "none"}); pass the parameters in \`params\``);
    }
    if (!shapesEqual(g.shape, p.shape)) throw new GraphgradError("trainStep", `grads['${n}'] has shape ${formatShape(g.shape)}, the parameter ${formatShape(p.shape)}`);
    out[n] = g;
  }
  return out;
}

/** Batch inputs must not collide with the names the step uses for its state. */
function checkBatchNames(roots: readonly (Expr | undefined)[]): void {
  const nodes = roots.filter((e): e is Expr => e instanceof Expr).map((e) => e.node);
  for (const n of toposort(nodes)) {
    if (n.op === "input" && RESERVED.some((r) => n.attrs.name.startsWith(r))) {
      throw new GraphgradError("trainStep", `input name '${n.attrs.name}' is reserved (prefixes ${RESERVED.join(", ")})`);
    }
  }
}
