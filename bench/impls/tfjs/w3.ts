import * as tf from "@tensorflow/tfjs-core";
import type { W3Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W3Config } from "../../workloads.js";

/** How the embedding lookup is written: tf.gather (as is), or a workaround with its own gradient. */
export type Lookup = (embedding: tf.Tensor2D, ids: tf.Tensor2D) => tf.Tensor;

export const gatherLookup: Lookup = (embedding, ids) => tf.gather(embedding, ids);

/**
 * The PTB small model with tf.basicLSTMCell (TF's BasicLSTMCell semantics), cost = Σ softmax
 * cross-entropy / batch, gradients by tf.variableGrads, clipped by global norm, tf.train.sgd.
 */
export async function w3(c: W3Config, d: W3Data, lookup: Lookup = gatherLookup): Promise<Trainer> {
  const { batch: B, numSteps: T, hidden: H, vocab: V } = c;
  const embedding = tf.variable(tf.tensor2d(d.embedding, [V, H]), true, "embedding");
  const kernels = d.layers.map((l, i) => tf.variable(tf.tensor2d(l.kernel, [2 * H, 4 * H]), true, `lstm${i}/kernel`));
  const biases = d.layers.map((l, i) => tf.variable(tf.tensor1d(l.bias), true, `lstm${i}/bias`));
  const softmaxW = tf.variable(tf.tensor2d(d.softmaxW, [H, V]), true, "softmax_w");
  const softmaxB = tf.variable(tf.tensor1d(d.softmaxB), true, "softmax_b");
  const batches = d.batches.map((b) => ({ inputs: tf.tensor2d(b.inputs, [B, T], "int32"), targets: tf.tensor1d(b.targets, "int32") }));
  const optimizer = tf.train.sgd(c.lr);
  const forgetBias = tf.scalar(0);

  const cost = (inputs: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar => {
    const words = lookup(embedding, inputs);
    const cs: tf.Tensor2D[] = d.layers.map(() => tf.zeros([B, H]));
    const hs: tf.Tensor2D[] = d.layers.map(() => tf.zeros([B, H]));
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      let x = tf.reshape(tf.slice(words, [0, t, 0], [B, 1, H]), [B, H]) as tf.Tensor2D;
      for (let l = 0; l < d.layers.length; l++) {
        const [cNext, hNext] = tf.basicLSTMCell(forgetBias, kernels[l] as tf.Tensor2D, biases[l] as tf.Tensor1D, x, cs[l] as tf.Tensor2D, hs[l] as tf.Tensor2D);
        cs[l] = cNext;
        hs[l] = hNext;
        x = hNext;
      }
      outputs.push(x);
    }
    const output = tf.reshape(tf.stack(outputs, 1), [B * T, H]) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(output, softmaxW), softmaxB);
    const xent = tf.losses.softmaxCrossEntropy(tf.oneHot(targets, V), logits, undefined, 0, tf.Reduction.NONE);
    return tf.div(tf.sum(xent), B);
  };

  let i = 0;
  return {
    step: async () => {
      const { inputs, targets } = batches[i++ % batches.length] as (typeof batches)[number];
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => cost(inputs, targets));
        // clip_by_global_norm: every gradient times clip / max(‖g‖, clip).
        const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
        const scale = tf.div(c.maxGradNorm, tf.maximum(norm, c.maxGradNorm));
        const clipped: Record<string, tf.Tensor> = {};
        for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, scale);
        optimizer.applyGradients(clipped);
        return value;
      });
      const v = loss.dataSync()[0] as number;
      loss.dispose();
      return v;
    },
  };
}

/**
 * The workaround for backends without a kernel for gather's gradient (UnsortedSegmentSum): the
 * same lookup through tf.customGrad, whose gradient scatters the rows of dy into a [V, H] tensor
 * with tf.scatterND (which sums rows of repeated ids).
 */
export const scatterLookup: Lookup = (embedding, ids) => {
  const [V, H] = embedding.shape;
  const lookup = tf.customGrad((...args) => {
    const [table, indices, save] = args;
    if (!(table instanceof tf.Tensor) || !(indices instanceof tf.Tensor) || typeof save !== "function") throw new Error("customGrad: unexpected arguments");
    save([indices]);
    return {
      value: tf.gather(table, indices),
      gradFunc: (dy, saved) => {
        const rows = tf.reshape(saved[0] as tf.Tensor, [-1, 1]);
        const g = tf.scatterND(rows, tf.reshape(dy, [-1, H]), [V, H]);
        return [g, tf.zerosLike(saved[0] as tf.Tensor)];
      },
    };
  });
  return lookup(embedding, ids);
};
