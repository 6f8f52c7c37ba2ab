import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../../ir/errors.js";
import type { NodeOf } from "../../ir/node.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import type { TensorProto } from "./proto/onnx/onnx_pb.js";
import { tensorProto } from "./tensors.js";

const WHERE = "onnx.export";
const has = (params: object, name: string): boolean => Object.prototype.hasOwnProperty.call(params, name);

/**
 * The initializers of a graph's parameters, named after them, from `params` (entries for
 * parameters the graph does not have are ignored). A value for an input (`gg.input`) is refused:
 * an input stays a graph input.
 */
export function paramInitializers(inputs: readonly NodeOf<"input">[], params: Readonly<Record<string, Tensor>>): Either<GraphgradError, TensorProto[]> {
  const fed = inputs.find((n) => n.attrs.kind === "input" && has(params, n.attrs.name));
  if (fed !== undefined) {
    return left(new GraphgradError(`${WHERE}: params '${fed.attrs.name}'`, "names an input (gg.input), not a parameter: inputs stay graph inputs, fed at run time"));
  }
  const initializers: TensorProto[] = [];
  for (const n of inputs.filter((x) => x.attrs.kind === "param")) {
    const t = paramValue(n, params);
    if (t._tag === "Left") return t;
    initializers.push(t.right);
  }
  return right(initializers);
}

/** The initializer of a parameter: its value from `params`, checked against its dtype and shape. */
function paramValue(n: NodeOf<"input">, params: Readonly<Record<string, Tensor>>): Either<GraphgradError, TensorProto> {
  const { name, dtype, shape } = n.attrs;
  const where = `${WHERE}: params '${name}'`;
  const t = has(params, name) ? params[name] : undefined;
  if (t === undefined) return left(new GraphgradError(where, `no value in options.params (the outputs use it; give a Tensor of ${dtype}${formatShape(shape)})`));
  if (!(t instanceof Tensor)) return left(new GraphgradError(where, `expected a Tensor, got ${typeof t}`));
  const fits = t.shape.length === shape.length && shape.every((d, i) => typeof d === "string" || d === t.shape[i]);
  if (t.dtype !== dtype || !fits) {
    return left(new GraphgradError(where, `the value is ${t.dtype}${formatShape(t.shape)}, the parameter ${dtype}${formatShape(shape)}`));
  }
  return right(tensorProto(t.dtype, t.shape, t.data, name));
}
