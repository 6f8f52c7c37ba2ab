import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { broadcastShapes, type Dim, formatShape, shapesEqual } from "../../ir/shape.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, expandDims, matmul, reshape, transpose } from "../ops.js";
import { dotProductAttention } from "./attention.js";
import { glorotUniform, type Initializer, type ParamSpec, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/**
 * Multi-head attention's parameters: projections wq [dim, heads·headDim], wk and wv
 * [kvDim, heads·headDim], wo [heads·headDim, outDim], and their biases bq, bk, bv, bo (zeros).
 */
export interface MultiHeadAttentionParams {
  readonly wq: Expr;
  readonly wk: Expr;
  readonly wv: Expr;
  readonly wo: Expr;
  readonly bq?: Expr;
  readonly bk?: Expr;
  readonly bv?: Expr;
  readonly bo?: Expr;
  readonly heads: number;
  readonly headDim: number;
  readonly specs: readonly ParamSpec[];
}

/** What `multiHeadAttention` reads: the projections and the head layout (specs not needed). */
export type MultiHeadAttentionWeights = Omit<MultiHeadAttentionParams, "specs">;

export interface MultiHeadAttentionConfig {
  /** The queries' feature size (and, by default, the keys', values' and output's). */
  readonly dim: number;
  readonly heads: number;
  /** Default dim / heads (which must then be an integer). */
  readonly headDim?: number;
  /** The feature size of the sequence attended to (cross-attention); default dim. */
  readonly kvDim?: number;
  /** Default dim. */
  readonly outDim?: number;
  /** Default true. */
  readonly useBias?: boolean;
  /** Default Glorot uniform. */
  readonly kernelInit?: Initializer;
  readonly dtype?: DType;
}

/** Creates `${prefix}/wq`, `${prefix}/bq`, ... `${prefix}/wo`, `${prefix}/bo` (prefix: a string or a scope). */
export function multiHeadAttentionParams(prefix: Prefix, config: MultiHeadAttentionConfig): MultiHeadAttentionParams {
  const where = "nn.multiHeadAttentionParams";
  checkPrefix(where, prefix);
  arg.record(where, config, "the config ({ dim, heads })");
  const { dim, heads, kvDim = dim, outDim = dim, useBias = true, kernelInit = glorotUniform(), dtype = "float32" } = config;
  const size = { integer: true, min: 1 } as const;
  arg.number(where, dim, "config.dim", size);
  arg.number(where, heads, "config.heads", size);
  arg.optionalNumber(where, config.headDim, "config.headDim", size);
  arg.number(where, kvDim, "config.kvDim", size);
  arg.number(where, outDim, "config.outDim", size);
  arg.boolean(where, useBias, "config.useBias");
  const headDim = config.headDim ?? dim / heads;
  if (!Number.isInteger(headDim)) throw new GraphgradError(where, `dim ${dim} is not a multiple of heads ${heads}: pass config.headDim`);
  const path = prefixOf(prefix);
  const inner = heads * headDim;
  const w = (name: string, rows: number, cols: number) => createParam(`${path}/${name}`, [rows, cols], kernelInit, dtype);
  const b = (name: string, size: number) => (useBias ? createParam(`${path}/${name}`, [size], zeros(), dtype) : undefined);
  const [wq, wk, wv, wo] = [w("wq", dim, inner), w("wk", kvDim, inner), w("wv", kvDim, inner), w("wo", inner, outDim)];
  const [bq, bk, bv, bo] = [b("bq", inner), b("bk", inner), b("bv", inner), b("bo", outDim)];
  return {
    wq: wq.param,
    wk: wk.param,
    wv: wv.param,
    wo: wo.param,
    ...(bq === undefined ? {} : { bq: bq.param }),
    ...(bk === undefined ? {} : { bk: bk.param }),
    ...(bv === undefined ? {} : { bv: bv.param }),
    ...(bo === undefined ? {} : { bo: bo.param }),
    heads,
    headDim,
    specs: [wq, bq, wk, bk, wv, bv, wo, bo].flatMap((p) => (p === undefined ? [] : [p.spec])),
  };
}

export interface MultiHeadAttentionOptions {
  /** The sequence attended to, [..., seqK, kvDim]; default x itself (self-attention). */
  readonly context?: Expr;
  /** Bool, broadcastable to [..., seqQ, seqK] (x's batch axes; the same for every head): true = attend. */
  readonly mask?: Expr;
  readonly causal?: boolean;
}

/** x·w + b over the last axis. */
const project = (x: Expr, w: Expr, b: Expr | undefined): Expr => (b === undefined ? matmul(x, w) : add(matmul(x, w), b));

/**
 * Multi-head attention (Vaswani et al. §3.2.2) of x [..., seqQ, dim] over context [..., seqK,
 * kvDim] (x itself by default): the projections split into heads by a reshape to [..., seq,
 * heads, headDim] and a transpose to [..., heads, seq, headDim], scaled dot-product attention per
 * head (1/√headDim), the heads merged back and projected by wo: [..., seqQ, outDim].
 */
export function multiHeadAttention(x: Expr, p: MultiHeadAttentionWeights, options: MultiHeadAttentionOptions = {}): Expr {
  const op = "nn.multiHeadAttention";
  arg.expr(op, x, "x");
  arg.record(op, p, "the weights");
  for (const name of ["wq", "wk", "wv", "wo"] as const) arg.expr(op, p[name], `the weights' ${name}`);
  for (const name of ["bq", "bk", "bv", "bo"] as const) if (p[name] !== undefined) arg.expr(op, p[name], `the weights' ${name}`);
  arg.number(op, p.heads, "the weights' heads", { integer: true, min: 1 });
  arg.number(op, p.headDim, "the weights' headDim", { integer: true, min: 1 });
  arg.options(op, options);
  if (options.context !== undefined) arg.expr(op, options.context, "options.context");
  if (options.mask !== undefined) arg.expr(op, options.mask, "options.mask");
  arg.optionalBoolean(op, options.causal, "options.causal");
  const context = options.context ?? x;
  const { heads, headDim } = p;
  for (const [name, e] of [["x", x], ["context", context]] as const) {
    if (e.rank < 2) throw new GraphgradError(op, `${name} must be [..., seq, features], got ${formatShape(e.shape)}`);
  }
  const inner = heads * headDim;
  const projections = [
    ["wq", p.wq, x.shape[x.rank - 1] as Dim, inner],
    ["wk", p.wk, context.shape[context.rank - 1] as Dim, inner],
    ["wv", p.wv, context.shape[context.rank - 1] as Dim, inner],
    ["wo", p.wo, inner, undefined],
  ] as const;
  for (const [name, w, rows, cols] of projections) {
    if (w.rank !== 2 || !shapesEqual([w.shape[0] as Dim], [rows]) || (cols !== undefined && w.shape[1] !== cols)) {
      throw new GraphgradError(op, `${name} must be [${String(rows)}, ${cols ?? "outDim"}] (the features it projects; heads ${heads} · headDim ${headDim} = ${inner}), got ${formatShape(w.shape)}`);
    }
    const bias = p[`b${name.slice(1)}` as "bq" | "bk" | "bv" | "bo"];
    if (bias !== undefined && !shapesEqual(bias.shape, [w.shape[1] as Dim])) {
      throw new GraphgradError(op, `b${name.slice(1)} must be [${String(w.shape[1])}] (the columns of ${name}), got ${formatShape(bias.shape)}`);
    }
  }
  // [..., seq, heads·headDim] → [..., heads, seq, headDim]
  const split = (e: Expr): Expr => {
    const r = e.rank;
    const byHead = reshape(e, [...e.shape.slice(0, -1), heads, headDim]);
    return transpose(byHead, [...Array(r - 2).keys(), r - 1, r - 2, r]);
  };
  const q = split(project(x, p.wq, p.bq));
  const k = split(project(context, p.wk, p.bk));
  const v = split(project(context, p.wv, p.bv));
  let mask = options.mask;
  if (mask !== undefined) {
    const target = [...x.shape.slice(0, -1), context.shape[context.rank - 2] as Dim];
    const b = broadcastShapes([mask.shape, target]);
    if (b._tag === "Left" || !shapesEqual(b.right, target)) {
      throw new GraphgradError(op, `mask ${formatShape(mask.shape)} does not broadcast to [..., seqQ, seqK] = ${formatShape(target)}`);
    }
    while (mask.rank < 2) mask = expandDims(mask, 0);
    mask = expandDims(mask, -3); // the same for every head
  }
  const attended = dotProductAttention(q, k, v, { ...(mask === undefined ? {} : { mask }), ...(options.causal === undefined ? {} : { causal: options.causal }) });
  // [..., heads, seqQ, headDim] → [..., seqQ, heads·headDim]
  const r = attended.rank;
  const merged = transpose(attended, [...Array(r - 3).keys(), r - 2, r - 3, r - 1]);
  return project(reshape(merged, [...merged.shape.slice(0, -2), heads * headDim]), p.wo, p.bo);
}
