import * as gg from "../../src/index.js";

/**
 * The five optimizers of seed 002 §五, with its learning rates, in the seed's hand-written forms
 * (each reproduced by options of graphgrad's aliases; see src/optim/aliases.ts):
 *   SGD      w -= lr·g
 *   SGDM     m = β·m + (1-β)·g; w -= lr·m                       (EMA momentum, not TF's)
 *   Adagrad  v += g²; w -= lr·g/√v                              (accumulator from 0, no ε)
 *   RMSProp  v = β·v + (1-β)·g²; w -= lr·g/√v                   (from 0, no ε)
 *   Adam     m, v as EMAs; w -= lr·m̂/√v̂, m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)   (no ε)
 * RMSProp uses lr 0.01: the seed first tried 0.1, saw the curves oscillate and lowered it.
 */
export interface OptimizerSpec {
  readonly name: string;
  /** The update rule, as the seed's table writes it. */
  readonly rule: string;
  readonly make: () => gg.optim.GradientTransformation<gg.optim.ChainState>;
}

export const SEED_OPTIMIZERS: readonly OptimizerSpec[] = [
  { name: "SGD", rule: "m=g, V=1 (lr 0.1)", make: () => gg.optim.sgd({ lr: 0.1 }) },
  { name: "SGDM", rule: "m=βm+(1-β)g, V=1 (lr 0.1, β 0.9)", make: () => gg.optim.sgdm({ lr: 0.1, beta: 0.9 }) },
  { name: "Adagrad", rule: "m=g, V=Σg² (lr 0.1)", make: () => gg.optim.adagrad({ lr: 0.1, initialAccumulator: 0 }) },
  {
    name: "RMSProp",
    rule: "m=g, V=βV+(1-β)g² (lr 0.01, β 0.9)",
    make: () => gg.optim.rmsprop({ lr: 0.01, decay: 0.9, initialScale: 0, eps: 0 }),
  },
  {
    name: "Adam",
    rule: "m̂/√V̂, bias-corrected EMAs (lr 0.1, β1 0.9, β2 0.999)",
    make: () => gg.optim.adam({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 0 }),
  },
];
