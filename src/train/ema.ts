import { GraphgradError } from "../../ir/errors.js";
import type { Expr } from "../expr.js";
import { add, cast, div, input, minimum, mul, scalar, sub } from "../ops.js";
import { emaMetricName, emaName } from "./names.js";
import type { EmaConfig } from "./types.js";

/** The new EMA shadows of the parameters and the metrics, by parameter and metric name. */
export interface EmaGraph {
  readonly params: Readonly<Record<string, Expr>>;
  readonly metrics: Readonly<Record<string, Expr>>;
}

/**
 * TF's ExponentialMovingAverage of every parameter (its value after the update) and every metric:
 * each shadow is an input fed back by the next step.
 */
export function emaGraph(c: EmaConfig, nextStep: Expr, params: Readonly<Record<string, Expr>>, newParams: Readonly<Record<string, Expr>>, metrics: Readonly<Record<string, Expr>>): EmaGraph {
  const decay = emaDecay(c, nextStep);
  const shadows: Record<string, Expr> = {};
  for (const [n, p] of Object.entries(params)) shadows[n] = movingAverage(input(emaName(n), p.shape, p.dtype), newParams[n] ?? p, decay);
  const metricShadows: Record<string, Expr> = {};
  for (const [k, v] of Object.entries(metrics)) metricShadows[k] = movingAverage(input(emaMetricName(k), [], v.dtype), v, decay);
  return { params: shadows, metrics: metricShadows };
}

/** TF's ExponentialMovingAverage decay, optionally min(decay, (1 + n)/(10 + n)). */
function emaDecay(c: EmaConfig, count: Expr): Expr {
  if (!(c.decay >= 0 && c.decay <= 1)) throw new GraphgradError("ema", `decay must be in [0, 1], got ${c.decay}`);
  if (c.numUpdates !== true) return scalar(c.decay);
  const n = cast(count, "float32");
  return minimum(div(add(n, 1), add(n, 10)), c.decay);
}

/** shadow - (1 - decay)·(shadow - value), TF's assign_moving_average. */
function movingAverage(shadow: Expr, value: Expr, decay: Expr): Expr {
  return sub(shadow, mul(sub(shadow, value), cast(sub(1, decay), shadow.dtype)));
}
