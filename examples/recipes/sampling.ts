import * as gg from "../../src/index.js";

/**
 * The seeded randomness of the recipes, from graphgrad's own counter-based generator: one key
 * per purpose (data, initial A, the sample drawn at each step), all split from the run's seed.
 */
export interface RecipeKeys {
  readonly data: gg.Expr;
  readonly init: gg.Expr;
  readonly picks: gg.Expr;
}

export function recipeKeys(seed: number): RecipeKeys {
  const [data, init, picks] = gg.random.split(gg.random.key(seed), 3) as [gg.Expr, gg.Expr, gg.Expr];
  return { data, init, picks };
}

/** `steps` indices drawn uniformly from 0..n-1, as the seed's `np.random.choice(n)` at each step. */
export async function randomIndices(key: gg.Expr, steps: number, n: number): Promise<Int32Array> {
  // floor(u·n) with u < 1; the minimum guards against u·n rounding up to n in float32.
  const idx = gg.minimum(gg.floor(gg.mul(gg.random.uniform(key, [steps]), n)), n - 1);
  const t = await gg.evaluate(gg.cast(idx, "int32"));
  return Int32Array.from(t.data as ArrayLike<number>);
}

/** The values of a random expression as a Float32Array. */
export async function sampleFloat32(e: gg.Expr): Promise<Float32Array> {
  const t = await gg.evaluate(gg.cast(e, "float32"));
  return Float32Array.from(t.data as ArrayLike<number>);
}
