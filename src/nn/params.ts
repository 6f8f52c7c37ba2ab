import type { DType } from "../../ir/dtype.js";
import { checkConcreteShape } from "../../ir/check.js";
import * as arg from "../args.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
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

/**
 * The specs of several layers' parameters, concatenated (for `init.values`). The same spec listed
 * twice (a parameter shared by two layers) is kept once; two different specs of one name — the
 * same layer built twice under one scope, say — are a name clash, a GraphgradError.
 */
export function specsOf(...groups: readonly { readonly specs: readonly ParamSpec[] }[]): ParamSpec[] {
  groups.forEach((g, i) => {
    arg.record("nn.specsOf", g, `group ${i}`);
    arg.array("nn.specsOf", g.specs, `group ${i}'s specs`);
  });
  const byName = new Map<string, ParamSpec>();
  for (const spec of groups.flatMap((g) => g.specs)) {
    const seen = byName.get(spec.name);
    if (seen === undefined) byName.set(spec.name, spec);
    else if (seen !== spec) {
      throw new GraphgradError("nn.specsOf", `two parameters are named '${spec.name}' (${seen.dtype}${formatShape(seen.shape)} and ${spec.dtype}${formatShape(spec.shape)}): build each layer under a scope of its own (scope.child(name))`);
    }
  }
  return [...byName.values()];
}
