import { BINARY, BINARY_OPS, binaryFn, COMPARE, COMPARE_OPS } from "./binary.js";
import { castFn } from "./select.js";
import { UNARY, UNARY_OPS } from "./unary.js";
const ELEMENTWISE_OPS = [...UNARY_OPS, ...BINARY_OPS, ...COMPARE_OPS, "where", "cast"];
const ELEMENTWISE_SET = new Set(ELEMENTWISE_OPS);
function isElementwise(op) {
  return ELEMENTWISE_SET.has(op);
}
const has = (table, op) => Object.prototype.hasOwnProperty.call(table, op);
function scalarFunction(op, d) {
  if (op === "where") return (c, a, b) => c !== 0 ? a : b;
  if (op === "cast") {
    const f2 = castFn(d);
    return (x) => f2(x);
  }
  if (has(UNARY, op)) {
    const f2 = UNARY[op].fn;
    return (x) => f2(x);
  }
  if (has(COMPARE, op)) {
    const f2 = COMPARE[op].fn;
    return (a, b) => f2(a, b) ? 1 : 0;
  }
  const f = binaryFn(op, d);
  return (a, b) => f(a, b);
}
export {
  BINARY,
  BINARY_OPS,
  COMPARE,
  COMPARE_OPS,
  ELEMENTWISE_OPS,
  UNARY,
  UNARY_OPS,
  binaryFn,
  castFn,
  isElementwise,
  scalarFunction
};
