import { GraphgradError } from "../../ir/errors.js";
import { div, floor, greater, maximum, minimum, mul, pow, scalar, sub, add, where } from "../ops.js";
function positive(name, field, v) {
  if (!(v > 0) || !Number.isFinite(v)) throw new GraphgradError(`schedules.${name}`, `${field} must be a positive number, got ${v}`);
}
function constant(value) {
  return (count) => scalar(value, count.dtype);
}
function exponentialDecay(o) {
  positive("exponentialDecay", "decaySteps", o.decaySteps);
  positive("exponentialDecay", "decayRate", o.decayRate);
  return (count) => {
    const p = div(count, o.decaySteps);
    return mul(pow(scalar(o.decayRate, count.dtype), o.staircase === true ? floor(p) : p), o.initial);
  };
}
function piecewiseConstant(o) {
  if (o.values.length !== o.boundaries.length + 1) {
    throw new GraphgradError("schedules.piecewiseConstant", `needs one more value than boundaries: ${o.values.length} values, ${o.boundaries.length} boundaries`);
  }
  for (let i = 1; i < o.boundaries.length; i++) {
    if (!(o.boundaries[i] > o.boundaries[i - 1])) {
      throw new GraphgradError("schedules.piecewiseConstant", `boundaries must increase: [${o.boundaries.join(", ")}]`);
    }
  }
  return (count) => o.boundaries.reduce(
    (lr, b, i) => where(greater(count, b), scalar(o.values[i + 1], count.dtype), lr),
    scalar(o.values[0], count.dtype)
  );
}
function epochDecay(o) {
  positive("epochDecay", "stepsPerEpoch", o.stepsPerEpoch);
  return (count) => {
    const epoch = floor(div(count, o.stepsPerEpoch));
    return mul(pow(scalar(o.decay, count.dtype), maximum(sub(epoch, o.maxEpoch), 0)), o.initial);
  };
}
function polynomialDecay(o) {
  positive("polynomialDecay", "decaySteps", o.decaySteps);
  const end = o.end ?? 1e-4;
  const power = o.power ?? 1;
  return (count) => {
    const frac = sub(1, div(minimum(count, o.decaySteps), o.decaySteps));
    return add(mul(pow(frac, power), o.initial - end), end);
  };
}
function warmup(o) {
  positive("warmup", "steps", o.steps);
  return (count) => {
    const ramp = mul(div(add(count, 1), o.steps), o.peak);
    const rest = o.after === void 0 ? scalar(o.peak, count.dtype) : o.after(maximum(sub(count, o.steps), 0));
    return where(greater(add(count, 1), o.steps), rest, ramp);
  };
}
export {
  constant,
  epochDecay,
  exponentialDecay,
  piecewiseConstant,
  polynomialDecay,
  warmup
};
