import { GraphgradError } from "../ir/errors.js";
import { formatShape } from "../ir/shape.js";
import { l2Loss, logSoftmax, softplus, square } from "./composites.js";
import * as arg from "./args.js";
import type { Expr } from "./expr.js";
import { abs, add, cast, checkIndex, div, exp, log, max, maximum, mean, minimum, mul, neg, oneHot, stopGradient, sub, sum } from "./ops.js";

/**
 * Losses. Per-example losses return one value per example (reduce them with `mean` or `sum`);
 * `meanSquaredError` returns the mean, as tf.losses / keras do.
 */

/** Same rank and equal sizes where both are known; a symbolic (batch) dimension is checked at run time. */
function sameShape(op: string, a: Expr, b: Expr): void {
  arg.expr(`losses.${op}`, a, "the labels");
  arg.expr(`losses.${op}`, b, "the predictions");
  const compatible = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i] || typeof d === "string" || typeof b.shape[i] === "string");
  if (!compatible) {
    throw new GraphgradError(`losses.${op}`, `labels ${formatShape(a.shape)} and predictions ${formatShape(b.shape)} differ in shape`);
  }
}

/** mean((labels - predictions)²) over all elements. */
export function meanSquaredError(labels: Expr, predictions: Expr): Expr {
  sameShape("meanSquaredError", labels, predictions);
  return mean(square(sub(labels, predictions)));
}

/** -Σ labels·log(p) along `axis`, p clipped to [eps, 1-eps] (keras's 1e-7) so log(0) cannot occur. */
export function categoricalCrossEntropy(labels: Expr, probabilities: Expr, options: { axis?: number; eps?: number } = {}): Expr {
  sameShape("categoricalCrossEntropy", labels, probabilities);
  arg.options("losses.categoricalCrossEntropy", options);
  arg.optionalNumber("losses.categoricalCrossEntropy", options.axis, "axis", { integer: true });
  arg.optionalNumber("losses.categoricalCrossEntropy", options.eps, "eps", { min: 0, max: 0.5 });
  const eps = options.eps ?? 1e-7;
  const p = minimum(maximum(probabilities, eps), 1 - eps);
  return neg(sum(mul(labels, log(p)), options.axis ?? -1));
}

/** -Σ labels·logSoftmax(logits) along `axis` (TF's softmax_cross_entropy_with_logits), per example. */
export function softmaxCrossEntropyWithLogits(labels: Expr, logits: Expr, axis = -1): Expr {
  sameShape("softmaxCrossEntropyWithLogits", labels, logits);
  arg.number("losses.softmaxCrossEntropyWithLogits", axis, "the axis", { integer: true });
  return neg(sum(mul(labels, logSoftmax(logits, axis)), axis));
}

/**
 * The same with int32 class indices [...] for logits [..., classes] (TF's sparse_ variant). A label
 * outside [0, classes) fails the run, naming it (`labels[1] = 7 is not in [0, 3)`), as TF's CPU kernel does.
 */
export function sparseSoftmaxCrossEntropyWithLogits(labels: Expr, logits: Expr): Expr {
  arg.expr("losses.sparseSoftmaxCrossEntropyWithLogits", labels, "the labels");
  arg.expr("losses.sparseSoftmaxCrossEntropyWithLogits", logits, "the logits");
  if (labels.dtype !== "int32") throw new GraphgradError("losses.sparseSoftmaxCrossEntropyWithLogits", `labels must be int32 class indices, got ${labels.dtype}`);
  const classes = logits.shape[logits.rank - 1];
  if (typeof classes !== "number" || labels.rank !== logits.rank - 1) {
    throw new GraphgradError("losses.sparseSoftmaxCrossEntropyWithLogits", `labels ${formatShape(labels.shape)} must index the last axis of logits ${formatShape(logits.shape)}`);
  }
  const checked = checkIndex(labels, classes, "losses.sparseSoftmaxCrossEntropyWithLogits", "labels");
  // −Σ onehot·logSoftmax(x), written as log Σ e^s − Σ onehot·s with s = x − max(x): the same value
  // (the checked labels' one-hot sums to 1), but the gradient, softmax − onehot, no longer sums
  // the one-hot over the classes for the log-sum term.
  const shifted = sub(logits, stopGradient(max(logits, -1, true)));
  return sub(log(sum(exp(shifted), -1)), sum(mul(oneHot(checked, classes, logits.dtype), shifted), -1));
}

/**
 * Elementwise sigmoid cross-entropy on logits x with labels z, in TF's stable form
 * max(x, 0) - x·z + log(1 + e^-|x|): finite for any x.
 */
export function sigmoidCrossEntropyWithLogits(labels: Expr, logits: Expr): Expr {
  sameShape("sigmoidCrossEntropyWithLogits", labels, logits);
  return add(sub(maximum(logits, 0), mul(logits, labels)), softplus(neg(abs(logits))));
}

/**
 * TF's sequence_loss_by_example: per example, Σ_t w_t·CE(logits_t, targets_t), divided by Σ_t w_t
 * when `averageAcrossTimesteps` (default, as TF; + 1e-12 like TF). Takes lists (one entry per time
 * step: logits [N, V], int32 targets [N], weights [N]) or single tensors (one time step).
 */
export function sequenceLossByExample(
  logits: Expr | readonly Expr[],
  targets: Expr | readonly Expr[],
  weights: Expr | readonly Expr[],
  options: { averageAcrossTimesteps?: boolean } = {},
): Expr {
  const where = "losses.sequenceLossByExample";
  const ls = Array.isArray(logits) ? logits : [logits as Expr];
  const ts = Array.isArray(targets) ? targets : [targets as Expr];
  const ws = Array.isArray(weights) ? weights : [weights as Expr];
  arg.exprList(where, ls, "the logits");
  arg.exprList(where, ts, "the targets");
  arg.exprList(where, ws, "the weights");
  arg.options(where, options);
  arg.optionalBoolean(where, options.averageAcrossTimesteps, "averageAcrossTimesteps");
  if (ls.length !== ts.length || ls.length !== ws.length || ls.length === 0) {
    throw new GraphgradError("losses.sequenceLossByExample", `needs as many logits, targets and weights (>= 1): ${ls.length}, ${ts.length}, ${ws.length}`);
  }
  const crossent = ls.map((l, i) => mul(sparseSoftmaxCrossEntropyWithLogits(ts[i] as Expr, l), ws[i] as Expr));
  const total = crossent.reduce((a, b) => add(a, b));
  if (options.averageAcrossTimesteps === false) return total;
  const wsum = ws.map((w) => cast(w, total.dtype)).reduce((a, b) => add(a, b));
  return div(total, add(wsum, 1e-12));
}

/** TF's l2_loss: sum(w²)/2. */
export { l2Loss };

/** Σ|w|. */
export function l1Loss(w: Expr): Expr {
  arg.expr("losses.l1Loss", w);
  return sum(abs(w));
}

/** Huber loss, mean over elements: ½e² where |e| <= δ, δ(|e| - ½δ) beyond. */
export function huberLoss(labels: Expr, predictions: Expr, delta = 1): Expr {
  sameShape("huberLoss", labels, predictions);
  arg.number("losses.huberLoss", delta, "delta", { min: 0 });
  const e = abs(sub(labels, predictions));
  const q = minimum(e, delta);
  return mean(add(mul(mul(q, q), 0.5), mul(sub(e, q), delta)));
}
