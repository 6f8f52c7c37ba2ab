import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, gather, matmul } from "../ops.js";
import { glorotUniform, type Initializer, type ParamSpec, uniform, zeros } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/** Parameters of a dense layer: kernel [inputSize, units], bias [units] (absent with `useBias: false`). */
export interface DenseParams {
  readonly kernel: Expr;
  readonly bias?: Expr;
  readonly specs: readonly ParamSpec[];
}

export interface DenseParamsOptions {
  /** Default: Glorot uniform (TF/Keras). */
  readonly kernelInit?: Initializer;
  /** Default: zeros. */
  readonly biasInit?: Initializer;
  readonly useBias?: boolean;
  readonly dtype?: DType;
}

/** Creates `${prefix}/kernel` and `${prefix}/bias` (prefix: a string or a scope). */
export function denseParams(prefix: Prefix, inputSize: number, units: number, options: DenseParamsOptions = {}): DenseParams {
  checkPrefix("nn.denseParams", prefix);
  arg.options("nn.denseParams", options);
  const { kernelInit = glorotUniform(), biasInit = zeros(), useBias = true, dtype = "float32" } = options;
  const path = prefixOf(prefix);
  const kernel = createParam(`${path}/kernel`, [inputSize, units], kernelInit, dtype);
  if (!useBias) return { kernel: kernel.param, specs: [kernel.spec] };
  const bias = createParam(`${path}/bias`, [units], biasInit, dtype);
  return { kernel: kernel.param, bias: bias.param, specs: [kernel.spec, bias.spec] };
}

/** x·kernel + bias over the last axis of x (any rank >= 2), then an optional activation. */
export function dense(x: Expr, p: { readonly kernel: Expr; readonly bias?: Expr | undefined }, activation?: (z: Expr) => Expr): Expr {
  arg.expr("nn.dense", x, "x");
  arg.record("nn.dense", p, "the parameters");
  arg.expr("nn.dense", p.kernel, "kernel");
  if (p.bias !== undefined) arg.expr("nn.dense", p.bias, "bias");
  if (activation !== undefined) arg.func("nn.dense", activation, "the activation");
  if (x.rank < 2) throw new GraphgradError("nn.dense", `the input needs rank >= 2 ([..., inputSize]), got ${formatShape(x.shape)}`);
  const z = p.bias === undefined ? matmul(x, p.kernel) : add(matmul(x, p.kernel), p.bias);
  return activation === undefined ? z : activation(z);
}

export interface EmbeddingParamsOptions {
  /** Default: uniform ±0.05 (Keras' Embedding). */
  readonly init?: Initializer;
  readonly dtype?: DType;
}

/** Creates the table `name` [vocabSize, dim] (a scope: the table is named by its path). */
export function embeddingParams(name: Prefix, vocabSize: number, dim: number, options: EmbeddingParamsOptions = {}): { readonly table: Expr; readonly specs: readonly ParamSpec[] } {
  checkPrefix("nn.embeddingParams", name);
  arg.options("nn.embeddingParams", options);
  const { init = uniform({ scale: 0.05 }), dtype = "float32" } = options;
  const table = createParam(prefixOf(name), [vocabSize, dim], init, dtype);
  return { table: table.param, specs: [table.spec] };
}

/**
 * TF's embedding_lookup: rows of `table` [V, D] for int32 `ids` [...] → [..., D]. An id outside
 * [0, V) fails the run (gather's check, on every backend); the gradient is a scatter-add.
 */
export function embedding(ids: Expr, table: Expr): Expr {
  arg.expr("nn.embedding", ids, "the ids");
  arg.expr("nn.embedding", table, "the table");
  if (ids.dtype !== "int32") throw new GraphgradError("nn.embedding", `ids must be int32, got ${ids.dtype}`);
  if (table.rank !== 2) throw new GraphgradError("nn.embedding", `the table must be [vocabSize, dim], got ${formatShape(table.shape)}`);
  return gather(table, ids);
}
