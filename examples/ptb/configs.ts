/**
 * The seed's PTB model configurations (seed 003, `SmallConfig` ... `TestConfig`), number for
 * number. `maxEpoch` is the number of epochs at the initial learning rate; epoch i (from 0) trains
 * with `learningRate · lrDecay^max(i − maxEpoch, 0)`, for `maxMaxEpoch` epochs in all.
 */
export interface PtbConfig {
  /** Weights start uniform in [−initScale, initScale]. */
  readonly initScale: number;
  readonly learningRate: number;
  /** Gradients are clipped to this global norm. */
  readonly maxGradNorm: number;
  readonly numLayers: number;
  /** Unrolled LSTM steps per batch. */
  readonly numSteps: number;
  readonly hiddenSize: number;
  readonly maxEpoch: number;
  readonly maxMaxEpoch: number;
  /** Dropout keep probability (1: no dropout). */
  readonly keepProb: number;
  readonly lrDecay: number;
  readonly batchSize: number;
  readonly vocabSize: number;
}

export const PTB_CONFIG_NAMES = ["small", "medium", "large", "test"] as const;
export type PtbConfigName = (typeof PTB_CONFIG_NAMES)[number];

export const PTB_CONFIGS: Readonly<Record<PtbConfigName, PtbConfig>> = Object.freeze({
  small: Object.freeze({ initScale: 0.1, learningRate: 1.0, maxGradNorm: 5, numLayers: 2, numSteps: 20, hiddenSize: 200, maxEpoch: 4, maxMaxEpoch: 13, keepProb: 1.0, lrDecay: 0.5, batchSize: 20, vocabSize: 10000 }),
  medium: Object.freeze({ initScale: 0.05, learningRate: 1.0, maxGradNorm: 5, numLayers: 2, numSteps: 35, hiddenSize: 650, maxEpoch: 6, maxMaxEpoch: 39, keepProb: 0.5, lrDecay: 0.8, batchSize: 20, vocabSize: 10000 }),
  large: Object.freeze({ initScale: 0.04, learningRate: 1.0, maxGradNorm: 10, numLayers: 2, numSteps: 35, hiddenSize: 1500, maxEpoch: 14, maxMaxEpoch: 55, keepProb: 0.35, lrDecay: 1 / 1.15, batchSize: 20, vocabSize: 10000 }),
  test: Object.freeze({ initScale: 0.1, learningRate: 1.0, maxGradNorm: 1, numLayers: 1, numSteps: 2, hiddenSize: 2, maxEpoch: 1, maxMaxEpoch: 1, keepProb: 1.0, lrDecay: 0.5, batchSize: 20, vocabSize: 10000 }),
});

/** The seed's `get_config()`: a configuration by name, or the seed's "Invalid model" error. */
export function getPtbConfig(name: string): PtbConfig {
  if (!isPtbConfigName(name)) throw new Error(`Invalid model: ${name} (one of ${PTB_CONFIG_NAMES.join(", ")})`);
  return PTB_CONFIGS[name];
}

export function isPtbConfigName(name: string): name is PtbConfigName {
  return PTB_CONFIG_NAMES.some((n) => n === name);
}

/** The seed's learning rate for epoch i (counted from 0): `learning_rate · lr_decay ** max(i − max_epoch, 0)`. */
export function ptbLearningRate(config: PtbConfig, epoch: number): number {
  return config.learningRate * config.lrDecay ** Math.max(epoch - config.maxEpoch, 0);
}
