import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, div, mul, pow, scalar, sub, zerosLike } from "../ops.js";
import type { GradientTransformation, TransformState } from "./transform.js";
import { entry, mapParams, type Params } from "./tree.js";

export interface EmaTransformState extends TransformState {
  readonly _tag: "EmaTransformState";
  /** Updates averaged so far (int32 scalar). */
  readonly count: Expr;
  /** The running average (not debiased). */
  readonly ema: Params;
}

/**
 * optax's `ema(decay, debias)`: an exponential moving average of whatever it is given,
 * e ← (1−decay)·u + decay·e (from 0), emitting e, or with `debias` (the default) e/(1 − decayᵗ)
 * after t updates, which removes the pull towards the zero start. A transformation like any
 * other: chain it (an averaged gradient), or call init/update on any tensors (weight averaging).
 */
export function ema(o: { decay: number; debias?: boolean }): GradientTransformation<EmaTransformState, never> {
  arg.record("ema", o, "the options");
  arg.number("ema", o.decay, "decay", { nonFinite: true });
  arg.optionalBoolean("ema", o.debias, "debias");
  const debias = o.debias ?? true;
  const { decay } = o;
  if (!(decay >= 0 && (debias ? decay < 1 : decay <= 1))) {
    throw new GraphgradError("ema", `decay must be in [0, 1${debias ? ") when debiasing" : "]"}, got ${decay}`);
  }
  return {
    init: (params) => Object.freeze({ _tag: "EmaTransformState", count: scalar(0, "int32"), ema: mapParams(params, zerosLike) }),
    update: (updates, state) => {
      const average = mapParams(updates, (u, n) => add(mul(u, 1 - decay), mul(entry(state.ema, n, "ema"), decay)));
      const count = add(state.count, 1);
      const out = debias ? mapParams(average, (e) => div(e, sub(1, pow(scalar(decay, e.dtype), cast(count, e.dtype))))) : average;
      return [out, Object.freeze({ _tag: "EmaTransformState", count, ema: average }), {}];
    },
  };
}
