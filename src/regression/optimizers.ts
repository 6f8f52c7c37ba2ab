import { GraphgradError } from "../../ir/errors.js";
import { adadelta, adagrad, adam, momentum, rmsprop, sgd } from "../optim/aliases.js";
import { clipByGlobalNorm } from "../optim/clip.js";
import type { LearningRate } from "../optim/schedules.js";
import { chain, type GradientTransformation } from "../optim/transform.js";
import { lookup } from "./names.js";

/**
 * tflearn's optimizers by name (`tflearn/optimizers.py`), built as `regression` builds them:
 * `optimizers.get(name)(learning_rate)`, every other argument at tflearn's default. These are
 * TensorFlow 1's update rules, but some of tflearn's defaults differ from TensorFlow's: AdaDelta
 * uses rho 0.1 (TF: 0.95).
 */
export const OPTIMIZERS = {
  sgd: (lr: LearningRate) => sgd({ lr }),
  /** Momentum 0.9. */
  momentum: (lr: LearningRate) => momentum({ lr, momentum: 0.9 }),
  /** Nesterov momentum 0.9. */
  nesterov: (lr: LearningRate) => momentum({ lr, momentum: 0.9, nesterov: true }),
  /** Initial accumulator 0.1. */
  adagrad: (lr: LearningRate) => adagrad({ lr, initialAccumulator: 0.1 }),
  /** Decay 0.9, momentum 0, epsilon 1e-10 (TF 1's RMSProp, mean square starting at 1). */
  rmsprop: (lr: LearningRate) => rmsprop({ lr, decay: 0.9, momentum: 0, eps: 1e-10 }),
  /** β1 0.9, β2 0.999, epsilon 1e-8. */
  adam: (lr: LearningRate) => adam({ lr, b1: 0.9, b2: 0.999, eps: 1e-8 }),
  /** rho 0.1 (tflearn's default), epsilon 1e-8. */
  adadelta: (lr: LearningRate) => adadelta({ lr, rho: 0.1, eps: 1e-8 }),
} as const satisfies Readonly<Record<string, (lr: LearningRate) => GradientTransformation>>;

export type OptimizerName = keyof typeof OPTIMIZERS;

export interface OptimizerChoice {
  readonly optimizer: OptimizerName | GradientTransformation;
  /** Only with a name (a transformation carries its own). */
  readonly learningRate: LearningRate | undefined;
  /** Clip the gradients to this global norm first; 0 (or undefined) does not clip. */
  readonly clipGradients: number | undefined;
}

/** tflearn's default learning rate for a named optimizer. */
export const DEFAULT_LEARNING_RATE = 0.001;

/** The gradient transformation: clip_by_global_norm (when asked) and then the optimizer, as tflearn's TrainOp. */
export function optimizerOf(choice: OptimizerChoice): GradientTransformation {
  const { optimizer, learningRate, clipGradients } = choice;
  let base: GradientTransformation;
  if (typeof optimizer === "string") base = lookup("optimizer", optimizer, OPTIMIZERS)(learningRate ?? DEFAULT_LEARNING_RATE);
  else {
    if (typeof optimizer !== "object" || optimizer === null || typeof optimizer.init !== "function" || typeof optimizer.update !== "function") {
      throw new GraphgradError("regression", `optimizer must be a name (${Object.keys(OPTIMIZERS).map((n) => `'${n}'`).join(", ")}) or a gradient transformation (gg.optim.*)`);
    }
    if (learningRate !== undefined) {
      throw new GraphgradError("regression", "learningRate applies to optimizer names only: a gradient transformation carries its own learning rate");
    }
    base = optimizer;
  }
  if (clipGradients === undefined || clipGradients === 0) return base;
  if (!(clipGradients > 0) || !Number.isFinite(clipGradients)) {
    throw new GraphgradError("regression", `clipGradients must be a positive number (or 0 for no clipping), got ${clipGradients}`);
  }
  return chain(clipByGlobalNorm(clipGradients), base);
}
