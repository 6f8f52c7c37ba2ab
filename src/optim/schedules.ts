import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cos, div, floor, greater, maximum, minimum, mul, pow, scalar, sub, where } from "../ops.js";

/**
 * Learning-rate schedules, evaluated INSIDE the compiled step from the step counter (no host
 * round trip per step). A schedule maps the count of updates already applied (a float scalar
 * Expr: 0 on the first step) to the learning rate, in the count's dtype.
 */
export type Schedule = (count: Expr) => Expr;

/** A learning rate: a number or a schedule. */
export type LearningRate = number | Schedule;

function positive(name: string, field: string, v: number): void {
  arg.number(`schedules.${name}`, v, field, { nonFinite: true });
  if (!(v > 0) || !Number.isFinite(v)) throw new GraphgradError(`schedules.${name}`, `${field} must be a positive number, got ${v}`);
}

/** The same value at every step. */
export function constant(value: number): Schedule {
  arg.number("schedules.constant", value, "the value");
  return (count) => scalar(value, count.dtype);
}

/**
 * TF's exponential_decay: initial · decayRate^(step / decaySteps), the exponent floored when
 * `staircase`. (The seed: initial 0.2, decayRate 0.99, decaySteps 1 gives 0.2, 0.198, 0.19602, ...)
 */
export function exponentialDecay(o: { initial: number; decayRate: number; decaySteps: number; staircase?: boolean }): Schedule {
  numbers("exponentialDecay", o, ["initial"]);
  arg.optionalBoolean("schedules.exponentialDecay", o.staircase, "staircase");
  positive("exponentialDecay", "decaySteps", o.decaySteps);
  positive("exponentialDecay", "decayRate", o.decayRate);
  return (count) => {
    const p = div(count, o.decaySteps);
    return mul(pow(scalar(o.decayRate, count.dtype), o.staircase === true ? floor(p) : p), o.initial);
  };
}

/**
 * TF's piecewise_constant: values[0] while step <= boundaries[0], values[i] while
 * boundaries[i-1] < step <= boundaries[i], and the last value after the last boundary.
 * (The seed: boundaries [40000, 60000, 80000], values [0.1, 0.01, 0.001, 0.0001].)
 */
export function piecewiseConstant(o: { boundaries: readonly number[]; values: readonly number[] }): Schedule {
  arg.record("schedules.piecewiseConstant", o, "the options");
  for (const k of ["boundaries", "values"] as const) {
    arg.array("schedules.piecewiseConstant", o[k], k);
    o[k].forEach((v, i) => arg.number("schedules.piecewiseConstant", v, `${k}[${i}]`));
  }
  if (o.values.length !== o.boundaries.length + 1) {
    throw new GraphgradError("schedules.piecewiseConstant", `needs one more value than boundaries: ${o.values.length} values, ${o.boundaries.length} boundaries`);
  }
  for (let i = 1; i < o.boundaries.length; i++) {
    if (!((o.boundaries[i] as number) > (o.boundaries[i - 1] as number))) {
      throw new GraphgradError("schedules.piecewiseConstant", `boundaries must increase: [${o.boundaries.join(", ")}]`);
    }
  }
  return (count) =>
    o.boundaries.reduce<Expr>(
      (lr, b, i) => where(greater(count, b), scalar(o.values[i + 1] as number, count.dtype), lr),
      scalar(o.values[0] as number, count.dtype),
    );
}

/**
 * The PTB model's per-epoch decay: initial · decay^max(epoch - maxEpoch, 0), where
 * epoch = floor(step / stepsPerEpoch) counts from 0 (the seed's loop index i).
 */
export function epochDecay(o: { initial: number; decay: number; maxEpoch: number; stepsPerEpoch: number }): Schedule {
  numbers("epochDecay", o, ["initial", "decay", "maxEpoch"]);
  positive("epochDecay", "stepsPerEpoch", o.stepsPerEpoch);
  return (count) => {
    const epoch = floor(div(count, o.stepsPerEpoch));
    return mul(pow(scalar(o.decay, count.dtype), maximum(sub(epoch, o.maxEpoch), 0)), o.initial);
  };
}

/**
 * TF's polynomial_decay (without cycling): (initial - end)·(1 - min(step, decaySteps)/decaySteps)^power + end.
 */
export function polynomialDecay(o: { initial: number; end?: number; decaySteps: number; power?: number }): Schedule {
  numbers("polynomialDecay", o, ["initial"]);
  arg.optionalNumber("schedules.polynomialDecay", o.end, "end");
  arg.optionalNumber("schedules.polynomialDecay", o.power, "power");
  positive("polynomialDecay", "decaySteps", o.decaySteps);
  const end = o.end ?? 0.0001;
  const power = o.power ?? 1;
  return (count) => {
    const frac = sub(1, div(minimum(count, o.decaySteps), o.decaySteps));
    return add(mul(pow(frac, power), o.initial - end), end);
  };
}

/** Linear warm-up from 0 to `peak` over `steps` updates, then `after` (shifted to start at 0). */
export function warmup(o: { peak: number; steps: number; after?: Schedule }): Schedule {
  numbers("warmup", o, ["peak"]);
  if (o.after !== undefined) arg.func("schedules.warmup", o.after, "after");
  positive("warmup", "steps", o.steps);
  return (count) => {
    const ramp = mul(div(add(count, 1), o.steps), o.peak);
    const rest = o.after === undefined ? scalar(o.peak, count.dtype) : o.after(maximum(sub(count, o.steps), 0));
    return where(greater(add(count, 1), o.steps), rest, ramp);
  };
}

/**
 * optax's cosine_decay_schedule: initial · ((1 − alpha)·(½(1 + cos(π·min(step, decaySteps)/decaySteps)))^exponent + alpha),
 * from `initial` down to `alpha·initial` at `decaySteps`, held there after.
 */
export function cosineDecay(o: { initial: number; decaySteps: number; alpha?: number; exponent?: number }): Schedule {
  numbers("cosineDecay", o, ["initial"]);
  arg.optionalNumber("schedules.cosineDecay", o.alpha, "alpha");
  arg.optionalNumber("schedules.cosineDecay", o.exponent, "exponent");
  positive("cosineDecay", "decaySteps", o.decaySteps);
  const alpha = o.alpha ?? 0;
  const exponent = o.exponent ?? 1;
  if (!(alpha >= 0 && alpha <= 1)) throw new GraphgradError("schedules.cosineDecay", `alpha must be in [0, 1], got ${alpha}`);
  return (count) => {
    const half = mul(add(cos(mul(div(minimum(count, o.decaySteps), o.decaySteps), Math.PI)), 1), 0.5);
    return mul(add(mul(pow(half, exponent), 1 - alpha), alpha), o.initial);
  };
}

export { valueAt } from "./value-at.js";

/** The options object of schedule `name`, whose `fields` are finite numbers. */
function numbers(name: string, o: object, fields: readonly string[]): void {
  arg.record(`schedules.${name}`, o, "the options");
  for (const f of fields) arg.number(`schedules.${name}`, (o as Readonly<Record<string, unknown>>)[f], f);
}
