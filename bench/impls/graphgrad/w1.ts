import * as gg from "../../../src/index.js";
import type { W1Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W1Config } from "../../workloads.js";

/** Seed 004 recipe 1 as one `gg.trainStep`: loss (A·x − y)² on one sample, SGD. */
export async function w1(backend: gg.Backend, c: W1Config, d: W1Data): Promise<Trainer> {
  const x = gg.input("x", [1]);
  const y = gg.input("y", [1]);
  const a = gg.param("A", [1]);
  const loss = gg.sum(gg.square(gg.sub(gg.mul(x, a), y)));
  const train = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: c.lr }), backend, donate: true, gradNorm: false });
  let state = await train.init({ A: gg.tensorFrom(Float32Array.of(d.a0), "float32", [1]) });
  const samples = Array.from(d.xs, (xv, i) => ({
    x: gg.tensorFrom(Float32Array.of(xv), "float32", [1]),
    y: gg.tensorFrom(Float32Array.of(d.ys[i] as number), "float32", [1]),
  }));
  let i = 0;
  return {
    step: async () => {
      const sample = samples[d.picks[i++ % d.picks.length] as number] as (typeof samples)[number];
      const [next, metrics] = await train.run(state, sample);
      state = next;
      return metrics["loss"] as number;
    },
  };
}
