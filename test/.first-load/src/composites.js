import { abs, add, div, exp, greater, greaterEqual, log, matmul, max, maximum, mul, stopGradient, sub, sum, where } from "./ops.js";
function sigmoid(x) {
  const nonNegative = greaterEqual(x, 0);
  const z = exp(where(nonNegative, x.neg(), x));
  return where(nonNegative, div(1, add(1, z)), div(z, add(1, z)));
}
function relu(x) {
  return where(greater(x, 0), x, 0);
}
function leakyRelu(x, alpha = 0.2) {
  return where(greater(x, 0), x, mul(x, alpha));
}
function softplus(x) {
  return add(maximum(x, 0), log(add(1, exp(abs(x).neg()))));
}
function logSoftmax(x, axis = -1) {
  const shifted = sub(x, stopGradient(max(x, axis, true)));
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}
function softmax(x, axis = -1) {
  const e = exp(sub(x, stopGradient(max(x, axis, true))));
  return div(e, sum(e, axis, true));
}
function square(x) {
  return mul(x, x);
}
function l2Loss(w) {
  return div(sum(square(w)), 2);
}
function dense(x, w, b, activation) {
  const z = b === void 0 ? matmul(x, w) : add(matmul(x, w), b);
  return activation === void 0 ? z : activation(z);
}
export {
  dense,
  l2Loss,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  softplus,
  square
};
