import * as gg from "../../../src/index.js";
import type { W5Data } from "../../data/datasets.js";
import type { ResettableTrainer } from "../../protocol.js";
import type { W5Config } from "../../workloads.js";

/** Softmax regression (mean cross-entropy on one-hot labels), SGD; the batch axis is symbolic (the last batch is smaller). */
export async function w5(backend: gg.Backend, c: W5Config, d: W5Data): Promise<ResettableTrainer> {
  const x = gg.input("x", ["n", c.features]);
  const labels = gg.input("labels", ["n", c.classes]);
  const w = gg.param("w", [c.features, c.classes]);
  const b = gg.param("b", [c.classes]);
  const loss = gg.mean(gg.losses.softmaxCrossEntropyWithLogits(labels, gg.dense(x, w, b)));
  const train = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: c.lr }), backend, donate: true, gradNorm: false });
  const init = { w: gg.tensorFrom(d.w0, "float32", [c.features, c.classes]), b: gg.tensorFrom(d.b0, "float32", [c.classes]) };
  const batches = d.batches.map((bt) => ({
    x: gg.tensorFrom(bt.x, "float32", [bt.rows, c.features]),
    labels: gg.tensorFrom(bt.oneHot, "float32", [bt.rows, c.classes]),
  }));
  let state = await train.init(init);
  let i = 0;
  return {
    reset: async () => {
      state = await train.init(init);
      i = 0;
    },
    step: async () => {
      const [next, metrics] = await train.run(state, batches[i++ % batches.length] as (typeof batches)[number]);
      state = next;
      return metrics["loss"] as number;
    },
  };
}
