import { js } from "../../backends/js/index.js";
import { GraphgradError } from "../../ir/errors.js";
import { evaluate, type Feeds } from "../compile.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { scalar } from "../ops.js";

/**
 * The value after `step` updates of a learning rate: a schedule (any function of the update count,
 * yours included) or a constant. The schedule's expression is built on a constant count and
 * evaluated on the JS backend in `dtype` (default float32, the dtype of a float32 model's learning
 * rate: the value a train step on the JS backend computes at that step). `feeds` are given to the
 * expression (for a schedule reading an input, such as `hooks.learningRateInput`).
 */
export async function valueAt(schedule: number | ((count: Expr) => Expr), step: number, options: { readonly dtype?: "float32" | "float64"; readonly feeds?: Feeds } = {}): Promise<number> {
  if (typeof schedule !== "function") arg.number("schedules.valueAt", schedule, "the schedule (a function of the count, or a number)");
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0) throw new GraphgradError("schedules.valueAt", `step must be a non-negative integer (a count of updates), got ${arg.describe(step)}`);
  arg.options("schedules.valueAt", options);
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new GraphgradError("schedules.valueAt", `dtype must be 'float32' or 'float64', got ${arg.describe(dtype)}`);
  if (options.feeds !== undefined) arg.record("schedules.valueAt", options.feeds, "feeds");
  const value = typeof schedule === "number" ? scalar(schedule, dtype) : schedule(scalar(step, dtype));
  arg.expr("schedules.valueAt", value, "the schedule's result");
  if (value.rank !== 0) throw new GraphgradError("schedules.valueAt", `the schedule must give a scalar, got shape [${value.shape.join(",")}]`);
  return (await evaluate(value, options.feeds ?? {}, { backend: js() })).item();
}
