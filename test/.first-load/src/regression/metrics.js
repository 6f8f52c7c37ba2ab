import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { accuracy } from "../fit/metrics.js";
import { square } from "../composites.js";
import { cast, div, equal, greater, mean, sub, sum } from "../ops.js";
import { lookup } from "./names.js";
const floatOf = (p) => p.dtype === "float64" ? "float64" : "float32";
const METRICS = {
  /** tflearn's Accuracy: the fraction of rows (over every leading axis) whose argmax is the target's. */
  accuracy: (p, y) => accuracy(y, p),
  /** tflearn's BinaryAccuracy: predictions are logits, class 1 when p > 0; the fraction equal to the targets. */
  binary_accuracy: (p, y) => mean(cast(equal(cast(greater(p, 0), floatOf(p)), cast(y, floatOf(p))), floatOf(p))),
  /**
   * The coefficient of determination 1 − Σ(y − p)² / Σ(y − ȳ)² over every element (ȳ the mean
   * of the batch's targets). tflearn's `R2` op computes a different ratio (against the inputs).
   */
  r2: (p, y) => {
    const t = cast(y, floatOf(p));
    return sub(1, div(sum(square(sub(t, p))), sum(square(sub(t, mean(t))))));
  }
};
function metricKey(metric) {
  return typeof metric === "function" ? "metric" : metric;
}
function metricOf(metric, predictions, targets) {
  const f = typeof metric === "function" ? metric : lookup("metric", metric, METRICS);
  const value = f(predictions, targets);
  if (value.rank !== 0) throw new GraphgradError("regression", `the metric must be a scalar, got ${formatShape(value.shape)}`);
  return value;
}
export {
  METRICS,
  metricKey,
  metricOf
};
