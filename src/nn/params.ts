import type { DType } from "../../ir/dtype.js";
import type { Expr } from "../expr.js";
import { param } from "../ops.js";
import type { Initializer, ParamSpec } from "./init.js";

/**
 * A parameter together with its spec: `param` goes into the model, `spec` (name, shape, dtype,
 * initializer) into `init.values` to produce its initial value.
 */
export interface Param {
  readonly param: Expr;
  readonly spec: ParamSpec;
}

export function createParam(name: string, shape: readonly number[], init: Initializer, dtype: DType = "float32"): Param {
  return { param: param(name, shape, dtype), spec: { name, shape: [...shape], dtype, init } };
}
