import * as gg from "../../../src/index.js";
import type { W6Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import { cyclingTrainer } from "./trainer.js";
import { type W6Config, w6PooledShape } from "../../workloads.js";

/**
 * The small CNN as one `gg.trainStep`: gg.conv layers (NHWC images, HWIO kernels, valid padding)
 * with bias and ReLU, gg.maxPool, flatten in (h, w, c) order, dense; mean softmax cross-entropy,
 * Adam. Channels last throughout, so no layout is copied between the layers.
 */
export async function w6(backend: gg.Backend, c: W6Config, d: W6Data): Promise<Trainer> {
  const [ph, pw, pc] = w6PooledShape(c);
  const x = gg.input("x", [c.batch, c.height, c.width, c.channels]);
  const labels = gg.input("labels", [c.batch, c.classes]);
  const init: Record<string, gg.Tensor> = {};
  let h = x;
  d.convs.forEach((l, i) => {
    const shape = [l.size, l.size, l.inChannels, l.outChannels];
    const w = gg.param(`conv${i}/kernel`, shape);
    const b = gg.param(`conv${i}/bias`, [l.outChannels]);
    init[`conv${i}/kernel`] = gg.tensorFrom(l.kernel, "float32", shape);
    init[`conv${i}/bias`] = gg.tensorFrom(l.bias, "float32", [l.outChannels]);
    h = gg.relu(gg.add(gg.conv(h, w, { padding: "valid" }), b));
  });
  const pooled = gg.maxPool(h, { window: c.pool });
  const flat = gg.reshape(pooled, [c.batch, ph * pw * pc]);
  const denseW = gg.param("dense/w", [d.dense.fanIn, d.dense.fanOut]);
  const denseB = gg.param("dense/b", [d.dense.fanOut]);
  init["dense/w"] = gg.tensorFrom(d.dense.w, "float32", [d.dense.fanIn, d.dense.fanOut]);
  init["dense/b"] = gg.tensorFrom(d.dense.b, "float32", [d.dense.fanOut]);
  const logits = gg.dense(flat, denseW, denseB);
  const loss = gg.mean(gg.losses.softmaxCrossEntropyWithLogits(labels, logits));
  const train = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: c.lr }), backend, donate: true, gradNorm: false });
  const state = await train.init(init);
  const batches = d.batches.map((b) => ({
    x: gg.tensorFrom(b.x, "float32", [b.rows, c.height, c.width, c.channels]),
    labels: gg.tensorFrom(b.oneHot, "float32", [b.rows, c.classes]),
  }));
  return cyclingTrainer(train, state, batches);
}
