import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { argmax, cast, equal, mean } from "../ops.js";
function accuracy(labels, predictions) {
  if (predictions.rank < 1) throw new GraphgradError("accuracy", `predictions need a class axis, got ${formatShape(predictions.shape)}`);
  const predicted = argmax(predictions, -1);
  let truth;
  if (labels.rank === predictions.rank) truth = argmax(labels, -1);
  else if (labels.rank === predictions.rank - 1) truth = cast(labels, "int32");
  else {
    throw new GraphgradError("accuracy", `labels ${formatShape(labels.shape)} are neither class indices nor one-hot rows for predictions ${formatShape(predictions.shape)}`);
  }
  return mean(cast(equal(predicted, truth), predictions.dtype === "float64" ? "float64" : "float32"));
}
export {
  accuracy
};
