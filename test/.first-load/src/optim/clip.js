import { GraphgradError } from "../../ir/errors.js";
import { add, cast, div, maximum, minimum, mul, scalar, sqrt, sum } from "../ops.js";
import { mapParams } from "./tree.js";
import { EMPTY, stateless } from "./transform.js";
function globalNorm(ts) {
  const parts = Object.values(ts);
  const first = parts[0];
  if (first === void 0) return scalar(0);
  return sqrt(parts.map((t) => cast(sum(mul(t, t)), first.dtype)).reduce((a, b) => add(a, b)));
}
function checkPositive(op, c) {
  if (!(c > 0) || !Number.isFinite(c)) throw new GraphgradError(op, `the clip norm must be a positive number, got ${c}`);
}
function clipByGlobalNorm(c) {
  checkPositive("clipByGlobalNorm", c);
  return {
    init: () => EMPTY,
    update: (grads, state) => {
      const norm = globalNorm(grads);
      const factor = div(scalar(c, norm.dtype), maximum(norm, c));
      return [mapParams(grads, (g) => mul(g, cast(factor, g.dtype))), state, { gradNorm: norm }];
    }
  };
}
function clipByValue(lo, hi) {
  if (!(lo <= hi)) throw new GraphgradError("clipByValue", `needs lo <= hi, got [${lo}, ${hi}]`);
  return stateless((g) => minimum(maximum(g, lo), hi));
}
function clipByNorm(c) {
  checkPositive("clipByNorm", c);
  return stateless((g) => {
    const n = sqrt(sum(mul(g, g)));
    return mul(g, div(c, maximum(n, c)));
  });
}
export {
  clipByGlobalNorm,
  clipByNorm,
  clipByValue,
  globalNorm
};
