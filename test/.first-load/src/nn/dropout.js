import { GraphgradError } from "../../ir/errors.js";
import { Expr } from "../expr.js";
import { div, greaterEqual, where } from "../ops.js";
import * as random from "../random.js";
function keepProbOf(options, where2 = "nn.dropout") {
  const keep = "keepProb" in options ? options.keepProb : 1 - options.rate;
  if (!(keep > 0 && keep <= 1)) throw new GraphgradError(where2, `keepProb must be in (0, 1] (rate in [0, 1)), got keepProb ${keep}`);
  return keep;
}
function dropout(x, options) {
  const keep = keepProbOf(options);
  const { key, training = true } = options;
  if (training === false || keep === 1) return x;
  if (!(key instanceof Expr)) throw new GraphgradError("nn.dropout", "a key is required when training (e.g. gg.random.key(seed))");
  if (training instanceof Expr && (training.dtype !== "bool" || training.rank !== 0)) {
    throw new GraphgradError("nn.dropout", `training must be a boolean or a bool scalar Expr, got ${String(training)}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new GraphgradError("nn.dropout", `x must be float32 or float64, got ${x.dtype}`);
  const rate = "rate" in options ? options.rate : 1 - keep;
  const u = random.uniform(key, x.shape, { dtype: x.dtype });
  const dropped = where(greaterEqual(u, rate), div(x, keep), 0);
  return training === true ? dropped : where(training, dropped, x);
}
export {
  dropout,
  keepProbOf
};
