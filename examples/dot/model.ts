import * as gg from "../../src/index.js";

/**
 * Seed 002 §四's network, 2-11-1: y = relu(x·w1 + b1)·w2 + b2, loss mean((y_c − y)²).
 * Initial values as the seed's: w1, w2 ~ N(0, 1) (tf.random.normal), b1, b2 = 0.01.
 * The L2 term (0.03·(l2Loss(w1) + l2Loss(w2)), weights only) is added by the train step's
 * `regularization: { l2 }`, which by default regularizes the rank-≥2 parameters, w1 and w2.
 */
export const HIDDEN = 11;

export interface DotModel {
  readonly x: gg.Expr;
  readonly label: gg.Expr;
  readonly output: gg.Expr;
  readonly mse: gg.Expr;
}

export function dotModel(): DotModel {
  const x = gg.input("x", ["n", 2]);
  const label = gg.input("label", ["n", 1]);
  const w1 = gg.param("w1", [2, HIDDEN]);
  const b1 = gg.param("b1", [HIDDEN]);
  const w2 = gg.param("w2", [HIDDEN, 1]);
  const b2 = gg.param("b2", [1]);
  const output = gg.dense(gg.dense(x, w1, b1, gg.relu), w2, b2);
  return { x, label, output, mse: gg.losses.meanSquaredError(label, output) };
}

/** The seed's initial values from an explicit key: w1, w2 standard normal, biases 0.01. */
export async function initialParams(key: gg.Expr): Promise<Record<string, gg.Tensor>> {
  const [k1, k2] = gg.random.split(key, 2) as [gg.Expr, gg.Expr];
  const r = await gg.evaluate({ w1: gg.random.normal(k1, [2, HIDDEN]), w2: gg.random.normal(k2, [HIDDEN, 1]) });
  return {
    w1: r["w1"] as gg.Tensor,
    b1: new gg.Tensor("float32", [HIDDEN], new Float32Array(HIDDEN).fill(0.01)),
    w2: r["w2"] as gg.Tensor,
    b2: new gg.Tensor("float32", [1], Float32Array.of(0.01)),
  };
}
