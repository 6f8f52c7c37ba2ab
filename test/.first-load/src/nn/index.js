import { createParam } from "./params.js";
import { dense, denseParams, embedding, embeddingParams } from "./layers.js";
import { dropout } from "./dropout.js";
import { batchNorm, batchNormParams } from "./batch-norm.js";
import { lstmCell, lstmParams, lstmStackParams, lstmStep, specsOf } from "./lstm.js";
import { dropoutCell, multiCell, unroll, unstack } from "./rnn.js";
export {
  batchNorm,
  batchNormParams,
  createParam,
  dense,
  denseParams,
  dropout,
  dropoutCell,
  embedding,
  embeddingParams,
  lstmCell,
  lstmParams,
  lstmStackParams,
  lstmStep,
  multiCell,
  specsOf,
  unroll,
  unstack
};
