import { map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { noAttrs } from "./codecs.js";
import { checkClass } from "./dtype-class.js";
const UNARY = {
  neg: { accepts: "numeric", fn: (x) => -x },
  exp: { accepts: "float", fn: Math.exp },
  log: { accepts: "float", fn: Math.log },
  sqrt: { accepts: "float", fn: Math.sqrt },
  abs: { accepts: "numeric", fn: Math.abs },
  sign: { accepts: "numeric", fn: Math.sign },
  tanh: { accepts: "float", fn: Math.tanh },
  floor: { accepts: "numeric", fn: Math.floor },
  stopGradient: { accepts: "any", fn: (x) => x }
};
const UNARY_OPS = Object.keys(UNARY);
const unaryAttrs = noAttrs(UNARY);
function unary(op, vjp) {
  return {
    arity: 1,
    infer: (xs) => {
      const x = xs[0];
      return pipe(
        checkClass(UNARY[op].accepts, x.dtype),
        map(() => x)
      );
    },
    vjp: (n, g, b) => vjp(n, g, b, n.inputs[0])
  };
}
const noGradient = () => [null];
const unaryOps = {
  neg: unary("neg", (_n, g, b) => [b.neg(g)]),
  exp: unary("exp", (n, g, b) => [b.mul(g, n)]),
  log: unary("log", (_n, g, b, x) => [b.div(g, x)]),
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: unary("sqrt", (n, g, b) => [b.div(g, b.mul(b.scalarLike(2, n), n))]),
  abs: unary("abs", (_n, g, b, x) => [b.mul(g, b.emit("sign", [x], {}))]),
  sign: unary("sign", noGradient),
  // d tanh(x) = 1 - tanh(x)^2
  tanh: unary("tanh", (n, g, b) => [b.mul(g, b.sub(b.scalarLike(1, n), b.mul(n, n)))]),
  floor: unary("floor", noGradient),
  stopGradient: unary("stopGradient", noGradient)
};
export {
  UNARY,
  UNARY_OPS,
  unaryAttrs,
  unaryOps
};
