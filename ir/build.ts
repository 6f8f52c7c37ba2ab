import { type Either, left, right, isLeft } from "fp-ts/lib/Either.js";
import { describeJson } from "./check.js";
import { GraphgradError } from "./errors.js";
import { intern, type Node } from "./node.js";
import { ATTR_CODECS, type OpAttrs, type OpName } from "./ops/attrs.js";
import { OPS } from "./ops/index.js";

/**
 * Applies a primitive: checks arity and attributes, runs its shape rule, and interns the node.
 * Every node in graphgrad is made here, so every node has passed its op's checks.
 */
export function apply<K extends OpName>(
  op: K,
  inputs: readonly Node[],
  attrs: OpAttrs[K],
): Either<GraphgradError, Node> {
  const def = OPS[op];
  if (def.arity !== "variadic" && inputs.length !== def.arity) {
    return left(new GraphgradError(op, `expects ${def.arity} operand(s), got ${inputs.length}`));
  }
  const codec = ATTR_CODECS[op];
  if (!codec.is(attrs)) {
    return left(new GraphgradError(op, `invalid attributes ${describeJson(attrs)}`));
  }
  const inferred = def.infer(inputs, attrs);
  if (isLeft(inferred)) return left(new GraphgradError(op, inferred.left));
  return right(intern(op, inputs, attrs, inferred.right.shape, inferred.right.dtype) as Node);
}

/** `apply` for callers that hold a well-formed graph (rules, passes): a Left here is a bug, thrown. */
export function emit<K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node {
  const r = apply(op, inputs, attrs);
  if (isLeft(r)) throw r.left;
  return r.right;
}
