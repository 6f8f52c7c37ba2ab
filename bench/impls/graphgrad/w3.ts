import * as gg from "../../../src/index.js";
import type { W3Data } from "../../data/datasets.js";
import type { Trainer } from "../../protocol.js";
import { cyclingTrainer } from "./trainer.js";
import type { W3Config } from "../../workloads.js";
import { basicLstmCell } from "./lstm.js";

/**
 * The PTB small model (ptb_word_lm): embedding lookup, `layers` LSTM layers unrolled over
 * `numSteps`, softmax over the vocabulary; cost = Σ cross-entropy / batch (sequence_loss summed
 * over time, averaged over the batch); clip by global norm, SGD. The initial state is zero.
 */
export async function w3(backend: gg.Backend, c: W3Config, d: W3Data): Promise<Trainer> {
  const { train, init, batches } = await w3Model(backend, c, d);
  const state = await train.init(init);
  return cyclingTrainer(train, state, batches);
}

/** The compiled train step, its initial parameters and the batches (also used by the tests). */
export async function w3Model(backend: gg.Backend, c: W3Config, d: W3Data) {
  const { batch: B, numSteps: T, hidden: H, vocab: V } = c;
  const inputs = gg.input("inputs", [B, T], "int32");
  const targets = gg.input("targets", [B, T], "int32");
  const embedding = gg.param("embedding", [V, H]);
  const kernels = d.layers.map((_, l) => gg.param(`lstm${l}/kernel`, [2 * H, 4 * H]));
  const biases = d.layers.map((_, l) => gg.param(`lstm${l}/bias`, [4 * H]));
  const softmaxW = gg.param("softmax_w", [H, V]);
  const softmaxB = gg.param("softmax_b", [V]);

  const words = gg.gather(embedding, inputs); // [B, T, H]
  const cs = d.layers.map(() => gg.zeros([B, H]));
  const hs = d.layers.map(() => gg.zeros([B, H]));
  const outputs: gg.Expr[] = [];
  for (let t = 0; t < T; t++) {
    let x = gg.reshape(gg.slice(words, [0, t, 0], [B, 1, H]), [B, H]);
    for (let l = 0; l < d.layers.length; l++) {
      const [cNext, hNext] = basicLstmCell(x, cs[l] as gg.Expr, hs[l] as gg.Expr, kernels[l] as gg.Expr, biases[l] as gg.Expr, 0);
      cs[l] = cNext;
      hs[l] = hNext;
      x = hNext;
    }
    outputs.push(x);
  }
  // tf.reshape(tf.concat(outputs, 1), [-1, H]): rows in batch-major order, as the targets.
  const output = gg.reshape(gg.stack(outputs, 1), [B * T, H]);
  const logits = gg.add(gg.matmul(output, softmaxW), softmaxB);
  const xent = gg.losses.sparseSoftmaxCrossEntropyWithLogits(gg.reshape(targets, [B * T]), logits);
  const loss = gg.div(gg.sum(xent), B);

  const optimizer = gg.optim.chain(gg.optim.clipByGlobalNorm(c.maxGradNorm), gg.optim.sgd({ lr: c.lr }));
  const train = await gg.trainStep({ loss, optimizer, backend, donate: true });
  const init: Record<string, gg.Tensor> = {
    embedding: gg.tensorFrom(d.embedding, "float32", [V, H]),
    softmax_w: gg.tensorFrom(d.softmaxW, "float32", [H, V]),
    softmax_b: gg.tensorFrom(d.softmaxB, "float32", [V]),
  };
  d.layers.forEach((l, i) => {
    init[`lstm${i}/kernel`] = gg.tensorFrom(l.kernel, "float32", [2 * H, 4 * H]);
    init[`lstm${i}/bias`] = gg.tensorFrom(l.bias, "float32", [4 * H]);
  });
  const batches = d.batches.map((b) => ({
    inputs: gg.tensorFrom(b.inputs, "int32", [B, T]),
    targets: gg.tensorFrom(b.targets, "int32", [B, T]),
  }));
  return { train, init, batches };
}
