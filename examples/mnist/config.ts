/**
 * The run's settings. FULL is the configuration whose figures the README gives: 12 epochs of the
 * 8,000 training digits in batches of 64 (1,500 steps), Adam from learning rate 0.003 (cosine decay), seed 0.
 */
export interface MnistConfig {
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's initial learning rate (it decays to 0 along a half cosine over the run). */
  readonly learningRate: number;
  /** The initial values (`gg.random.key(seed)`) and the shuffles (`fit`'s `shuffle: { seed }`). */
  readonly seed: number;
  /** Train on n training images only, drawn at random (`shuffle(seed).take(n)`), for quick runs; undefined: all 8,000. */
  readonly trainLimit?: number;
  /** Evaluate on n test images only, drawn at random; undefined: all 2,000. */
  readonly testLimit?: number;
}

export const FULL: MnistConfig = Object.freeze({ epochs: 12, batchSize: 64, learningRate: 0.003, seed: 0 });
