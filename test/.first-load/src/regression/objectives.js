import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits } from "../losses.js";
import { square } from "../composites.js";
import { div, log, maximum, mean, minimum, mul, neg, sub, sum } from "../ops.js";
import { lookup } from "./names.js";
const EPSILON = 1e-10;
const LOSSES = {
  /** mean((p − y)²) over every element. */
  mean_square: (p, y) => mean(square(sub(p, y))),
  /**
   * p are probabilities (e.g. a softmax): renormalized to sum to 1 along the last axis, clipped
   * to [1e-10, 1 − 1e-10]; the mean over examples of −Σ y·log p.
   */
  categorical_crossentropy: (p, y) => {
    const normalized = div(p, sum(p, -1, true));
    const clipped = minimum(maximum(normalized, EPSILON), 1 - EPSILON);
    return mean(neg(sum(mul(y, log(clipped)), -1)));
  },
  /** p are logits: the mean of softmax_cross_entropy_with_logits. */
  softmax_categorical_crossentropy: (p, y) => mean(softmaxCrossEntropyWithLogits(y, p)),
  /** p are logits: the mean of sigmoid_cross_entropy_with_logits over every element. */
  binary_crossentropy: (p, y) => mean(sigmoidCrossEntropyWithLogits(y, p)),
  /** mean(max(1 − y·p, 0)) over every element (labels ±1). */
  hinge_loss: (p, y) => mean(maximum(sub(1, mul(y, p)), 0))
};
function lossOf(loss, predictions, targets) {
  const f = typeof loss === "function" ? loss : lookup("loss", loss, LOSSES);
  const value = f(predictions, targets);
  if (value.rank !== 0 || value.dtype !== "float32" && value.dtype !== "float64") {
    throw new GraphgradError("regression", `the loss must be a float scalar, got ${value.dtype}${formatShape(value.shape)}`);
  }
  return value;
}
export {
  EPSILON,
  LOSSES,
  lossOf
};
