import * as gg from "../../src/index.js";
import type { CharTransformerConfig } from "./config.js";

/**
 * A decoder-only (GPT-style) character-level Transformer: token embeddings plus learned position
 * embeddings, `layers` pre-norm blocks with causal multi-head attention and a GELU MLP, a final
 * layer normalization and a dense layer to the logits over the characters. Parameters are named
 * by `gg.nn.scope`: `charlm/embed`, `charlm/positions`, `charlm/block0/attn/wq`, …,
 * `charlm/norm/scale`, `charlm/head/kernel`.
 */
export interface CharTransformerParams {
  readonly embed: gg.Expr;
  /** The learned position table, or the sinusoids' constant [contextLength, dim]. */
  readonly positions: gg.Expr;
  readonly blocks: readonly gg.nn.TransformerBlockParams[];
  readonly norm: gg.nn.NormParams;
  readonly head: gg.nn.DenseParams;
  readonly specs: readonly gg.nn.ParamSpec[];
}

/** The shape-defining part of the configuration. */
export type ModelShape = Pick<CharTransformerConfig, "contextLength" | "layers" | "heads" | "dim" | "mlpDim" | "positions" | "embedStd">;

/** The root scope of the model's parameter names. */
export const MODEL_SCOPE = "charlm";

export function charTransformerParams(vocabSize: number, c: ModelShape, root: gg.nn.Scope = gg.nn.scope(MODEL_SCOPE)): CharTransformerParams {
  const embed = gg.nn.embeddingParams(root.child("embed"), vocabSize, c.dim, { init: gg.init.normal({ stddev: c.embedStd }) });
  // GPT-2's initialization of a learned table: normal(0, 0.02).
  const positions = c.positions === "learned" ? gg.nn.positionalEmbeddingParams(root.child("positions"), c.contextLength, c.dim, { init: gg.init.normal({ stddev: 0.02 }) }) : { table: gg.nn.sinusoidalPositions(c.contextLength, c.dim), specs: [] };
  const blocks = Array.from({ length: c.layers }, (_, i) => gg.nn.transformerBlockParams(root.child(`block${i}`), { dim: c.dim, heads: c.heads, mlpDim: c.mlpDim }));
  const norm = gg.nn.layerNormParams(root.child("norm"), c.dim);
  const head = gg.nn.denseParams(root.child("head"), c.dim, vocabSize);
  return { embed: embed.table, positions: positions.table, blocks, norm, head, specs: gg.nn.specsOf(embed, positions, ...blocks, norm, head) };
}

export interface ForwardOptions {
  /** Dropout at this rate when > 0 (training only; needs `key`). */
  readonly dropout?: number;
  /** The dropout key: split into one key for the embeddings and one per block. */
  readonly key?: gg.Expr;
}

/** The logits [batch, length, vocab] of the next character at every position of `ids` [batch, length] (length ≤ contextLength). */
export function charTransformerLogits(p: CharTransformerParams, ids: gg.Expr, options: ForwardOptions = {}): gg.Expr {
  const length = ids.shape[ids.rank - 1];
  if (typeof length !== "number") throw new Error(`charTransformerLogits: the context length of ids ${JSON.stringify(ids.shape)} must be known`);
  const rate = options.dropout ?? 0;
  const keys = rate > 0 ? keysFor(options.key, p.blocks.length + 1) : undefined;
  let x = gg.add(gg.nn.embedding(ids, p.embed), gg.nn.positionalEmbedding(p.positions, length));
  if (keys !== undefined) x = gg.nn.dropout(x, { rate, key: keys[0] as gg.Expr });
  p.blocks.forEach((block, i) => {
    const key = keys?.[i + 1];
    x = gg.nn.transformerBlock(x, block, { causal: true, ...(key === undefined ? {} : { dropout: { rate, key } }) });
  });
  return gg.nn.dense(gg.nn.layerNorm(x, p.norm), p.head);
}

function keysFor(key: gg.Expr | undefined, n: number): gg.Expr[] {
  if (key === undefined) throw new Error("charTransformerLogits: dropout needs a key");
  return gg.random.split(key, n);
}

/** The mean cross-entropy (nats) of the next characters `targets` [batch, length] under the logits. */
export function crossEntropy(logits: gg.Expr, targets: gg.Expr): gg.Expr {
  return gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(targets, logits));
}

/** Nats to bits. */
export const BITS_PER_NAT = 1 / Math.LN2;
