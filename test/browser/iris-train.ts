import type { Backend } from "../../backends/backend.js";
import * as gg from "../../src/index.js";
import { loadIris } from "../../examples/data/iris.js";
import { irisModel } from "../../examples/iris/model.js";

/**
 * The iris model (examples/iris: one dense 4 → 3 layer, softmax, mean squared error against the
 * one-hot labels) trained by plain SGD on all 150 flowers as one fixed batch, from a fixed start.
 * Runs the same in Node and in the browser page (test/browser/webgpu.test.ts bundles it); returns
 * the loss of every step.
 */
export const IRIS_STEPS = 40;
export const IRIS_LR = 0.2;

export async function trainIris(backend: Backend, steps = IRIS_STEPS, lr = IRIS_LR): Promise<number[]> {
  const model = irisModel();
  const data = loadIris();
  const x = new gg.Tensor("float32", [data.x.rows, data.x.cols], Float32Array.from(data.x.data));
  const step = await gg.trainStep({ loss: model.loss, optimizer: gg.optim.sgd({ lr }), backend });
  // A fixed, asymmetric start (all-zero weights would keep the three classes tied for a while).
  const w1 = Array.from({ length: 4 }, (_, i) => Array.from({ length: 3 }, (_, j) => 0.05 * Math.sin(3 * i + j + 1)));
  let state = await step.init({ w1, b1: [0, 0, 0] });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [next, metrics] = await step.run(state, { x, labels: data.labels });
    losses.push(metrics["loss"] as number);
    state = next;
  }
  return losses;
}
