import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import { Expr } from "../expr.js";
import { div, greaterEqual, where } from "../ops.js";
import * as random from "../random.js";

/** Whether a layer runs in training mode: fixed when the graph is built, or a bool scalar fed at run time. */
export type Training = boolean | Expr;

export type DropoutOptions = ({ readonly rate: number } | { readonly keepProb: number }) & {
  /** Required when training (an int32[2] key from `gg.random`); the same key gives the same mask. */
  readonly key?: Expr;
  /** Default true (as tf.nn.dropout, which always drops); false makes dropout the identity. */
  readonly training?: Training;
};

/** The keep probability of dropout options, checked to lie in (0, 1]. */
export function keepProbOf(options: { readonly rate: number } | { readonly keepProb: number }, where = "nn.dropout"): number {
  arg.record(where, options, "the options");
  const keep = "keepProb" in options ? options.keepProb : 1 - options.rate;
  if (!(keep > 0 && keep <= 1)) throw new GraphgradError(where, `keepProb must be in (0, 1] (rate in [0, 1)), got keepProb ${keep}`);
  return keep;
}

/**
 * TF dropout: each element is kept with probability keepProb and scaled by 1/keepProb, or set
 * to 0, so the expected value is unchanged. An element is kept when its uniform draw u in [0, 1)
 * satisfies u >= rate. The identity when not training (or keepProb = 1).
 */
export function dropout(x: Expr, options: DropoutOptions): Expr {
  arg.expr("nn.dropout", x, "x");
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
