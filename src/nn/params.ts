import type { DType } from "../../ir/dtype.js";
import { checkConcreteShape } from "../../ir/check.js";
import * as arg from "../args.js";
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
  arg.string("nn.createParam", name, "the name");
  checkConcreteShape(`nn.createParam '${name}'`, shape);
  arg.func(`nn.createParam '${name}'`, init, "the initializer");
  return { param: param(name, shape, dtype), spec: { name, shape: [...shape], dtype, init } };
}
