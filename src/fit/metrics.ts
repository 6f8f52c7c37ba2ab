import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { argmax, cast, equal, mean } from "../ops.js";

/**
 * Metric expressions to compile into a train step (`trainStep({ metrics })`) or a validation
 * evaluator (`fit({ validation: { metrics } })`).
 */

/**
 * The fraction of rows whose largest prediction is the label: labels are class indices (int32,
 * one axis fewer than the predictions) or one-hot / probability rows of the predictions' shape;
 * float64 for float64 predictions, else float32.
 */
export function accuracy(labels: Expr, predictions: Expr): Expr {
  arg.expr("accuracy", labels, "the labels");
  arg.expr("accuracy", predictions, "the predictions");
  if (predictions.rank < 1) throw new GraphgradError("accuracy", `predictions need a class axis, got ${formatShape(predictions.shape)}`);
  const predicted = argmax(predictions, -1);
  let truth: Expr;
  if (labels.rank === predictions.rank) truth = argmax(labels, -1);
  else if (labels.rank === predictions.rank - 1) truth = cast(labels, "int32");
  else {
    throw new GraphgradError("accuracy", `labels ${formatShape(labels.shape)} are neither class indices nor one-hot rows for predictions ${formatShape(predictions.shape)}`);
  }
  return mean(cast(equal(predicted, truth), predictions.dtype === "float64" ? "float64" : "float32"));
}
