import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import * as arg from "../args.js";
import { square } from "../composites.js";
import type { Expr } from "../expr.js";
import { add, div, mean, mul, reshape, sqrt, sub } from "../ops.js";
import { ones, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/**
 * Normalization layers that normalize each example on its own (no batch statistics, nothing to
 * update): layer, RMS and group normalization. Each learns a per-channel `scale` (ones) and, but
 * for RMS normalization, an `offset` (zeros), created as `${prefix}/scale` and `${prefix}/offset`.
 */
export interface NormParams {
  readonly scale?: Expr;
  readonly offset?: Expr;
  readonly specs: readonly ParamSpec[];
}

/** The weights a normalization applies (a `NormParams`, or any record holding them). */
export type NormWeights = Pick<NormParams, "scale" | "offset">;

export interface NormParamsOptions {
  /** Default true: a learned scale (ones). */
  readonly scale?: boolean;
  /** Default true (false for rmsNormParams): a learned offset (zeros). */
  readonly offset?: boolean;
  readonly dtype?: DType;
}

function normParams(prefix: Prefix, channels: number, options: NormParamsOptions, offsetByDefault: boolean, where: string): NormParams {
  checkPrefix(where, prefix);
  arg.number(where, channels, "channels", { integer: true, min: 1 });
  arg.options(where, options);
  const { scale = true, offset = offsetByDefault, dtype = "float32" } = options;
  arg.boolean(where, scale, "options.scale");
  arg.boolean(where, offset, "options.offset");
  arg.dtype(where, dtype, "options.dtype");
  const path = prefixOf(prefix);
  const s = scale ? createParam(`${path}/scale`, [channels], ones(), dtype) : undefined;
  const o = offset ? createParam(`${path}/offset`, [channels], zeros(), dtype) : undefined;
  return {
    ...(s === undefined ? {} : { scale: s.param }),
    ...(o === undefined ? {} : { offset: o.param }),
    specs: [s?.spec, o?.spec].filter((p): p is ParamSpec => p !== undefined),
  };
}

/** `${prefix}/scale` (ones) and `${prefix}/offset` (zeros), [channels], for `layerNorm`. */
export function layerNormParams(prefix: Prefix, channels: number, options: NormParamsOptions = {}): NormParams {
  return normParams(prefix, channels, options, true, "nn.layerNormParams");
}

/** `${prefix}/scale` (ones), [channels], for `rmsNorm` (`offset: true` adds `${prefix}/offset`). */
export function rmsNormParams(prefix: Prefix, channels: number, options: NormParamsOptions = {}): NormParams {
  return normParams(prefix, channels, options, false, "nn.rmsNormParams");
}

/** `${prefix}/scale` (ones) and `${prefix}/offset` (zeros), [channels], for `groupNorm`. */
export function groupNormParams(prefix: Prefix, channels: number, options: NormParamsOptions = {}): NormParams {
  return normParams(prefix, channels, options, true, "nn.groupNormParams");
}

/** Checks the arguments every normalization takes: x (float, rank >= 1), the weights (optional) and the options. */
function checkArgs(where: string, x: unknown, p: unknown, options: unknown): asserts x is Expr {
  arg.expr(where, x, "x");
  if (p !== undefined) {
    arg.record(where, p, "the weights");
    const { scale, offset } = p as Readonly<Record<string, unknown>>;
    if (scale !== undefined) arg.expr(where, scale, "the weights' scale");
    if (offset !== undefined) arg.expr(where, offset, "the weights' offset");
  }
  arg.options(where, options);
  checkFloat(x, where);
}

function checkFloat(x: Expr, where: string): void {
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new GraphgradError(where, `x must be float32 or float64, got ${x.dtype}`);
  if (x.rank < 1) throw new GraphgradError(where, `x needs a channel axis (the last), got a scalar`);
}

function checkEps(eps: unknown, where: string): number {
  arg.number(where, eps, "eps", { min: 0 });
  return eps;
}

/** y·scale + offset, both of the channels' shape [C] (the last axis of y). */
function scaleAndShift(y: Expr, p: NormWeights | undefined, channels: Expr["shape"][number], where: string): Expr {
  const check = (e: Expr, role: string): Expr => {
    if (!shapesEqual(e.shape, [channels])) throw new GraphgradError(where, `${role} must be [${String(channels)}] (the last axis of x), got ${formatShape(e.shape)}`);
    return e;
  };
  let out = y;
  if (p?.scale !== undefined) out = mul(out, check(p.scale, "scale"));
  if (p?.offset !== undefined) out = add(out, check(p.offset, "offset"));
  return out;
}

/** (x − mean)/√(variance + eps) over `axes` (kept), the biased variance. */
function standardize(x: Expr, axes: readonly number[], eps: number): Expr {
  // The mean is not held constant in the variance (as batchNorm does): that leaves first
  // derivatives unchanged but not second ones (hessian, hvp).
  const centred = sub(x, mean(x, axes, true));
  return div(centred, sqrt(add(mean(square(centred), axes, true), eps)));
}

/**
 * Layer normalization (Ba et al.) over the last axis: y = (x − mean)/√(var + eps)·scale + offset,
 * the statistics of each position's channels (the biased variance). Default eps 1e-5 (PyTorch's;
 * Keras uses 1e-3, Flax 1e-6). Without `p`, no scale or offset.
 */
export function layerNorm(x: Expr, p?: NormWeights, options: { readonly eps?: number } = {}): Expr {
  const where = "nn.layerNorm";
  checkArgs(where, x, p, options);
  const eps = checkEps(options.eps ?? 1e-5, where);
  return scaleAndShift(standardize(x, [x.rank - 1], eps), p, x.shape[x.rank - 1] as Expr["shape"][number], where);
}

/**
 * RMS normalization (Zhang & Sennrich) over the last axis: y = x/√(mean(x²) + eps)·scale, no
 * centring. Default eps 1e-6.
 */
export function rmsNorm(x: Expr, p?: NormWeights, options: { readonly eps?: number } = {}): Expr {
  const where = "nn.rmsNorm";
  checkArgs(where, x, p, options);
  const eps = checkEps(options.eps ?? 1e-6, where);
  const y = div(x, sqrt(add(mean(square(x), -1, true), eps)));
  return scaleAndShift(y, p, x.shape[x.rank - 1] as Expr["shape"][number], where);
}

/**
 * Group normalization (Wu & He), channels last (NHWC, or [batch, ..., C]): the C channels are
 * split into `groups` consecutive groups of C/groups, and each example's group is normalized over
 * its channels and every axis between the batch axis and the channels; then the per-channel
 * scale and offset. groups = 1 normalizes over all but the batch axis; groups = C is instance
 * normalization. Default eps 1e-5.
 */
export function groupNorm(x: Expr, p: NormWeights | undefined, options: { readonly groups: number; readonly eps?: number }): Expr {
  const where = "nn.groupNorm";
  checkArgs(where, x, p, options);
  arg.record(where, options, "the options ({ groups })");
  const eps = checkEps(options.eps ?? 1e-5, where);
  const { groups } = options;
  arg.number(where, groups, "options.groups", { integer: true, min: 1 });
  const channels = x.shape[x.rank - 1];
  if (x.rank < 2) throw new GraphgradError(where, `x must be [batch, ..., channels], got ${formatShape(x.shape)}`);
  if (typeof channels !== "number") throw new GraphgradError(where, `the channel axis of ${formatShape(x.shape)} must have a known size`);
  if (!(Number.isInteger(groups) && groups >= 1 && channels % groups === 0)) {
    throw new GraphgradError(where, `groups must be a positive divisor of the ${channels} channels, got ${groups}`);
  }
  // [batch, ..., C] → [batch, ..., groups, C/groups], statistics over all but the batch and group axes.
  const grouped = reshape(x, [...x.shape.slice(0, -1), groups, channels / groups]);
  const axes = [...Array(grouped.rank).keys()].filter((a) => a !== 0 && a !== grouped.rank - 2);
  const y = reshape(standardize(grouped, axes, eps), x.shape);
  return scaleAndShift(y, p, channels, where);
}
