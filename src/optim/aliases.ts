import * as arg from "../args.js";
import { scaleByAdadelta, scaleByAdagrad, scaleByAdam, scaleByRms } from "./adaptive.js";
import { scaleByLearningRate } from "./learning-rate.js";
import { emaMomentum, traceMomentum } from "./momentum.js";
import type { LearningRate } from "./schedules.js";
import { chain, type ChainState, type GradientTransformation } from "./transform.js";

/**
 * The optimizers of the seeds, each a chain of transformations. Defaults are TensorFlow 1's
 * (tf.compat.v1.train.*Optimizer); the seed's hand-written forms are options:
 *   sgdm is the seed's EMA momentum; adagrad({ initialAccumulator: 0 });
 *   rmsprop({ initialScale: 0, eps: 0 }); adam({ eps: 0 }).
 */

/** GradientDescentOptimizer: w -= lr·g. */
export function sgd(o: { lr: LearningRate }): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.sgd", o, "the options");
  return chain(scaleByLearningRate(o.lr));
}

/** MomentumOptimizer: a = m·a + g; w -= lr·a (Nesterov: w -= lr·(g + m·a)). */
export function momentum(o: { lr: LearningRate; momentum?: number; nesterov?: boolean }): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.momentum", o, "the options");
  return chain(traceMomentum({ decay: o.momentum ?? 0.9, nesterov: o.nesterov ?? false }), scaleByLearningRate(o.lr));
}

/** The seed's SGDM: m = β·m + (1-β)·g; w -= lr·m. */
export function sgdm(o: { lr: LearningRate; beta?: number }): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.sgdm", o, "the options");
  return chain(emaMomentum({ beta: o.beta ?? 0.9 }), scaleByLearningRate(o.lr));
}

/** AdagradOptimizer: acc += g² (from 0.1); w -= lr·g/sqrt(acc). */
export function adagrad(o: { lr: LearningRate; initialAccumulator?: number; eps?: number }): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.adagrad", o, "the options");
  return chain(scaleByAdagrad(o), scaleByLearningRate(o.lr));
}

/**
 * RMSPropOptimizer: ms = ρ·ms + (1-ρ)·g² (from 1); mom = μ·mom + lr·g/sqrt(ms + ε); w -= mom.
 * Defaults ρ 0.9, μ 0, ε 1e-10.
 */
export function rmsprop(o: {
  lr: LearningRate;
  decay?: number;
  momentum?: number;
  eps?: number;
  centered?: boolean;
  initialScale?: number;
}): GradientTransformation<ChainState, "lr"> {
  arg.record("optim.rmsprop", o, "the options");
  const m = o.momentum ?? 0;
  arg.number("optim.rmsprop", m, "momentum");
  const head = [scaleByRms(o), scaleByLearningRate(o.lr)] as const;
  return m === 0 ? chain(...head) : chain(...head, traceMomentum({ decay: m }));
}

/** AdamOptimizer: lr 0.001, β1 0.9, β2 0.999, ε 1e-8, TF's bias correction and ε placement. */
export function adam(o: { lr?: LearningRate; b1?: number; b2?: number; eps?: number } = {}): GradientTransformation<ChainState, "lr"> {
  arg.options("optim.adam", o);
  return chain(scaleByAdam(o), scaleByLearningRate(o.lr ?? 0.001));
}

/** AdadeltaOptimizer: lr 0.001, ρ 0.95, ε 1e-8 (TF 1's documented defaults). */
export function adadelta(o: { lr?: LearningRate; rho?: number; eps?: number } = {}): GradientTransformation<ChainState, "lr"> {
  arg.options("optim.adadelta", o);
  return chain(scaleByAdadelta(o), scaleByLearningRate(o.lr ?? 0.001));
}
