import { type Array as JaxArray, blockUntilReady, jit, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import type { W3Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import type { W3Config } from "../../workloads.js";

type Params = { embedding: JaxArray; kernels: JaxArray[]; biases: JaxArray[]; softmaxW: JaxArray; softmaxB: JaxArray };

/**
 * BasicLSTMCell (gates i, j, f, o; forget bias 0). jax-js arrays are reference counted: every use
 * but the last takes `.ref`.
 */
function cell(x: JaxArray, c: JaxArray, h: JaxArray, kernel: JaxArray, bias: JaxArray, units: number): [JaxArray, JaxArray] {
  const gates = np.matmul(np.concatenate([x, h], 1), kernel).add(bias);
  const i = gates.ref.slice([], [0, units]);
  const j = gates.ref.slice([], [units, 2 * units]);
  const f = gates.ref.slice([], [2 * units, 3 * units]);
  const o = gates.slice([], [3 * units, 4 * units]);
  const newC = c.mul(nn.sigmoid(f)).add(nn.sigmoid(i).mul(np.tanh(j)));
  const newH = np.tanh(newC.ref).mul(nn.sigmoid(o));
  return [newC, newH];
}

/**
 * The PTB small model as one jitted step: loss = Σ cross-entropy / batch (log-softmax against
 * one-hot targets, as jax-js's own examples write it), gradients by valueAndGrad, clip by global
 * norm, SGD. The initial state is zero.
 */
export async function w3(c: W3Config, d: W3Data): Promise<Trainer> {
  const { batch: B, numSteps: T, hidden: H, vocab: V } = c;
  const L = d.layers.length;
  const loss = (p: Params, inputs: JaxArray, targets: JaxArray): JaxArray => {
    const words = np.take(p.embedding, inputs, 0); // [B, T, H]
    const cs = Array.from({ length: L }, () => np.zeros([B, H]));
    const hs = Array.from({ length: L }, () => np.zeros([B, H]));
    const outputs: JaxArray[] = [];
    for (let t = 0; t < T; t++) {
      let x = words.ref.slice([], t);
      for (let l = 0; l < L; l++) {
        const [cNext, hNext] = cell(x, cs[l] as JaxArray, hs[l] as JaxArray, (p.kernels[l] as JaxArray).ref, (p.biases[l] as JaxArray).ref, H);
        cs[l] = cNext;
        hs[l] = hNext.ref;
        x = hNext;
      }
      outputs.push(x);
    }
    words.dispose();
    tree.dispose([cs, hs, p.kernels, p.biases]);
    const output = np.stack(outputs, 1).reshape([B * T, H]);
    const logits = np.matmul(output, p.softmaxW).add(p.softmaxB);
    return nn.logSoftmax(logits).mul(nn.oneHot(targets, V)).sum().mul(-1 / B);
  };
  const train = jit((p: Params, inputs: JaxArray, targets: JaxArray) => {
    const [value, g] = valueAndGrad(loss)(tree.ref(p), inputs, targets);
    const leaves = tree.leaves(tree.ref(g));
    const norm = np.sqrt(leaves.map((x) => np.square(x).sum()).reduce((a, b) => a.add(b)));
    // clip_by_global_norm: every gradient times clip / max(‖g‖, clip); then SGD.
    const step = np.maximum(norm, c.maxGradNorm).div(c.maxGradNorm * c.lr);
    const p2 = tree.map((pi: JaxArray, gi: JaxArray) => pi.sub(gi.div(step.ref)), p, g) as Params;
    step.dispose();
    return [value, p2] as [JaxArray, Params];
  });

  let params: Params = {
    embedding: np.array(d.embedding).reshape([V, H]),
    kernels: d.layers.map((l) => np.array(l.kernel).reshape([2 * H, 4 * H])),
    biases: d.layers.map((l) => np.array(l.bias)),
    softmaxW: np.array(d.softmaxW).reshape([H, V]),
    softmaxB: np.array(d.softmaxB),
  };
  const batches = d.batches.map((b) => ({
    inputs: np.array(b.inputs, { dtype: np.int32 }).reshape([B, T]),
    targets: np.array(b.targets, { dtype: np.int32 }),
  }));
  let i = 0;
  return {
    step: async () => {
      const { inputs, targets } = batches[i++ % batches.length] as (typeof batches)[number];
      const [value, next] = train(params, inputs.ref, targets.ref);
      params = next;
      await blockUntilReady(params);
      return (await value.data())[0] as number;
    },
  };
}
