import { GraphgradError } from "../../ir/errors.js";
import type { NodeOf } from "../../ir/node.js";
import { toposort } from "../../ir/node.js";
import { formatShape, shapesEqual } from "../../ir/shape.js";
import { Tensor, tensorFrom } from "../../ir/tensor.js";
import type { TensorLike } from "../compile.js";
import * as arg from "../args.js";
import { Expr } from "../expr.js";
import type { Params } from "../optim/tree.js";

/** The `param` inputs expressions depend on. */
export function paramsOf(...es: readonly Expr[]): Expr[] {
  arg.exprList("paramsOf", es, "the expressions");
  return toposort(es.map((e) => e.node))
    .filter((n): n is NodeOf<"input"> => n.op === "input" && n.attrs.kind === "param")
    .map((n) => Expr.of(n));
}

/** The parameters by name (each must be a `param(...)`). */
export function paramRecord(list: readonly Expr[]): Record<string, Expr> {
  const params: Record<string, Expr> = {};
  for (const p of list) {
    if (!(p instanceof Expr) || p.name === undefined) throw new GraphgradError("trainStep", `a parameter must be a param(...) input, got ${p instanceof Expr ? `a ${p.node.op} node` : typeof p}`);
    params[p.name] = p;
  }
  return params;
}

/** Initial parameter values, checked against the parameters (every one given, dtypes and shapes). */
export function checkParams(values: Readonly<Record<string, TensorLike>>, params: Readonly<Record<string, Expr>>): Params<Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of Object.keys(values)) {
    if (params[name] === undefined) throw new GraphgradError("init", `'${name}' is not a parameter (parameters: ${Object.keys(params).join(", ")})`);
  }
  for (const [name, p] of Object.entries(params)) {
    const v = values[name];
    if (v === undefined) throw new GraphgradError("init", `no initial value for parameter '${name}' (${p.dtype}${formatShape(p.shape)})`);
    const t = v instanceof Tensor ? v : toTensor(v, p, name);
    if (t.dtype !== p.dtype || !shapesEqual(t.shape, p.shape)) {
      throw new GraphgradError("init", `parameter '${name}' is ${p.dtype}${formatShape(p.shape)}, got ${t.dtype}${formatShape(t.shape)}`);
    }
    out[name] = t;
  }
  return Object.freeze(out);
}

function toTensor(v: Exclude<TensorLike, Tensor>, p: Expr, name: string): Tensor {
  const shape = p.shape.every((d) => typeof d === "number") ? (p.shape as number[]) : undefined;
  return tensorFrom(v, p.dtype, shape, `init '${name}'`);
}
