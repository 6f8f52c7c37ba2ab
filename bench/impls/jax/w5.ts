import { type Array as JaxArray, jit, nn, numpy as np, valueAndGrad } from "@jax-js/jax";
import type { W5Data } from "../../data/datasets.js";
import type { ResettableTrainer } from "../../protocol.js";
import type { W5Config } from "../../workloads.js";

type Params = { w: JaxArray; b: JaxArray };

/** Softmax regression as a jitted SGD step (compiled once per batch shape: 32, and 24 for the last). */
export async function w5(c: W5Config, d: W5Data): Promise<ResettableTrainer> {
  const loss = (p: Params, x: JaxArray, labels: JaxArray): JaxArray => {
    const rows = labels.shape[0] as number;
    const logits = np.matmul(x, p.w).add(p.b);
    return nn.logSoftmax(logits).mul(labels).sum().mul(-1 / rows);
  };
  const train = jit((p: Params, x: JaxArray, labels: JaxArray) => {
    const [value, g] = valueAndGrad(loss)({ w: p.w.ref, b: p.b.ref }, x, labels);
    return [value, { w: p.w.sub(g.w.mul(c.lr)), b: p.b.sub(g.b.mul(c.lr)) }] as [JaxArray, Params];
  });
  const initial = (): Params => ({ w: np.array(d.w0).reshape([c.features, c.classes]), b: np.array(d.b0) });
  const batches = d.batches.map((bt) => ({ x: np.array(bt.x).reshape([bt.rows, c.features]), labels: np.array(bt.oneHot).reshape([bt.rows, c.classes]) }));
  let params = initial();
  let i = 0;
  return {
    reset: async () => {
      params.w.dispose();
      params.b.dispose();
      params = initial();
      i = 0;
    },
    step: async () => {
      const { x, labels } = batches[i++ % batches.length] as (typeof batches)[number];
      const [value, next] = train(params, x.ref, labels.ref);
      params = next;
      return (await value.data())[0] as number;
    },
  };
}
