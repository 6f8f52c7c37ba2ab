import type { DType } from "../../ir/dtype.js";
import * as arg from "../args.js";
import { gelu } from "../composites.js";
import type { Expr } from "../expr.js";
import { add } from "../ops.js";
import * as random from "../random.js";
import { dropout, type Training } from "./dropout.js";
import type { ParamSpec } from "./init.js";
import { dense, type DenseParams, denseParams } from "./layers.js";
import { multiHeadAttention, type MultiHeadAttentionParams, multiHeadAttentionParams, type MultiHeadAttentionWeights } from "./multi-head.js";
import { layerNorm, layerNormParams, type NormParams, type NormWeights } from "./normalization.js";
import { specsOf } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/** A pre-norm Transformer block's parameters: norm1, attn, norm2, and the MLP's two dense layers. */
export interface TransformerBlockParams {
  readonly norm1: NormParams;
  readonly attn: MultiHeadAttentionParams;
  readonly norm2: NormParams;
  readonly mlpIn: DenseParams;
  readonly mlpOut: DenseParams;
  readonly specs: readonly ParamSpec[];
}

/** What `transformerBlock` reads (specs not needed). */
export interface TransformerBlockWeights {
  readonly norm1: NormWeights;
  readonly attn: MultiHeadAttentionWeights;
  readonly norm2: NormWeights;
  readonly mlpIn: { readonly kernel: Expr; readonly bias?: Expr | undefined };
  readonly mlpOut: { readonly kernel: Expr; readonly bias?: Expr | undefined };
}

export interface TransformerBlockConfig {
  readonly dim: number;
  readonly heads: number;
  /** The MLP's hidden size; default 4·dim. */
  readonly mlpDim?: number;
  readonly dtype?: DType;
}

/**
 * Creates `${prefix}/norm1/{scale,offset}`, `${prefix}/attn/{wq,bq,...,wo,bo}`,
 * `${prefix}/norm2/{scale,offset}`, `${prefix}/mlp/in/{kernel,bias}` and `${prefix}/mlp/out/{kernel,bias}`.
 */
export function transformerBlockParams(prefix: Prefix, config: TransformerBlockConfig): TransformerBlockParams {
  const where = "nn.transformerBlockParams";
  checkPrefix(where, prefix);
  arg.record(where, config, "the config ({ dim, heads })");
  arg.number(where, config.dim, "config.dim", { integer: true, min: 1 });
  const { dim, heads, mlpDim = 4 * dim, dtype = "float32" } = config;
  arg.number(where, mlpDim, "config.mlpDim", { integer: true, min: 1 });
  const path = prefixOf(prefix);
  const norm1 = layerNormParams(`${path}/norm1`, dim, { dtype });
  const attn = multiHeadAttentionParams(`${path}/attn`, { dim, heads, dtype });
  const norm2 = layerNormParams(`${path}/norm2`, dim, { dtype });
  const mlpIn = denseParams(`${path}/mlp/in`, dim, mlpDim, { dtype });
  const mlpOut = denseParams(`${path}/mlp/out`, mlpDim, dim, { dtype });
  return { norm1, attn, norm2, mlpIn, mlpOut, specs: specsOf(norm1, attn, norm2, mlpIn, mlpOut) };
}

export interface TransformerBlockOptions {
  readonly mask?: Expr;
  /** Each position attends to itself and the positions before it (a decoder). */
  readonly causal?: boolean;
  /** Dropout on the attention's and the MLP's outputs before each residual add; needs `key` when training. */
  readonly dropout?: { readonly rate: number; readonly key?: Expr; readonly training?: Training };
  /** layerNorm's eps (default 1e-5). */
  readonly eps?: number;
  /** GELU's tanh form instead of the exact one (default false). */
  readonly approximateGelu?: boolean;
}

/**
 * A pre-norm Transformer block (as GPT-2 and ViT): for x [..., seq, dim],
 *   h = x + dropout(multiHeadAttention(layerNorm(x)))
 *   y = h + dropout(mlpOut(gelu(mlpIn(layerNorm(h)))))
 * The two dropouts draw from `split(key, 2)`.
 */
export function transformerBlock(x: Expr, p: TransformerBlockWeights, options: TransformerBlockOptions = {}): Expr {
  const where = "nn.transformerBlock";
  arg.expr(where, x, "x");
  arg.record(where, p, "the weights");
  for (const part of ["norm1", "attn", "norm2", "mlpIn", "mlpOut"] as const) arg.record(where, p[part], `the weights' ${part}`);
  arg.options(where, options);
  arg.optionalBoolean(where, options.approximateGelu, "options.approximateGelu");
  if (options.dropout !== undefined) {
    arg.record(where, options.dropout, "options.dropout");
    if (options.dropout.key !== undefined) arg.expr(where, options.dropout.key, "options.dropout.key");
  }
  const eps = options.eps === undefined ? {} : { eps: options.eps };
  const drop = options.dropout;
  const keys = drop?.key === undefined ? [undefined, undefined] : random.split(drop.key, 2);
  const maybeDrop = (e: Expr, key: Expr | undefined): Expr =>
    drop === undefined ? e : dropout(e, { rate: drop.rate, ...(key === undefined ? {} : { key }), ...(drop.training === undefined ? {} : { training: drop.training }) });
  const attended = multiHeadAttention(layerNorm(x, p.norm1, eps), p.attn, {
    ...(options.mask === undefined ? {} : { mask: options.mask }),
    ...(options.causal === undefined ? {} : { causal: options.causal }),
  });
  const h = add(x, maybeDrop(attended, keys[0]));
  const hidden = dense(layerNorm(h, p.norm2, eps), p.mlpIn, (z) => gelu(z, { approximate: options.approximateGelu ?? false }));
  return add(h, maybeDrop(dense(hidden, p.mlpOut), keys[1]));
}
