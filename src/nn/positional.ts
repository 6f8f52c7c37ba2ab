import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { prim, slice } from "../ops.js";
import { type Initializer, normal, type ParamSpec } from "./init.js";
import { createParam } from "./params.js";
import { checkPrefix, type Prefix, prefixOf } from "./scope.js";

/** The most positions × features `sinusoidalPositions` writes out as a constant (2^26 values). */
const MAX_VALUES = 2 ** 26;

/**
 * The sinusoidal position encodings of "Attention Is All You Need" (§3.5), a constant
 * [length, dim]: PE[p, 2i] = sin(p/base^(2i/dim)), PE[p, 2i+1] = cos(p/base^(2i/dim)), base
 * 10000 (computed in float64, rounded once to `dtype`). Add it to the embeddings. At most 2^26
 * values (length × dim): beyond, use a learned table or compute the encodings in the graph.
 */
export function sinusoidalPositions(length: number, dim: number, options: { readonly dtype?: DType; readonly base?: number } = {}): Expr {
  const where = "nn.sinusoidalPositions";
  arg.number(where, length, "length", { integer: true, min: 1 });
  arg.number(where, dim, "dim", { integer: true, min: 1 });
  if (length * dim > MAX_VALUES) throw new GraphgradError(where, `length ${length} × dim ${dim} is more than the ${MAX_VALUES} values written out as a constant`);
  arg.options(where, options);
  const { dtype = "float32", base = 10000 } = options;
  if (dtype !== "float32" && dtype !== "float64") throw new GraphgradError(where, `dtype must be float32 or float64, got ${arg.describe(dtype)}`);
  arg.number(where, base, "options.base");
  if (base <= 0) throw new GraphgradError(where, `base must be a positive number, got ${base}`);
  const values = new Array<number>(length * dim);
  for (let p = 0; p < length; p++) {
    for (let j = 0; j < dim; j++) {
      const angle = p / base ** ((2 * Math.floor(j / 2)) / dim);
      values[p * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return prim("literal", [], { shape: [length, dim], dtype, values: dtype === "float32" ? values.map(Math.fround) : values });
}

/** A learned position embedding table `name` [maxLength, dim] (a scope: named by its path); default init normal(0, 0.02) (GPT-2's). */
export function positionalEmbeddingParams(name: Prefix, maxLength: number, dim: number, options: { readonly init?: Initializer; readonly dtype?: DType } = {}): { readonly table: Expr; readonly specs: readonly ParamSpec[] } {
  const where = "nn.positionalEmbeddingParams";
  checkPrefix(where, name);
  arg.number(where, maxLength, "maxLength", { integer: true, min: 1 });
  arg.number(where, dim, "dim", { integer: true, min: 1 });
  arg.options(where, options);
  const { init = normal({ stddev: 0.02 }), dtype = "float32" } = options;
  const table = createParam(prefixOf(name), [maxLength, dim], init, dtype);
  return { table: table.param, specs: [table.spec] };
}

/** Rows offset … offset + length − 1 of a learned position table [maxLength, dim]: [length, dim], to add to the embeddings. */
export function positionalEmbedding(table: Expr, length: number, offset = 0): Expr {
  arg.expr("nn.positionalEmbedding", table, "the table");
  arg.number("nn.positionalEmbedding", length, "length", { integer: true, min: 1 });
  arg.number("nn.positionalEmbedding", offset, "offset", { integer: true, min: 0 });
  const maxLength = table.shape[0];
  if (table.rank !== 2 || typeof maxLength !== "number") throw new GraphgradError("nn.positionalEmbedding", `the table must be [maxLength, dim], got ${formatShape(table.shape)}`);
  if (!(Number.isInteger(length) && Number.isInteger(offset) && length >= 1 && offset >= 0 && offset + length <= maxLength)) {
    throw new GraphgradError("nn.positionalEmbedding", `positions ${offset} to ${offset + length - 1} are outside the table's ${maxLength} rows (${formatShape(table.shape)})`);
  }
  return slice(table, [offset, 0], [length, -1]);
}
