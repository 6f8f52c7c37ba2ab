import * as tf from "@tensorflow/tfjs-core";
import type { W1Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W1Config } from "../../workloads.js";

/** The seed recipe as TF.js writes it: a variable A, `optimizer.minimize` of (A·x − y)². */
export async function w1(c: W1Config, d: W1Data): Promise<Trainer> {
  const a = tf.variable(tf.tensor1d([d.a0]), true, "A");
  const optimizer = tf.train.sgd(c.lr);
  const samples = Array.from(d.xs, (x, i) => ({ x: tf.tensor1d([x]), y: tf.tensor1d([d.ys[i] as number]) }));
  let i = 0;
  return {
    step: async () => {
      const { x, y } = samples[d.picks[i++ % d.picks.length] as number] as (typeof samples)[number];
      const loss = optimizer.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(a, x), y))), true);
      if (loss === null) throw new Error("minimize returned no loss");
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    },
  };
}
