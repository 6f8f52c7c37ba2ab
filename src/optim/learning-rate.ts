import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { add, cast, mul, neg, scalar } from "../ops.js";
import { mapParams } from "./tree.js";
import { type LearningRate } from "./schedules.js";
import { type EmptyState, type GradientTransformation, scheduleCount, stateless, type TransformState } from "./transform.js";

export interface ScaleByScheduleState extends TransformState {
  readonly _tag: "ScaleByScheduleState";
  /** Updates applied so far (int32 scalar). */
  readonly count: Expr;
}

/**
 * Multiplies updates by -lr (descent), with lr a number or a schedule of the update count,
 * computed in each gradient's dtype. Reports `lr`. As in optax, a constant rate keeps no state
 * (EmptyState); a schedule counts the updates (ScaleByScheduleState) and reads the caller's
 * global step instead when `update` is given one (`trainStep` gives its state's step).
 */
export function scaleByLearningRate(lr: LearningRate): GradientTransformation<ScaleByScheduleState | EmptyState, "lr"> {
  if (typeof lr !== "function") arg.number("optim", lr, "the learning rate (a number or a schedule)");
  if (typeof lr === "number") {
    return stateless(
      (g) => mul(g, scalar(-lr, g.dtype)),
      (grads) => ({ lr: scalar(lr, Object.values(grads)[0]?.dtype ?? "float32") }),
    );
  }
  return scheduled(lr);
}

function scheduled(lr: LearningRate): GradientTransformation<ScaleByScheduleState, "lr"> {
  return {
    init: () => Object.freeze({ _tag: "ScaleByScheduleState", count: scalar(0, "int32") }),
    update: (grads, state, _params, context) => {
      const count = scheduleCount(state.count, context);
      const rate = (dtype: Expr["dtype"]): Expr => (typeof lr === "number" ? scalar(lr, dtype) : lr(cast(count, dtype)));
      const updates = mapParams(grads, (g) => mul(g, neg(rate(g.dtype))));
      const first = Object.values(grads)[0];
      const metrics = { lr: rate(first?.dtype ?? "float32") };
      return [updates, Object.freeze({ _tag: "ScaleByScheduleState", count: add(state.count, 1) }), metrics];
    },
  };
}
