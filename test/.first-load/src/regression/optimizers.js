import { GraphgradError } from "../../ir/errors.js";
import { adadelta, adagrad, adam, momentum, rmsprop, sgd } from "../optim/aliases.js";
import { clipByGlobalNorm } from "../optim/clip.js";
import { chain } from "../optim/transform.js";
import { lookup } from "./names.js";
const OPTIMIZERS = {
  sgd: (lr) => sgd({ lr }),
  /** Momentum 0.9. */
  momentum: (lr) => momentum({ lr, momentum: 0.9 }),
  /** Nesterov momentum 0.9. */
  nesterov: (lr) => momentum({ lr, momentum: 0.9, nesterov: true }),
  /** Initial accumulator 0.1. */
  adagrad: (lr) => adagrad({ lr, initialAccumulator: 0.1 }),
  /** Decay 0.9, momentum 0, epsilon 1e-10 (TF 1's RMSProp, mean square starting at 1). */
  rmsprop: (lr) => rmsprop({ lr, decay: 0.9, momentum: 0, eps: 1e-10 }),
  /** β1 0.9, β2 0.999, epsilon 1e-8. */
  adam: (lr) => adam({ lr, b1: 0.9, b2: 0.999, eps: 1e-8 }),
  /** rho 0.1 (tflearn's default), epsilon 1e-8. */
  adadelta: (lr) => adadelta({ lr, rho: 0.1, eps: 1e-8 })
};
const DEFAULT_LEARNING_RATE = 1e-3;
function optimizerOf(choice) {
  const { optimizer, learningRate, clipGradients } = choice;
  let base;
  if (typeof optimizer === "string") base = lookup("optimizer", optimizer, OPTIMIZERS)(learningRate ?? DEFAULT_LEARNING_RATE);
  else {
    if (typeof optimizer !== "object" || optimizer === null || typeof optimizer.init !== "function" || typeof optimizer.update !== "function") {
      throw new GraphgradError("regression", `optimizer must be a name (${Object.keys(OPTIMIZERS).map((n) => `'${n}'`).join(", ")}) or a gradient transformation (gg.optim.*)`);
    }
    if (learningRate !== void 0) {
      throw new GraphgradError("regression", "learningRate applies to optimizer names only: a gradient transformation carries its own learning rate");
    }
    base = optimizer;
  }
  if (clipGradients === void 0 || clipGradients === 0) return base;
  if (!(clipGradients > 0) || !Number.isFinite(clipGradients)) {
    throw new GraphgradError("regression", `clipGradients must be a positive number (or 0 for no clipping), got ${clipGradients}`);
  }
  return chain(clipByGlobalNorm(clipGradients), base);
}
export {
  DEFAULT_LEARNING_RATE,
  OPTIMIZERS,
  optimizerOf
};
