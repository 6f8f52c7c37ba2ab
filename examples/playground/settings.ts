import * as gg from "../../src/index.js";

/**
 * What the page lets one choose, as plain values: the optimizer (a `gg.optim` alias with its
 * TensorFlow defaults), the learning rate, the L2 regularization of the weights, the batch size
 * and the backend. A change of any of them builds a new train step that continues from the
 * current weights (the optimizer's state starts afresh).
 */
export const OPTIMIZERS = {
  sgd: { label: "SGD", make: (lr: number) => gg.optim.sgd({ lr }) },
  momentum: { label: "Momentum 0.9", make: (lr: number) => gg.optim.momentum({ lr, momentum: 0.9 }) },
  nesterov: { label: "Nesterov 0.9", make: (lr: number) => gg.optim.momentum({ lr, momentum: 0.9, nesterov: true }) },
  adagrad: { label: "Adagrad", make: (lr: number) => gg.optim.adagrad({ lr }) },
  rmsprop: { label: "RMSProp", make: (lr: number) => gg.optim.rmsprop({ lr }) },
  adam: { label: "Adam", make: (lr: number) => gg.optim.adam({ lr }) },
  adadelta: { label: "Adadelta", make: (lr: number) => gg.optim.adadelta({ lr }) },
} as const;

export type OptimizerName = keyof typeof OPTIMIZERS;
export type BackendName = "wasm" | "webgpu";

export const LEARNING_RATES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3] as const;
export const L2_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3] as const;
export const BATCH_SIZES = [1, 10, 32, 100, 300] as const;
/** Not a training setting: how fast the page trains (epochs per animation frame, as time allows). */
export const EPOCHS_PER_FRAME = [1, 10, 100] as const;

export interface Settings {
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly l2: number;
  readonly batchSize: number;
  readonly backend: BackendName;
}

export const DEFAULT_SETTINGS: Settings = { optimizer: "adam", lr: 0.03, l2: 0, batchSize: 32, backend: "wasm" };

export function isOptimizerName(name: string): name is OptimizerName {
  return Object.hasOwn(OPTIMIZERS, name);
}

export function isBackendName(name: string): name is BackendName {
  return name === "wasm" || name === "webgpu";
}
