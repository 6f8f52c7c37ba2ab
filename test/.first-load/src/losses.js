import { GraphgradError } from "../ir/errors.js";
import { formatShape } from "../ir/shape.js";
import { l2Loss, logSoftmax, softplus, square } from "./composites.js";
import { abs, add, cast, div, log, maximum, mean, minimum, mul, neg, oneHot, sub, sum } from "./ops.js";
function sameShape(op, a, b) {
  const compatible = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i] || typeof d === "string" || typeof b.shape[i] === "string");
  if (!compatible) {
    throw new GraphgradError(`losses.${op}`, `labels ${formatShape(a.shape)} and predictions ${formatShape(b.shape)} differ in shape`);
  }
}
function meanSquaredError(labels, predictions) {
  sameShape("meanSquaredError", labels, predictions);
  return mean(square(sub(labels, predictions)));
}
function categoricalCrossEntropy(labels, probabilities, options = {}) {
  sameShape("categoricalCrossEntropy", labels, probabilities);
  const eps = options.eps ?? 1e-7;
  const p = minimum(maximum(probabilities, eps), 1 - eps);
  return neg(sum(mul(labels, log(p)), options.axis ?? -1));
}
function softmaxCrossEntropyWithLogits(labels, logits, axis = -1) {
  sameShape("softmaxCrossEntropyWithLogits", labels, logits);
  return neg(sum(mul(labels, logSoftmax(logits, axis)), axis));
}
function sparseSoftmaxCrossEntropyWithLogits(labels, logits) {
  if (labels.dtype !== "int32") throw new GraphgradError("losses.sparseSoftmaxCrossEntropyWithLogits", `labels must be int32 class indices, got ${labels.dtype}`);
  const classes = logits.shape[logits.rank - 1];
  if (typeof classes !== "number" || labels.rank !== logits.rank - 1) {
    throw new GraphgradError("losses.sparseSoftmaxCrossEntropyWithLogits", `labels ${formatShape(labels.shape)} must index the last axis of logits ${formatShape(logits.shape)}`);
  }
  return neg(sum(mul(oneHot(labels, classes, logits.dtype), logSoftmax(logits)), -1));
}
function sigmoidCrossEntropyWithLogits(labels, logits) {
  sameShape("sigmoidCrossEntropyWithLogits", labels, logits);
  return add(sub(maximum(logits, 0), mul(logits, labels)), softplus(neg(abs(logits))));
}
function sequenceLossByExample(logits, targets, weights, options = {}) {
  const ls = Array.isArray(logits) ? logits : [logits];
  const ts = Array.isArray(targets) ? targets : [targets];
  const ws = Array.isArray(weights) ? weights : [weights];
  if (ls.length !== ts.length || ls.length !== ws.length || ls.length === 0) {
    throw new GraphgradError("losses.sequenceLossByExample", `needs as many logits, targets and weights (>= 1): ${ls.length}, ${ts.length}, ${ws.length}`);
  }
  const crossent = ls.map((l, i) => mul(sparseSoftmaxCrossEntropyWithLogits(ts[i], l), ws[i]));
  const total = crossent.reduce((a, b) => add(a, b));
  if (options.averageAcrossTimesteps === false) return total;
  const wsum = ws.map((w) => cast(w, total.dtype)).reduce((a, b) => add(a, b));
  return div(total, add(wsum, 1e-12));
}
function l1Loss(w) {
  return sum(abs(w));
}
function huberLoss(labels, predictions, delta = 1) {
  sameShape("huberLoss", labels, predictions);
  const e = abs(sub(labels, predictions));
  const q = minimum(e, delta);
  return mean(add(mul(mul(q, q), 0.5), mul(sub(e, q), delta)));
}
export {
  categoricalCrossEntropy,
  huberLoss,
  l1Loss,
  l2Loss,
  meanSquaredError,
  sequenceLossByExample,
  sigmoidCrossEntropyWithLogits,
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits
};
