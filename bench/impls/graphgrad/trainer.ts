import type * as gg from "../../../src/index.js";
import type { Trainer } from "../../protocol.js";

/** A trainer that runs `train` on `batches` in turn from `state`, each step's loss read back. */
export function cyclingTrainer<S extends gg.optim.TransformState>(train: gg.TrainStep<S>, state: gg.TrainState<S>, batches: readonly gg.Feeds[]): Trainer {
  let current = state;
  let i = 0;
  return {
    step: async () => {
      const [next, metrics] = await train.run(current, batches[i++ % batches.length] as gg.Feeds);
      current = next;
      return metrics["loss"] as number;
    },
  };
}
