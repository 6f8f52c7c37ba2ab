import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cos, div, less, lessEqual, maximum, minimum, mul, scalar, sub, where } from "../ops.js";
import { cosineDecay, type Schedule } from "./schedules.js";

/** Schedules after optax's `join_schedules`, `warmup_cosine_decay_schedule` and `cosine_onecycle_schedule`. */

function check(name: string, ok: boolean, message: string): void {
  if (!ok) throw new GraphgradError(`schedules.${name}`, message);
}

/**
 * optax's `join_schedules(schedules, boundaries)`: schedules[0] before boundaries[0], then
 * schedules[i] from boundaries[i−1] on, each later schedule seeing the count minus its boundary
 * (so it starts from 0).
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  arg.array("schedules.join", schedules, "the schedules");
  schedules.forEach((s, i) => arg.func("schedules.join", s, `schedules[${i}]`));
  arg.array("schedules.join", boundaries, "the boundaries");
  boundaries.forEach((b, i) => arg.number("schedules.join", b, `boundaries[${i}]`, { nonFinite: true }));
  check("join", schedules.length >= 1, "needs at least one schedule");
  check("join", boundaries.length === schedules.length - 1, `needs one boundary fewer than schedules: ${schedules.length} schedules, ${boundaries.length} boundaries`);
  boundaries.forEach((b, i) => {
    check("join", Number.isFinite(b) && b >= 0, `boundaries must be finite and non-negative, got ${b}`);
    check("join", i === 0 || b > (boundaries[i - 1] as number), `boundaries must increase: [${boundaries.join(", ")}]`);
  });
  const [first, ...rest] = schedules as [Schedule, ...Schedule[]];
  return (count) => rest.reduce<Expr>((out, s, i) => {
    const b = boundaries[i] as number;
    return where(less(count, b), out, s(sub(count, b)));
  }, first(count));
}

/** optax's `linear_schedule(init, end, steps)`: from init to end over `steps` counts, then end (init throughout when steps is 0). */
function linear(init: number, end: number, steps: number): Schedule {
  if (steps === 0) return (count) => scalar(init, count.dtype);
  return (count) => {
    const frac = sub(1, div(minimum(maximum(count, 0), steps), steps));
    return add(mul(frac, init - end), end);
  };
}

/**
 * optax's `warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
 * end_value, exponent)`: linear from `initial` to `peak` over `warmupSteps`, then a cosine decay
 * from `peak` to `end` over the remaining `decaySteps − warmupSteps` (decaySteps is the total
 * length, warm-up included), held at `end` after.
 */
export function warmupCosineDecay(o: { initial: number; peak: number; warmupSteps: number; decaySteps: number; end?: number; exponent?: number }): Schedule {
  arg.record("schedules.warmupCosineDecay", o, "the options");
  for (const k of ["initial", "peak", "warmupSteps", "decaySteps"] as const) arg.number("schedules.warmupCosineDecay", o[k], k, { nonFinite: true });
  arg.optionalNumber("schedules.warmupCosineDecay", o.end, "end");
  arg.optionalNumber("schedules.warmupCosineDecay", o.exponent, "exponent");
  const end = o.end ?? 0;
  check("warmupCosineDecay", Number.isFinite(o.warmupSteps) && o.warmupSteps >= 0, `warmupSteps must be a non-negative number, got ${o.warmupSteps}`);
  check("warmupCosineDecay", o.decaySteps > o.warmupSteps, `decaySteps (the whole schedule, warm-up included) must exceed warmupSteps: ${o.decaySteps} <= ${o.warmupSteps}`);
  // optax decays with alpha = end/peak, so `end` must lie between 0 and the peak (alpha in [0, 1]).
  const alpha = o.peak === 0 ? 0 : end / o.peak;
  check("warmupCosineDecay", alpha >= 0 && alpha <= 1, `end must lie between 0 and peak: end ${end}, peak ${o.peak}`);
  const decay = cosineDecay({ initial: o.peak, decaySteps: o.decaySteps - o.warmupSteps, alpha, exponent: o.exponent ?? 1 });
  return join([linear(o.initial, o.peak, o.warmupSteps), decay], [o.warmupSteps]);
}

/**
 * optax's `cosine_onecycle_schedule(transition_steps, peak_value, pct_start, div_factor,
 * final_div_factor)` (Smith's one-cycle policy): from peak/divFactor up to `peak` at
 * ⌊pctStart·transitionSteps⌋, then down to peak/(divFactor·finalDivFactor) at transitionSteps,
 * both halves cosine interpolations, constant after. It is optax's piecewise_interpolate_schedule
 * ('cosine'): between bounds b₀ < b₁ with values v₀, v₁ (cumulative products of the scales),
 * v₁ + (v₀ − v₁)/2·(cos(π·(count − b₀)/(b₁ − b₀)) + 1).
 */
export function oneCycle(o: { transitionSteps: number; peak: number; pctStart?: number; divFactor?: number; finalDivFactor?: number }): Schedule {
  arg.record("schedules.oneCycle", o, "the options");
  arg.number("schedules.oneCycle", o.transitionSteps, "transitionSteps", { nonFinite: true });
  arg.number("schedules.oneCycle", o.peak, "peak");
  for (const k of ["pctStart", "divFactor", "finalDivFactor"] as const) arg.optionalNumber("schedules.oneCycle", o[k], k, { nonFinite: true });
  const pctStart = o.pctStart ?? 0.3;
  const divFactor = o.divFactor ?? 25;
  const finalDivFactor = o.finalDivFactor ?? 1e4;
  check("oneCycle", Number.isFinite(o.transitionSteps) && o.transitionSteps > 0, `transitionSteps must be a positive number, got ${o.transitionSteps}`);
  check("oneCycle", divFactor > 0 && Number.isFinite(divFactor), `divFactor must be a positive number, got ${divFactor}`);
  check("oneCycle", finalDivFactor > 0 && Number.isFinite(finalDivFactor), `finalDivFactor must be a positive number, got ${finalDivFactor}`);
  const last = Math.trunc(o.transitionSteps);
  const top = Math.trunc(pctStart * o.transitionSteps);
  check("oneCycle", pctStart >= 0 && top < last, `pctStart must put the peak inside the cycle (0 <= ⌊pctStart·transitionSteps⌋ < transitionSteps), got pctStart ${pctStart}`);
  // optax's cumulative product of [peak/divFactor, divFactor, 1/(divFactor·finalDivFactor)].
  const v0 = o.peak / divFactor;
  const v1 = v0 * divFactor;
  const v2 = v1 * (1 / (divFactor * finalDivFactor));
  const pieces = [
    { from: 0, to: top, start: v0, end: v1 },
    { from: top, to: last, start: v1, end: v2 },
  ];
  return (count) => {
    const zero = scalar(0, count.dtype);
    // optax: indicator·interpolations + [count >= last]·v2, one term non-zero.
    const parts = pieces.map((p) => {
      const pct = div(sub(count, p.from), Math.max(p.to - p.from, 1));
      const value = add(mul(add(cos(mul(pct, Math.PI)), 1), (p.start - p.end) / 2), p.end);
      return where(lessEqual(p.from, count), where(less(count, p.to), value, zero), zero);
    });
    const after = where(lessEqual(last, count), scalar(v2, count.dtype), zero);
    return add(parts.reduce((a, b) => add(a, b)), after);
  };
}
