import * as tf from "@tensorflow/tfjs-core";
import type { W2Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W2Config } from "../../workloads.js";

/**
 * The MLP with tf.fused.matMul (bias and ReLU fused, as tf.layers.dense does), softmax
 * cross-entropy averaged over the batch, tf.train.adam (its update is lr·m̂/(√v̂ + ε)).
 */
export async function w2(c: W2Config, d: W2Data): Promise<Trainer> {
  const layers = d.layers.map((l, i) => ({
    w: tf.variable(tf.tensor2d(l.w, [l.fanIn, l.fanOut]), true, `w${i}`),
    b: tf.variable(tf.tensor1d(l.b), true, `b${i}`),
  }));
  const inputs = c.sizes[0] as number;
  const classes = c.sizes[c.sizes.length - 1] as number;
  const batches = d.batches.map((b) => ({ x: tf.tensor2d(b.x, [b.rows, inputs]), labels: tf.tensor2d(b.oneHot, [b.rows, classes]) }));
  const optimizer = tf.train.adam(c.lr, 0.9, 0.999, 1e-8);
  let i = 0;
  return {
    step: async () => {
      const { x, labels } = batches[i++ % batches.length] as (typeof batches)[number];
      const loss = optimizer.minimize(() => {
        let h: tf.Tensor2D = x;
        layers.forEach((l, k) => {
          h = tf.fused.matMul({ a: h, b: l.w, bias: l.b, activation: k + 1 < layers.length ? "relu" : "linear" }) as tf.Tensor2D;
        });
        return tf.losses.softmaxCrossEntropy(labels, h) as tf.Scalar;
      }, true);
      if (loss === null) throw new Error("minimize returned no loss");
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    },
  };
}
