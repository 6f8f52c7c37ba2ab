import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { type RecipeOptions, type RecipeResult, trainOnSingleSamples } from "./loop.js";
import { recipeKeys, randomIndices, sampleFloat32 } from "./sampling.js";
import { compileSgdStep } from "./sgd.js";

/**
 * Seed 004, recipe 1: regression by backpropagation. x ~ N(1, 0.1), target 10, model A·x, loss
 * (A·x − y)², plain SGD (lr 0.02) on one random sample per step. Since E[x] = 1, A tends to 10
 * (precisely to 10·E[x]/E[x²] ≈ 9.9, the minimiser of the expected loss).
 */
export const SAMPLES = 100;
export const LEARNING_RATE = 0.02;
export const DEFAULT_STEPS = 100;
export const REPORT_EVERY = 25;

export async function run(options: RecipeOptions = {}): Promise<RecipeResult> {
  const { seed = 4, steps = DEFAULT_STEPS, log = console.log } = options;
  const keys = recipeKeys(seed);

  // x_vals = np.random.normal(1, 0.1, 100); y_vals = np.repeat(10., 100); A = tf.random_normal([1])
  const xVals = await sampleFloat32(gg.random.normal(keys.data, [SAMPLES], { mean: 1, stddev: 0.1 }));
  const yVals = new Float32Array(SAMPLES).fill(10);
  const A0 = await gg.evaluate(gg.random.normal(keys.init, [1]));

  const xData = gg.input("x", [1]);
  const yTarget = gg.input("y", [1]);
  const A = gg.param("A", [1]);
  const myOutput = gg.mul(xData, A);
  const loss = gg.square(gg.sub(myOutput, yTarget));

  return trainOnSingleSamples({
    sgd: await compileSgdStep(loss, A, "A", LEARNING_RATE),
    sample: (i) => ({ x: [xVals[i] as number], y: [yVals[i] as number] }),
    picks: await randomIndices(keys.picks, steps, SAMPLES),
    A0,
    every: REPORT_EVERY,
    lossDepth: 0,
    seed,
    log,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
