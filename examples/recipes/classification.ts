import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { type RecipeOptions, type RecipeResult, trainOnSingleSamples } from "./loop.js";
import { recipeKeys, randomIndices, sampleFloat32 } from "./sampling.js";
import { compileSgdStep } from "./sgd.js";

/**
 * Seed 004, recipe 2: binary classification by backpropagation. 50 samples of N(−1, 1) (label 0)
 * and 50 of N(3, 1) (label 1); the model is sigmoid(x + A) with A from N(10, 1), trained by plain
 * SGD (lr 0.05) on the sigmoid cross-entropy, one random sample per step. The translation that
 * centres the two means on 0 is A = −(−1 + 3)/2 = −1.
 */
export const SAMPLES_PER_CLASS = 50;
export const LEARNING_RATE = 0.05;
export const DEFAULT_STEPS = 1400;
export const REPORT_EVERY = 200;

/** TensorFlow's sigmoid_cross_entropy_with_logits, stable form (now in the library as `gg.losses`). */
export const sigmoidCrossEntropyWithLogits = gg.losses.sigmoidCrossEntropyWithLogits;

export async function run(options: RecipeOptions = {}): Promise<RecipeResult> {
  const { seed = 4, steps = DEFAULT_STEPS, log = console.log } = options;
  const keys = recipeKeys(seed);

  // x_vals = concat(normal(-1, 1, 50), normal(3, 1, 50)); y_vals = concat(repeat(0., 50), repeat(1., 50))
  const [k0, k1] = gg.random.split(keys.data, 2) as [gg.Expr, gg.Expr];
  const n = SAMPLES_PER_CLASS;
  const xVals = await sampleFloat32(
    gg.concat([gg.random.normal(k0, [n], { mean: -1, stddev: 1 }), gg.random.normal(k1, [n], { mean: 3, stddev: 1 })]),
  );
  const yVals = Float32Array.from({ length: 2 * n }, (_, i) => (i < n ? 0 : 1));
  // A = tf.Variable(tf.random_normal(mean=10, shape=[1]))
  const A0 = await gg.evaluate(gg.random.normal(keys.init, [1], { mean: 10 }));

  const xData = gg.input("x", [1]);
  const yTarget = gg.input("y", [1]);
  const A = gg.param("A", [1]);
  const myOutput = gg.add(xData, A);
  // The seed's expand_dims: the loss has the batch shape [1, 1] of its prints ("[[0.00126199]]").
  const xentropy = sigmoidCrossEntropyWithLogits(gg.expandDims(yTarget, 0), gg.expandDims(myOutput, 0));

  return trainOnSingleSamples({
    sgd: await compileSgdStep(xentropy, A, "A", LEARNING_RATE),
    sample: (i) => ({ x: [xVals[i] as number], y: [yVals[i] as number] }),
    picks: await randomIndices(keys.picks, steps, 2 * n),
    A0,
    every: REPORT_EVERY,
    lossDepth: 2,
    seed,
    log,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
