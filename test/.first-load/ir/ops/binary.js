import { map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { broadcastShapes } from "../shape.js";
import { noAttrs } from "./codecs.js";
import { checkClass, sameDType } from "./dtype-class.js";
const BINARY = {
  add: { accepts: "numeric", fn: (a, b) => a + b },
  sub: { accepts: "numeric", fn: (a, b) => a - b },
  mul: { accepts: "numeric", fn: (a, b) => a * b, int: Math.imul },
  div: { accepts: "numeric", fn: (a, b) => a / b, int: (a, b) => b === 0 ? 0 : Math.trunc(a / b) },
  pow: { accepts: "float", fn: Math.pow },
  // IEEE 754-2019 maximum/minimum (WebAssembly's fmax/fmin): NaN propagates and -0 < +0, so the
  // result does not depend on the operand order.
  maximum: { accepts: "numeric", fn: Math.max },
  minimum: { accepts: "numeric", fn: Math.min }
};
const COMPARE = {
  greater: { accepts: "numeric", fn: (a, b) => a > b },
  less: { accepts: "numeric", fn: (a, b) => a < b },
  equal: { accepts: "any", fn: (a, b) => a === b }
};
const BINARY_OPS = Object.keys(BINARY);
const COMPARE_OPS = Object.keys(COMPARE);
const binaryAttrs = noAttrs(BINARY);
const compareAttrs = noAttrs(COMPARE);
function binaryFn(op, d) {
  const s = BINARY[op];
  return d === "int32" && s.int !== void 0 ? s.int : s.fn;
}
function inferBinary(accepts, resultBool) {
  return (xs) => {
    const d = sameDType(xs);
    if (d._tag === "Left") return d;
    const c = checkClass(accepts, d.right);
    if (c._tag === "Left") return c;
    return pipe(
      broadcastShapes(xs.map((x) => x.shape)),
      map((shape) => ({ shape, dtype: resultBool ? "bool" : d.right }))
    );
  };
}
function binary(op, vjp) {
  return { arity: 2, infer: inferBinary(BINARY[op].accepts, false), vjp: (n, g, b) => vjp(n, g, b, n.inputs[0], n.inputs[1]) };
}
const compare = (op) => ({ arity: 2, infer: inferBinary(COMPARE[op].accepts, true), vjp: () => [null, null] });
function chooserMask(b, x, y, pick) {
  const win = b.cast(b.emit(pick, [x, y], {}), x.dtype);
  const tie = b.cast(b.emit("equal", [x, y], {}), x.dtype);
  return b.add(win, b.mul(tie, b.scalarLike(0.5, x)));
}
const binaryOps = {
  add: binary("add", (_n, g) => [g, g]),
  sub: binary("sub", (_n, g, b) => [g, b.neg(g)]),
  mul: binary("mul", (_n, g, b, x, y) => [b.mul(g, y), b.mul(g, x)]),
  // d(a/b) = g/b, -g·a/b²
  div: binary("div", (_n, g, b, x, y) => [b.div(g, y), b.neg(b.div(b.mul(g, x), b.mul(y, y)))]),
  // d a^b = g·b·a^(b-1) and g·a^b·log a (log taken at 1 where a = 0, as JAX does, so 0^b gives 0)
  pow: binary("pow", (n, g, b, x, y) => {
    const gx = b.mul(g, b.mul(y, b.emit("pow", [x, b.sub(y, b.scalarLike(1, y))], {})));
    const safeX = b.where(b.emit("equal", [x, b.scalarLike(0, x)], {}), b.scalarLike(1, x), x);
    return [gx, b.mul(g, b.mul(n, b.emit("log", [safeX], {})))];
  }),
  maximum: binary("maximum", (_n, g, b, x, y) => [b.mul(g, chooserMask(b, x, y, "greater")), b.mul(g, chooserMask(b, y, x, "greater"))]),
  minimum: binary("minimum", (_n, g, b, x, y) => [b.mul(g, chooserMask(b, x, y, "less")), b.mul(g, chooserMask(b, y, x, "less"))])
};
const compareOps = {
  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal")
};
export {
  BINARY,
  BINARY_OPS,
  COMPARE,
  COMPARE_OPS,
  binaryAttrs,
  binaryFn,
  binaryOps,
  compareAttrs,
  compareOps
};
