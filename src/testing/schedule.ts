import { GraphgradError } from "../../ir/errors.js";
import type { Schedule } from "../optim/schedules.js";
import { valueAt } from "../optim/value-at.js";
import { CheckFailure } from "./failure.js";

export interface CheckScheduleOptions {
  /** The steps checked: a count n (steps 0..n−1) or a list; default 100. */
  readonly steps?: number | readonly number[];
  /** |value − formula| <= atol + rtol·|formula|; defaults rtol 1e-12 (float32: 1e-6) and atol 0. */
  readonly rtol?: number;
  readonly atol?: number;
  /** The dtype the schedule is evaluated in (as `gg.schedules.valueAt`); default float64. */
  readonly dtype?: "float32" | "float64";
}

export interface ScheduleReport {
  readonly checked: number;
  /** The largest |value − formula| / |formula| (absolute where the formula gives 0). */
  readonly maxRelError: number;
}

/**
 * Checks a schedule against its formula: at every step n, `gg.schedules.valueAt(schedule, n)`
 * (the value a train step computes after n updates) equals `formula(n)` within the tolerance.
 * Throws a `CheckFailure` naming the first step where it does not.
 */
export async function checkSchedule(schedule: Schedule | number, formula: (step: number) => number, options: CheckScheduleOptions = {}): Promise<ScheduleReport> {
  const { steps = 100, dtype = "float64", atol = 0 } = options;
  const rtol = options.rtol ?? (dtype === "float64" ? 1e-12 : 1e-6);
  if (typeof formula !== "function") throw new GraphgradError("checkSchedule", `formula must be a function of the step, got ${typeof formula}`);
  const list = typeof steps === "number" ? Array.from({ length: steps }, (_, i) => i) : steps;
  let maxRelError = 0;
  for (const n of list) {
    const want = formula(n);
    if (!Number.isFinite(want)) throw new GraphgradError("checkSchedule", `formula(${n}) is ${want}, not a finite number`);
    const got = await valueAt(schedule, n, { dtype });
    const expected = dtype === "float32" ? Math.fround(want) : want;
    const error = Math.abs(got - expected);
    const tolerance = atol + rtol * Math.abs(expected);
    if (!(error <= tolerance)) throw new CheckFailure("checkSchedule", `at step ${n} the schedule gives ${got}, the formula ${expected}: error ${error} > tolerance ${tolerance} (atol ${atol} + rtol ${rtol} × ${Math.abs(expected)})`);
    maxRelError = Math.max(maxRelError, expected === 0 ? error : error / Math.abs(expected));
  }
  return { checked: list.length, maxRelError };
}
