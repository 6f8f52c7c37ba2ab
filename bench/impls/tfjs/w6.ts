import * as tf from "@tensorflow/tfjs-core";
import type { W6Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W6Config } from "../../workloads.js";

/** How a conv layer (valid padding, stride 1) with bias and ReLU is written. */
export type ConvRelu = (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

/** As tf.layers.conv2d computes it: tf.fused.conv2d with the bias and the ReLU. */
export const fusedConvRelu: ConvRelu = (x, filter, bias) => tf.fused.conv2d({ x, filter, strides: 1, pad: "valid", bias, activation: "relu" });

/**
 * The CNN as tf.layers writes it: conv layers (NHWC, HWIO kernels, valid padding) with bias and
 * ReLU, tf.maxPool, flatten, tf.fused.matMul; softmax cross-entropy averaged over the batch,
 * tf.train.adam.
 */
export async function w6(c: W6Config, d: W6Data, convRelu: ConvRelu = fusedConvRelu): Promise<Trainer> {
  const convs = d.convs.map((l, i) => ({
    w: tf.variable(tf.tensor4d(l.kernel, [l.size, l.size, l.inChannels, l.outChannels]), true, `conv${i}/kernel`),
    b: tf.variable(tf.tensor1d(l.bias), true, `conv${i}/bias`),
  }));
  const dense = { w: tf.variable(tf.tensor2d(d.dense.w, [d.dense.fanIn, d.dense.fanOut]), true, "dense/w"), b: tf.variable(tf.tensor1d(d.dense.b), true, "dense/b") };
  const batches = d.batches.map((b) => ({ x: tf.tensor4d(b.x, [b.rows, c.height, c.width, c.channels]), labels: tf.tensor2d(b.oneHot, [b.rows, c.classes]) }));
  const optimizer = tf.train.adam(c.lr, 0.9, 0.999, 1e-8);
  let i = 0;
  return {
    step: async () => {
      const { x, labels } = batches[i++ % batches.length] as (typeof batches)[number];
      const loss = optimizer.minimize(() => {
        let h: tf.Tensor4D = x;
        for (const conv of convs) h = convRelu(h, conv.w as tf.Tensor4D, conv.b as tf.Tensor1D);
        const pooled = tf.maxPool(h, c.pool, c.pool, "valid");
        const flat = tf.reshape(pooled, [pooled.shape[0], -1]) as tf.Tensor2D;
        const logits = tf.fused.matMul({ a: flat, b: dense.w as tf.Tensor2D, bias: dense.b });
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true);
      if (loss === null) throw new Error("minimize returned no loss");
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    },
  };
}

/**
 * The workaround for backends without a Conv2DBackpropFilter kernel (wasm): a convolution through
 * tf.customGrad whose filter gradient is itself a forward convolution,
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh + kh, ow + kw, ci] · dy[b, oh, ow, co],
 * i.e. conv2d of x as [ci, H, W, batch] with dy as a [OH, OW, batch, co] filter; the input
 * gradient is tf.conv2dTranspose (Conv2DBackpropInput, which wasm has). Bias and ReLU follow unfused.
 */
export const convReluByForwardConvs: ConvRelu = (x, filter, bias) => {
  const conv = tf.customGrad((...args) => {
    const [input, kernel, save] = args;
    if (!(input instanceof tf.Tensor) || !(kernel instanceof tf.Tensor) || typeof save !== "function") throw new Error("customGrad: unexpected arguments");
    const x4 = input as tf.Tensor4D;
    const w4 = kernel as tf.Tensor4D;
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, 1, "valid"),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        const dx = tf.conv2dTranspose(g, ws, xs.shape, 1, "valid");
        const dw = tf.transpose(tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), 1, "valid"), [1, 2, 0, 3]);
        return [dx, dw];
      },
    };
  });
  return tf.relu(tf.add(conv(x, filter) as tf.Tensor4D, bias)) as tf.Tensor4D;
};
