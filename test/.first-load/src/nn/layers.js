import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { add, gather, matmul } from "../ops.js";
import { glorotUniform, uniform, zeros } from "./init.js";
import { createParam } from "./params.js";
function denseParams(prefix, inputSize, units, options = {}) {
  const { kernelInit = glorotUniform(), biasInit = zeros(), useBias = true, dtype = "float32" } = options;
  const kernel = createParam(`${prefix}/kernel`, [inputSize, units], kernelInit, dtype);
  if (!useBias) return { kernel: kernel.param, specs: [kernel.spec] };
  const bias = createParam(`${prefix}/bias`, [units], biasInit, dtype);
  return { kernel: kernel.param, bias: bias.param, specs: [kernel.spec, bias.spec] };
}
function dense(x, p, activation) {
  if (x.rank < 2) throw new GraphgradError("nn.dense", `the input needs rank >= 2 ([..., inputSize]), got ${formatShape(x.shape)}`);
  const z = p.bias === void 0 ? matmul(x, p.kernel) : add(matmul(x, p.kernel), p.bias);
  return activation === void 0 ? z : activation(z);
}
function embeddingParams(name, vocabSize, dim, options = {}) {
  const { init = uniform({ scale: 0.05 }), dtype = "float32" } = options;
  const table = createParam(name, [vocabSize, dim], init, dtype);
  return { table: table.param, specs: [table.spec] };
}
function embedding(ids, table) {
  if (ids.dtype !== "int32") throw new GraphgradError("nn.embedding", `ids must be int32, got ${ids.dtype}`);
  if (table.rank !== 2) throw new GraphgradError("nn.embedding", `the table must be [vocabSize, dim], got ${formatShape(table.shape)}`);
  return gather(table, ids);
}
export {
  dense,
  denseParams,
  embedding,
  embeddingParams
};
