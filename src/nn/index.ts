/** Layers (`gg.nn`): scopes and parameter helpers, dense, convolution, embedding, dropout, normalization, activations, recurrent cells, attention, Transformer blocks, and model summaries. */
export { createParam, specsOf, type Param } from "./params.js";
export { scope, type Prefix, type Scope } from "./scope.js";
export type { ParamSpec, Initializer } from "./init.js";
export { dense, denseParams, embedding, embeddingParams, type DenseParams, type DenseParamsOptions, type EmbeddingParamsOptions } from "./layers.js";
export { conv, convParams, type ConvLayerOptions, type ConvParams, type ConvParamsConfig, type ConvWeights } from "./conv.js";
export { dropout, type DropoutOptions, type Training } from "./dropout.js";
export { batchNorm, batchNormParams, type BatchNormOptions, type BatchNormParams, type BatchNormResult } from "./batch-norm.js";
export { groupNorm, groupNormParams, layerNorm, layerNormParams, rmsNorm, rmsNormParams, type NormParams, type NormParamsOptions, type NormWeights } from "./normalization.js";
export { gelu, relu, sigmoid, silu, softmax } from "../composites.js";
export { lstmCell, lstmParams, lstmStackParams, lstmStep, type LSTMParams, type LSTMParamsOptions, type LSTMState } from "./lstm.js";
export { gruCell, gruParams, gruStep, type GRUParams, type GRUParamsOptions } from "./gru.js";
export { dropoutCell, multiCell, unroll, unstack, type DropoutCellOptions, type RNNCell, type StepContext } from "./rnn.js";
export { dotProductAttention, type AttentionOptions } from "./attention.js";
export { multiHeadAttention, multiHeadAttentionParams, type MultiHeadAttentionConfig, type MultiHeadAttentionOptions, type MultiHeadAttentionParams, type MultiHeadAttentionWeights } from "./multi-head.js";
export { positionalEmbedding, positionalEmbeddingParams, sinusoidalPositions } from "./positional.js";
export { transformerBlock, transformerBlockParams, type TransformerBlockConfig, type TransformerBlockOptions, type TransformerBlockParams, type TransformerBlockWeights } from "./transformer.js";
export { summary, type ModelSummary, type SummaryOptions, type SummaryRow } from "./summary.js";
