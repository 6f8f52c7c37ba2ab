import { js } from "../../backends/js/index.js";
import { GraphgradError } from "../../ir/errors.js";
import { evaluate, type Feeds } from "../compile.js";
import { scalar } from "../ops.js";
import type { LearningRate } from "./schedules.js";

/**
 * The value of a schedule (any function of the update count, the user's own included) or a
 * constant rate after `step` updates: the schedule's expression built on a constant count and
 * evaluated on the JS backend, in `dtype` (default float32, the dtype a float32 model's learning
 * rate is computed in, so the value is the one a train step uses at that step). `feeds` are
 * given to the expression (a schedule reading an input, such as `hooks.learningRateInput`).
 */
export async function valueAt(schedule: LearningRate, step: number, options: { readonly dtype?: "float32" | "float64"; readonly feeds?: Feeds } = {}): Promise<number> {
  if (!Number.isInteger(step) || step < 0) throw new GraphgradError("schedules.valueAt", `step must be a non-negative integer (a count of updates), got ${step}`);
  const dtype = options.dtype ?? "float32";
  const value = typeof schedule === "number" ? scalar(schedule, dtype) : schedule(scalar(step, dtype));
  if (value.rank !== 0) throw new GraphgradError("schedules.valueAt", `the schedule must give a scalar, got shape [${value.shape.join(",")}]`);
  return (await evaluate(value, options.feeds ?? {}, { backend: js() })).item();
}
