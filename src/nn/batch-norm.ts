import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Dim, formatShape, shapesEqual } from "../../ir/shape.js";
import { checkConcreteShape } from "../../ir/check.js";
import * as arg from "../args.js";
import { Expr } from "../expr.js";
import { square } from "../composites.js";
import { add, axesOf, div, mean, mul, reshape, sqrt, stopGradient, sub, where } from "../ops.js";
import type { Training } from "./dropout.js";
import { ones, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

export interface BatchNormParams {
  readonly gamma?: Expr;
  readonly beta?: Expr;
  readonly movingMean: Expr;
  readonly movingVariance: Expr;
  readonly specs: readonly ParamSpec[];
}

/**
 * Creates `${prefix}/gamma` (ones), `${prefix}/beta` (zeros), `${prefix}/movingMean` (zeros) and
 * `${prefix}/movingVariance` (ones), of the shape of the axes kept (the channels: a number for [C]).
 * `center: false` drops beta, `scale: false` drops gamma (as TF's flags).
 */
export function batchNormParams(
  prefix: Prefix,
  shape: number | readonly number[],
  options: { readonly center?: boolean; readonly scale?: boolean; readonly dtype?: DType } = {},
): BatchNormParams {
  checkPrefix("nn.batchNormParams", prefix);
  arg.options("nn.batchNormParams", options);
  const { center = true, scale = true, dtype = "float32" } = options;
  const s = typeof shape === "number" ? [shape] : Array.isArray(shape) ? [...shape] : shape;
  checkConcreteShape("nn.batchNormParams", s);
  const path = prefixOf(prefix);
  const movingMean = createParam(`${path}/movingMean`, s, zeros(), dtype);
  const movingVariance = createParam(`${path}/movingVariance`, s, ones(), dtype);
  const gamma = scale ? createParam(`${path}/gamma`, s, ones(), dtype) : undefined;
  const beta = center ? createParam(`${path}/beta`, s, zeros(), dtype) : undefined;
  const specs = [gamma?.spec, beta?.spec, movingMean.spec, movingVariance.spec].filter((p): p is ParamSpec => p !== undefined);
  return {
    ...(gamma === undefined ? {} : { gamma: gamma.param }),
    ...(beta === undefined ? {} : { beta: beta.param }),
    movingMean: movingMean.param,
    movingVariance: movingVariance.param,
    specs,
  };
}

export interface BatchNormOptions {
  readonly gamma?: Expr | undefined;
  readonly beta?: Expr | undefined;
  /** Non-trained `param`s; their new values come back in `updates`, keyed by parameter name. */
  readonly movingMean: Expr;
  readonly movingVariance: Expr;
  /** Default 0.99 (Keras). */
  readonly momentum?: number;
  /** Default 1e-3 (Keras). */
  readonly eps?: number;
  readonly training: Training;
  /** The axes reduced over (normalized per element of the others); default all but the last (channels last). */
  readonly axes?: readonly number[];
}

export interface BatchNormResult {
  readonly y: Expr;
  /**
   * New values of the moving statistics, keyed by their parameter names, for
   * `trainStep({ updates })` (empty when `training` is false).
   */
  readonly updates: Readonly<Record<string, Expr>>;
}

function paramName(e: Expr, role: string): string {
  if (e.node.op !== "input") throw new GraphgradError("nn.batchNorm", `${role} must be a param(...) (its new value is returned by name), got a ${e.node.op} node`);
  return e.node.attrs.name;
}

/**
 * Batch normalization (TF's non-fused batch_normalization / Keras BatchNormalization):
 *   training:  mean, variance = moments of x over `axes` (biased variance, as tf.nn.moments);
 *   inference: mean, variance = movingMean, movingVariance;
 *   y = x·inv + (beta - mean·inv),  inv = gamma / sqrt(variance + eps).
 * In training the gradient flows through the batch statistics, and the moving statistics are
 * updated as TF's assign_moving_average does:
 *   moving ← moving - (moving - batch)·(1 - momentum)   (= moving·momentum + batch·(1 - momentum)).
 */
export function batchNorm(x: Expr, options: BatchNormOptions): BatchNormResult {
  const site = "nn.batchNorm";
  arg.expr(site, x, "x");
  arg.record(site, options, "the options");
  arg.expr(site, options.movingMean, "movingMean");
  arg.expr(site, options.movingVariance, "movingVariance");
  if (options.gamma !== undefined) arg.expr(site, options.gamma, "gamma");
  if (options.beta !== undefined) arg.expr(site, options.beta, "beta");
  arg.optionalNumber(site, options.momentum, "momentum");
  arg.optionalNumber(site, options.eps, "eps", { min: 0 });
  if (!(options.training instanceof Expr)) arg.boolean(site, options.training, "training");
  if (options.axes !== undefined) arg.array(site, options.axes, "axes");
  const { gamma, beta, movingMean, movingVariance, momentum = 0.99, eps = 1e-3, training } = options;
  const axes = axesOf("nn.batchNorm", x, options.axes ?? [...Array(x.rank - 1).keys()]);
  if (axes.length === 0) throw new GraphgradError("nn.batchNorm", `no axis to reduce over in ${formatShape(x.shape)}`);
  if (!(momentum >= 0 && momentum <= 1)) throw new GraphgradError("nn.batchNorm", `momentum must be in [0, 1], got ${momentum}`);
  if (training instanceof Expr && (training.dtype !== "bool" || training.rank !== 0)) {
    throw new GraphgradError("nn.batchNorm", `training must be a boolean or a bool scalar Expr, got ${String(training)}`);
  }
  const kept: Dim[] = x.shape.filter((_, i) => !axes.includes(i));
  // The statistics' shape with 1 on the reduced axes, to broadcast against x whatever the axes.
  const keptDims: Dim[] = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const asKeep = (e: Expr, role: string): Expr => {
    if (!shapesEqual(e.shape, kept)) {
      throw new GraphgradError("nn.batchNorm", `${role} must have the shape of the axes kept, ${formatShape(kept)} (x ${formatShape(x.shape)}, axes [${axes.join(",")}]), got ${formatShape(e.shape)}`);
    }
    return reshape(e, keptDims);
  };

  const batchMean = mean(x, axes, true);
  const batchVariance = mean(square(sub(x, stopGradient(batchMean))), axes, true);
  const movingMeanK = asKeep(movingMean, "movingMean");
  const movingVarianceK = asKeep(movingVariance, "movingVariance");
  const pick = (batch: Expr, moving: Expr): Expr => (training === true ? batch : training === false ? moving : where(training, batch, moving));
  const m = pick(batchMean, movingMeanK);
  const v = pick(batchVariance, movingVarianceK);

  let inv = div(1, sqrt(add(v, eps)));
  if (gamma !== undefined) inv = mul(inv, asKeep(gamma, "gamma"));
  const shift = beta === undefined ? mul(m, inv).neg() : sub(asKeep(beta, "beta"), mul(m, inv));
  const y = add(mul(x, inv), shift);

  if (training === false) return { y, updates: {} };
  const decay = 1 - momentum;
  const update = (moving: Expr, movingK: Expr, batch: Expr): Expr => {
    const next = reshape(sub(movingK, mul(sub(movingK, batch), decay)), kept);
    return training === true ? next : where(training, next, moving);
  };
  return {
    y,
    updates: {
      [paramName(movingMean, "movingMean")]: update(movingMean, movingMeanK, batchMean),
      [paramName(movingVariance, "movingVariance")]: update(movingVariance, movingVarianceK, batchVariance),
    },
  };
}
