import { left, right, isLeft } from "fp-ts/lib/Either.js";
import { GraphgradError } from "./errors.js";
import { intern } from "./node.js";
import { ATTR_CODECS } from "./ops/attrs.js";
import { OPS } from "./ops/index.js";
function apply(op, inputs, attrs) {
  const def = OPS[op];
  if (def.arity !== "variadic" && inputs.length !== def.arity) {
    return left(new GraphgradError(op, `expects ${def.arity} operand(s), got ${inputs.length}`));
  }
  const codec = ATTR_CODECS[op];
  if (!codec.is(attrs)) {
    return left(new GraphgradError(op, `invalid attributes ${JSON.stringify(attrs)}`));
  }
  const inferred = def.infer(inputs, attrs);
  if (isLeft(inferred)) return left(new GraphgradError(op, inferred.left));
  return right(intern(op, inputs, attrs, inferred.right.shape, inferred.right.dtype));
}
function emit(op, inputs, attrs) {
  const r = apply(op, inputs, attrs);
  if (isLeft(r)) throw r.left;
  return r.right;
}
export {
  apply,
  emit
};
