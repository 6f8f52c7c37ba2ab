import * as gg from "../../src/index.js";
import { formatFloat32, formatNested } from "./format.js";
import type { SgdStep } from "./sgd.js";

/** What both recipes accept. */
export interface RecipeOptions {
  /** Seed of all the randomness (data, initial A, sample order); the same seed gives the same run. */
  readonly seed?: number;
  /** Number of single-sample SGD steps (default: the seed's count). */
  readonly steps?: number;
  /** Where the progress lines go (default: console.log; pass `() => {}` for silence). */
  readonly log?: (line: string) => void;
}

/** A line printed every `every` steps, as the seed does. */
export interface Report {
  readonly step: number;
  readonly A: number;
  /** The loss at the updated A on the step's sample (what the seed prints). */
  readonly loss: number;
}

export interface RecipeResult {
  readonly seed: number;
  /** The initial value of A. */
  readonly A0: number;
  /** The final value of A. */
  readonly A: number;
  /** The loss of each step's sample at the A the step started from (the value the step descends). */
  readonly losses: number[];
  readonly reports: Report[];
}

export interface SingleSampleTraining {
  readonly sgd: SgdStep;
  /** Builds the feeds of sample i (the seed's `feed_dict={x_data: [x], y_target: [y]}`). */
  readonly sample: (i: number) => gg.Feeds;
  /** Which sample each step uses. */
  readonly picks: Int32Array;
  readonly A0: gg.Tensor;
  /** Print every this many steps. */
  readonly every: number;
  /** Bracket depth of the printed loss ([1] → 0 as the seed's regression output, [1, 1] → 2). */
  readonly lossDepth: number;
  readonly seed: number;
  readonly log: (line: string) => void;
}

/** The seed's loop: one SGD step per picked sample, printing A and the loss every `every` steps. */
export async function trainOnSingleSamples(t: SingleSampleTraining): Promise<RecipeResult> {
  let A = t.A0;
  const losses: number[] = [];
  const reports: Report[] = [];
  for (let i = 0; i < t.picks.length; i++) {
    const feeds = t.sample(t.picks[i] as number);
    const next = await t.sgd.step(A, feeds);
    A = next.A;
    losses.push(next.loss.item());
    if ((i + 1) % t.every === 0) {
      const loss = (await t.sgd.loss(A, feeds)).item();
      reports.push({ step: i + 1, A: A.item(), loss });
      t.log(`Step #${i + 1} A = [${formatFloat32(A.item())}]`);
      t.log(`Loss = ${formatNested(loss, t.lossDepth)}`);
    }
  }
  return { seed: t.seed, A0: t.A0.item(), A: A.item(), losses, reports };
}
