import * as tf from "@tensorflow/tfjs-core";
import type { W4Data } from "../../data/datasets.js";
import type { Multiplier } from "../../protocol.js";
import type { W4Config } from "../../workloads.js";

/** tf.matMul on resident tensors, the product read back with `data()`. */
export async function w4(c: W4Config, d: W4Data): Promise<Multiplier> {
  const a = tf.tensor2d(d.a, [c.n, c.n]);
  const b = tf.tensor2d(d.b, [c.n, c.n]);
  return {
    multiply: async () => {
      const product = tf.matMul(a, b);
      const data = await product.data();
      product.dispose();
      if (!(data instanceof Float32Array)) throw new Error("matMul gave no float32 result");
      return data;
    },
  };
}
