/**
 * The names a train step gives its state in the compiled graph. Inputs: the step count, each
 * parameter under its own name, each optimizer-state leaf under `opt/<path>`, EMA shadows under
 * `ema/<param>` and `emaMetric/<metric>`. Outputs: the same prefixes for the new values, plus
 * `metric/<name>` and `out/<name>`. Batch inputs may not use these prefixes.
 */
export const STEP = "train/step";
export const PREFIX = {
  param: "param/",
  opt: "opt/",
  ema: "ema/",
  emaMetric: "emaMetric/",
  metric: "metric/",
  output: "out/",
} as const;

/** Prefixes a batch input may not start with. */
export const RESERVED: readonly string[] = [PREFIX.opt, PREFIX.ema, PREFIX.emaMetric, "train/", PREFIX.metric, PREFIX.param];

export const optName = (path: string): string => PREFIX.opt + path;
export const emaName = (param: string): string => PREFIX.ema + param;
export const emaMetricName = (metric: string): string => PREFIX.emaMetric + metric;
