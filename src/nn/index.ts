/** Layers (`gg.nn`): parameter helpers, dense, embedding, dropout, batch normalization, LSTM cells and RNN utilities. */
export { createParam, type Param } from "./params.js";
export type { ParamSpec, Initializer } from "./init.js";
export { dense, denseParams, embedding, embeddingParams, type DenseParams, type DenseParamsOptions, type EmbeddingParamsOptions } from "./layers.js";
export { dropout, type DropoutOptions, type Training } from "./dropout.js";
export { batchNorm, batchNormParams, type BatchNormOptions, type BatchNormParams, type BatchNormResult } from "./batch-norm.js";
export { lstmCell, lstmParams, lstmStackParams, lstmStep, specsOf, type LSTMParams, type LSTMParamsOptions, type LSTMState } from "./lstm.js";
export { dropoutCell, multiCell, unroll, unstack, type DropoutCellOptions, type RNNCell, type StepContext } from "./rnn.js";
