import * as gg from "../../../src/index.js";
import type { W2Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import { cyclingTrainer } from "./trainer.js";
import type { W2Config } from "../../workloads.js";

/** The ReLU MLP, mean softmax cross-entropy on one-hot labels, Adam: one `gg.trainStep`. */
export async function w2(backend: gg.Backend, c: W2Config, d: W2Data): Promise<Trainer> {
  const sizes = c.sizes;
  const x = gg.input("x", [c.batch, sizes[0] as number]);
  const labels = gg.input("labels", [c.batch, sizes[sizes.length - 1] as number]);
  const init: Record<string, gg.Tensor> = {};
  let h = x;
  d.layers.forEach((l, i) => {
    const w = gg.param(`w${i}`, [l.fanIn, l.fanOut]);
    const b = gg.param(`b${i}`, [l.fanOut]);
    init[`w${i}`] = gg.tensorFrom(l.w, "float32", [l.fanIn, l.fanOut]);
    init[`b${i}`] = gg.tensorFrom(l.b, "float32", [l.fanOut]);
    h = gg.dense(h, w, b, i + 1 < d.layers.length ? gg.relu : undefined);
  });
  const loss = gg.mean(gg.losses.softmaxCrossEntropyWithLogits(labels, h));
  const train = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: c.lr }), backend, donate: true, gradNorm: false });
  const state = await train.init(init);
  const batches = d.batches.map((b) => ({
    x: gg.tensorFrom(b.x, "float32", [b.rows, sizes[0] as number]),
    labels: gg.tensorFrom(b.oneHot, "float32", [b.rows, sizes[sizes.length - 1] as number]),
  }));
  return cyclingTrainer(train, state, batches);
}
