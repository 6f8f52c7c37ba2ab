import * as gg from "../../src/index.js";

/**
 * The seed's iris model: one dense layer 4 → 3 with softmax, y = softmax(x·w1 + b1).
 *
 * The loss is the one of the seed's source: seed 002 §五 reuses the iris program of its first
 * note (§五 there), whose loss is `tf.reduce_mean(tf.square(y_ - y))`, the mean squared error
 * between the one-hot labels y_ and the softmax probabilities y (mean over batch × 3 classes),
 * as in seed 002's own classification code (§三). It is not the cross-entropy.
 *
 * The batch dimension is named "n" so that x and the labels share it symbolically; the last,
 * smaller batch (120 = 3·32 + 24) runs through the same executable.
 */
export const FEATURES = 4;
export const CLASSES = 3;

export interface IrisModel {
  readonly x: gg.Expr;
  /** int32 class indices. */
  readonly labels: gg.Expr;
  readonly w1: gg.Expr;
  readonly b1: gg.Expr;
  readonly probabilities: gg.Expr;
  readonly loss: gg.Expr;
  /** How many examples of the batch argmax(y) classifies correctly (the seed's `correct`). */
  readonly correct: gg.Expr;
}

export function irisModel(): IrisModel {
  const x = gg.input("x", ["n", FEATURES]);
  const labels = gg.input("labels", ["n"], "int32");
  const w1 = gg.param("w1", [FEATURES, CLASSES]);
  const b1 = gg.param("b1", [CLASSES]);
  const probabilities = gg.softmax(gg.dense(x, w1, b1));
  const loss = gg.losses.meanSquaredError(gg.oneHot(labels, CLASSES), probabilities);
  const correct = gg.sum(gg.cast(gg.equal(gg.argmax(probabilities), labels), "int32"));
  return { x, labels, w1, b1, probabilities, loss, correct };
}
