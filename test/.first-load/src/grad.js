import { orThrow } from "../ir/errors.js";
import { vjp } from "../ir/passes/grad.js";
import { Expr } from "./expr.js";
function grad(y, xs, options) {
  const list = xs instanceof Expr ? [xs] : xs;
  const gs = orThrow(vjp(y.node, list.map((x) => x.node), options?.cotangent?.node)).map((n) => Expr.of(n));
  return xs instanceof Expr ? gs[0] : gs;
}
export {
  grad
};
