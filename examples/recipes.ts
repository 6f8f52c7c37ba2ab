import { pathToFileURL } from "node:url";
import * as classification from "./recipes/classification.js";
import type { RecipeResult } from "./recipes/loop.js";
import * as regression from "./recipes/regression.js";

/**
 * Seed 004's two backpropagation recipes, one after the other, printing as the seed does.
 * `npm run recipes` (or `npx tsx examples/recipes.ts [seed]`).
 */
export async function runRecipes(options: { seed?: number; log?: (line: string) => void } = {}): Promise<{
  regression: RecipeResult;
  classification: RecipeResult;
}> {
  const log = options.log ?? console.log;
  log(`Regression: y = A·x, x ~ N(1, 0.1), target 10, loss (A·x − y)², SGD lr ${regression.LEARNING_RATE}, ${regression.DEFAULT_STEPS} steps`);
  const r = await regression.run({ ...options, log });
  log("");
  log(
    `Classification: sigmoid(x + A), x ~ N(−1, 1) (label 0) and N(3, 1) (label 1), sigmoid cross-entropy, ` +
      `A0 ~ N(10, 1), SGD lr ${classification.LEARNING_RATE}, ${classification.DEFAULT_STEPS} steps`,
  );
  const c = await classification.run({ ...options, log });
  return { regression: r, classification: c };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = process.argv[2];
  await runRecipes(arg === undefined ? {} : { seed: Number(arg) });
}
