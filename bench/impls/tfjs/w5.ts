import * as tf from "@tensorflow/tfjs-core";
import type { W5Data } from "../../data/datasets.js";
import type { ResettableTrainer } from "../../protocol.js";
import type { W5Config } from "../../workloads.js";

/** Softmax regression with `optimizer.minimize`, tf.losses.softmaxCrossEntropy (mean over the batch), SGD. */
export async function w5(c: W5Config, d: W5Data): Promise<ResettableTrainer> {
  const w = tf.variable(tf.tensor2d(d.w0, [c.features, c.classes]), true, "w");
  const b = tf.variable(tf.tensor1d(d.b0), true, "b");
  const optimizer = tf.train.sgd(c.lr);
  const batches = d.batches.map((bt) => ({ x: tf.tensor2d(bt.x, [bt.rows, c.features]), labels: tf.tensor2d(bt.oneHot, [bt.rows, c.classes]) }));
  let i = 0;
  return {
    reset: async () => {
      tf.tidy(() => {
        w.assign(tf.tensor2d(d.w0, [c.features, c.classes]));
        b.assign(tf.tensor1d(d.b0));
      });
      i = 0;
    },
    step: async () => {
      const { x, labels } = batches[i++ % batches.length] as (typeof batches)[number];
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, tf.add(tf.matMul(x, w), b)) as tf.Scalar, true);
      if (loss === null) throw new Error("minimize returned no loss");
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    },
  };
}
