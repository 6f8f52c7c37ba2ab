import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, mul, scalar } from "../ops.js";
import { type Mask } from "./mask.js";
import { masked, type MaskedState } from "./masked.js";
import type { Schedule } from "./schedules.js";
import { entry, mapParams } from "./tree.js";
import { EMPTY, type EmptyState, type GradientTransformation, identity, scheduleCount, type TransformState } from "./transform.js";

export interface WeightDecayScheduleState extends TransformState {
  readonly _tag: "WeightDecayScheduleState";
  /** Updates applied so far (int32 scalar): the schedule's argument. */
  readonly count: Expr;
}

export type AddDecayedWeightsState = EmptyState | WeightDecayScheduleState | MaskedState;

/**
 * optax's `add_decayed_weights(weight_decay, mask)`: update + weightDecay·param, the decoupled
 * weight decay of AdamW (Loshchilov & Hutter) before the learning rate scales it. The rate is a
 * number or a schedule of the update count (the global step when `update` is given one); with a mask only the selected parameters decay
 * (the others pass through, as optax's `masked`). A constant 0 leaves the updates as they are.
 */
export function addDecayedWeights(weightDecay: number | Schedule, mask?: Mask): GradientTransformation<AddDecayedWeightsState, never> {
  if (typeof weightDecay !== "function") arg.number("addDecayedWeights", weightDecay, "the weight decay (a number or a schedule)", { nonFinite: true });
  if (mask !== undefined) arg.mask("addDecayedWeights", mask);
  if (typeof weightDecay === "number" && !Number.isFinite(weightDecay)) {
    throw new GraphgradError("addDecayedWeights", `the weight decay must be a finite number or a schedule, got ${weightDecay}`);
  }
  const decay = decayed(weightDecay);
  return mask === undefined ? decay : masked(decay, mask);
}

function decayed(weightDecay: number | Schedule): GradientTransformation<EmptyState | WeightDecayScheduleState, never> {
  if (weightDecay === 0) return identity();
  if (typeof weightDecay === "number") {
    return {
      init: () => EMPTY,
      update: (grads, state, params) => [mapParams(grads, (g, n) => add(g, mul(scalar(weightDecay, g.dtype), entry(params, n, "addDecayedWeights")))), state, {}],
    };
  }
  const scheduled: GradientTransformation<WeightDecayScheduleState, never> = {
    init: () => Object.freeze({ _tag: "WeightDecayScheduleState", count: scalar(0, "int32") }),
    update: (grads, state, params, context) => {
      const count = scheduleCount(state.count, context);
      const updates = mapParams(grads, (g, n) => add(g, mul(weightDecay(cast(count, g.dtype)), entry(params, n, "addDecayedWeights"))));
      return [updates, Object.freeze({ _tag: "WeightDecayScheduleState", count: add(state.count, 1) }), {}];
    },
  };
  return scheduled;
}
