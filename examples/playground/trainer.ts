import * as gg from "../../src/index.js";
import { batchRanges } from "../data/batches.js";
import { type Matrix, sliceRows, toTensor } from "../data/matrix.js";
import { dotModel } from "../dot/model.js";
import { OPTIMIZERS, type Settings } from "./settings.js";

/**
 * The dot MLP (examples/dot: 2-11-1 ReLU, mean squared error against the 0/1 labels) trained one
 * step at a time, so that a page can interleave steps with drawing. Batches are taken in the
 * data's order (the points are in random order already); an epoch is one pass over the 300 points.
 * The loss history is the mean MSE of each epoch's batches (without the L2 term).
 */
export interface DotPoints {
  /** [n, 2]: x1, x2. */
  readonly x: Matrix;
  /** [n, 1]: 0 or 1. */
  readonly y: Matrix;
}

export interface Trainer {
  readonly settings: Settings;
  /** Steps taken, over every setting so far. */
  readonly steps: number;
  /** Epochs completed, and the mean training MSE of each. */
  readonly history: readonly number[];
  /** The loss of the last step (MSE of its batch). */
  readonly lastLoss: number;
  /** One step on the next batch. */
  step(): Promise<void>;
  /** The network's output at each row of x ([n, 2]), with the current weights. */
  predict(x: gg.Tensor): Promise<Float32Array>;
  /** A trainer with other settings (or backend) that continues from this one's weights and history. */
  continueWith(settings: Settings, backend: gg.Backend): Promise<Trainer>;
}

interface Progress {
  readonly steps: number;
  readonly history: readonly number[];
  readonly lastLoss: number;
  /** Loss sum and batch count of the epoch under way. */
  readonly epochSum: number;
  readonly epochBatches: number;
  /** Next batch index, and the batch size it counts in. */
  readonly batch: number;
  readonly batchSize: number;
}

export async function createTrainer(o: { data: DotPoints; settings: Settings; backend: gg.Backend; params: Readonly<Record<string, gg.Tensor>> }): Promise<Trainer> {
  return build(o.data, o.settings, o.backend, o.params, { steps: 0, history: [], lastLoss: Number.NaN, epochSum: 0, epochBatches: 0, batch: 0, batchSize: o.settings.batchSize });
}

async function build(data: DotPoints, settings: Settings, backend: gg.Backend, params: Readonly<Record<string, gg.Tensor>>, from: Progress): Promise<Trainer> {
  const model = dotModel();
  const train = await gg.trainStep({
    loss: model.mse,
    optimizer: OPTIMIZERS[settings.optimizer].make(settings.lr),
    regularization: settings.l2 > 0 ? { l2: settings.l2 } : undefined,
    backend,
  });
  const predictor = await train.evaluator({ y: model.output });
  const batches = batchRanges(data.x.rows, settings.batchSize).map(({ start, end }) => ({
    x: toTensor(sliceRows(data.x, start, end)),
    label: toTensor(sliceRows(data.y, start, end)),
  }));
  let state = await train.init(params);
  // A new batch size drops the partial epoch: the next step starts a new one.
  let p: Progress = from.batchSize === settings.batchSize ? from : { ...from, epochSum: 0, epochBatches: 0, batch: 0, batchSize: settings.batchSize };

  return {
    settings,
    get steps() {
      return p.steps;
    },
    get history() {
      return p.history;
    },
    get lastLoss() {
      return p.lastLoss;
    },
    async step() {
      const [next, metrics] = await train.run(state, batches[p.batch] as (typeof batches)[number]);
      state = next;
      const loss = metrics["loss"] as number;
      const epochSum = p.epochSum + loss;
      const epochBatches = p.epochBatches + 1;
      const done = p.batch + 1 === batches.length;
      p = done
        ? { ...p, steps: p.steps + 1, history: [...p.history, epochSum / epochBatches], lastLoss: loss, epochSum: 0, epochBatches: 0, batch: 0 }
        : { ...p, steps: p.steps + 1, lastLoss: loss, epochSum, epochBatches, batch: p.batch + 1 };
    },
    async predict(x) {
      const y = (await predictor(state, { x }))["y"];
      if (y === undefined) throw new Error("playground: the evaluator returned no output y");
      return Float32Array.from(y.data);
    },
    continueWith: (next, nextBackend) => build(data, next, nextBackend, state.params, p),
  };
}
