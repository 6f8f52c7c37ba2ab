import { type Array as JaxArray, blockUntilReady, jit, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import type { W2Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W2Config } from "../../workloads.js";

type Params = { w: JaxArray[]; b: JaxArray[] };

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;

/**
 * The MLP and Adam as one jitted step (params, m, v, lr_t, x, labels) → (loss, params', m', v'),
 * with TF's form of the update, w −= lr_t·m/(√v + ε), lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) computed on
 * the host and passed in as an array (a number argument would be a static one).
 */
export async function w2(c: W2Config, d: W2Data): Promise<Trainer> {
  const layers = d.layers.length;
  const loss = (p: Params, x: JaxArray, labels: JaxArray): JaxArray => {
    let h = x;
    for (let l = 0; l < layers; l++) {
      h = np.matmul(h, p.w[l] as JaxArray).add(p.b[l] as JaxArray);
      if (l + 1 < layers) h = nn.relu(h);
    }
    const rows = labels.shape[0] as number;
    return nn.logSoftmax(h).mul(labels).sum().mul(-1 / rows);
  };
  const train = jit((p: Params, m: Params, v: Params, lrT: JaxArray, x: JaxArray, labels: JaxArray) => {
    const [value, g] = valueAndGrad(loss)(tree.ref(p), x, labels);
    const m2 = tree.map((mi: JaxArray, gi: JaxArray) => mi.mul(B1).add(gi.mul(1 - B1)), m, tree.ref(g)) as Params;
    const v2 = tree.map((vi: JaxArray, gi: JaxArray) => vi.mul(B2).add(np.square(gi).mul(1 - B2)), v, g) as Params;
    const p2 = tree.map(
      (pi: JaxArray, mi: JaxArray, vi: JaxArray) => pi.sub(mi.mul(lrT.ref).div(np.sqrt(vi).add(EPS))),
      p,
      tree.ref(m2),
      tree.ref(v2),
    ) as Params;
    lrT.dispose();
    return [value, p2, m2, v2] as [JaxArray, Params, Params, Params];
  });

  let params: Params = { w: d.layers.map((l) => np.array(l.w).reshape([l.fanIn, l.fanOut])), b: d.layers.map((l) => np.array(l.b)) };
  const zeros = (): Params => ({ w: d.layers.map((l) => np.zeros([l.fanIn, l.fanOut])), b: d.layers.map((l) => np.zeros([l.fanOut])) });
  let m = zeros();
  let v = zeros();
  const inputs = c.sizes[0] as number;
  const classes = c.sizes[c.sizes.length - 1] as number;
  const batches = d.batches.map((b) => ({ x: np.array(b.x).reshape([b.rows, inputs]), labels: np.array(b.oneHot).reshape([b.rows, classes]) }));
  let t = 0;
  return {
    step: async () => {
      const { x, labels } = batches[t % batches.length] as (typeof batches)[number];
      t += 1;
      const lrT = (c.lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t);
      const [value, p2, m2, v2] = train(params, m, v, np.array(Float32Array.of(lrT)).reshape([]), x.ref, labels.ref);
      [params, m, v] = [p2, m2, v2];
      await blockUntilReady([params, m, v]);
      return (await value.data())[0] as number;
    },
  };
}
