import * as gg from "../../src/index.js";

/**
 * TensorFlow's `truncated_normal`: normal numbers, those more than two standard deviations from
 * the mean dropped and re-drawn. graphgrad's generator has no rejection loop in a graph, so this
 * draws standard normals with `gg.random.normal` in fixed blocks (key → split → block), keeps
 * those with |z| < 2 on the host, in order, until the shape is filled. The result is an exact
 * draw from the truncated distribution, fully determined by the key; because the block size does
 * not depend on the shape, a smaller request from the same key is a prefix of a larger one.
 */
const BLOCK = 256;
const BOUND = 2;

export async function truncatedNormal(key: gg.Expr, shape: readonly number[], options: { mean?: number; stddev?: number } = {}): Promise<gg.Tensor> {
  const { mean = 0, stddev = 1 } = options;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let filled = 0;
  let k = key;
  while (filled < n) {
    const [draw, rest] = gg.random.split(k, 2) as [gg.Expr, gg.Expr];
    const z = await gg.evaluate(gg.random.normal(draw, [BLOCK]));
    for (const v of z.data as Float32Array) {
      if (filled === n) break;
      if (Math.abs(v) < BOUND) out[filled++] = mean + stddev * v;
    }
    k = rest;
  }
  return new gg.Tensor("float32", [...shape], out);
}
