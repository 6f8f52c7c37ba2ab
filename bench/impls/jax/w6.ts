import { type Array as JaxArray, blockUntilReady, jit, lax, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import type { W6Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import { type W6Config, w6PooledShape } from "../../workloads.js";

type Params = { convW: JaxArray[]; convB: JaxArray[]; denseW: JaxArray; denseB: JaxArray };

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;

/**
 * The CNN and Adam as one jitted step, as W2 (TF's form of the update, lr_t passed in). jax-js's
 * lax.conv takes NCHW images and OIHW kernels, so the harness's NHWC images and HWIO kernels are
 * transposed once at setup; max pooling is a reshape into 2×2 windows and a max over them; the
 * pooled maps go back to (h, w, c) order before the dense layer.
 */
export async function w6(c: W6Config, d: W6Data): Promise<Trainer> {
  const [ph, pw, pc] = w6PooledShape(c);
  const loss = (p: Params, x: JaxArray, labels: JaxArray): JaxArray => {
    let h = x;
    p.convW.forEach((w, l) => {
      const b = (p.convB[l] as JaxArray).reshape([1, -1, 1, 1]);
      h = nn.relu(lax.conv(h, w, [1, 1], "VALID").add(b));
    });
    const rows = labels.shape[0] as number;
    const size = c.pool;
    const pooled = h.reshape([rows, pc, ph, size, pw, size]).max([3, 5]);
    const flat = pooled.transpose([0, 2, 3, 1]).reshape([rows, ph * pw * pc]);
    const logits = np.matmul(flat, p.denseW).add(p.denseB);
    return nn.logSoftmax(logits).mul(labels).sum().mul(-1 / rows);
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

  let params: Params = {
    convW: d.convs.map((l) => np.array(l.kernel).reshape([l.size, l.size, l.inChannels, l.outChannels]).transpose([3, 2, 0, 1])),
    convB: d.convs.map((l) => np.array(l.bias)),
    denseW: np.array(d.dense.w).reshape([d.dense.fanIn, d.dense.fanOut]),
    denseB: np.array(d.dense.b),
  };
  const zeros = (): Params => ({
    convW: d.convs.map((l) => np.zeros([l.outChannels, l.inChannels, l.size, l.size])),
    convB: d.convs.map((l) => np.zeros([l.outChannels])),
    denseW: np.zeros([d.dense.fanIn, d.dense.fanOut]),
    denseB: np.zeros([d.dense.fanOut]),
  });
  let m = zeros();
  let v = zeros();
  const batches = d.batches.map((b) => ({
    x: np.array(b.x).reshape([b.rows, c.height, c.width, c.channels]).transpose([0, 3, 1, 2]),
    labels: np.array(b.oneHot).reshape([b.rows, c.classes]),
  }));
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
