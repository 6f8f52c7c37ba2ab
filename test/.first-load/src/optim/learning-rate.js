import { add, cast, mul, neg, scalar } from "../ops.js";
import { mapParams } from "./tree.js";
import { stateless } from "./transform.js";
function scaleByLearningRate(lr) {
  if (typeof lr === "number") {
    return stateless(
      (g) => mul(g, scalar(-lr, g.dtype)),
      (grads) => ({ lr: scalar(lr, Object.values(grads)[0]?.dtype ?? "float32") })
    );
  }
  return scheduled(lr);
}
function scheduled(lr) {
  return {
    init: () => Object.freeze({ _tag: "ScaleByScheduleState", count: scalar(0, "int32") }),
    update: (grads, state) => {
      const rate = (dtype) => typeof lr === "number" ? scalar(lr, dtype) : lr(cast(state.count, dtype));
      const updates = mapParams(grads, (g) => mul(g, neg(rate(g.dtype))));
      const first = Object.values(grads)[0];
      const metrics = { lr: rate(first?.dtype ?? "float32") };
      return [updates, Object.freeze({ _tag: "ScaleByScheduleState", count: add(state.count, 1) }), metrics];
    }
  };
}
export {
  scaleByLearningRate
};
