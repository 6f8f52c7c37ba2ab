import { loadBrownPtb } from "../../ptb/brown.js";
import { getPtbConfig } from "../../ptb/configs.js";
import { runPtb, type StepRecord } from "../../ptb/train.js";
import { linePlot } from "../../svg.js";
import { figure, paragraph, table } from "../html.js";
import type { Demo } from "../types.js";

/**
 * A short run of the TensorFlow PTB tutorial's model (config 'small') on the Brown corpus preprocessed as PTB:
 * `maxSteps` training steps of the first epoch (learning rate 1.0, clipping at global norm 5),
 * the validation perplexity every `evalEvery` steps on the first `validSteps` batches of the
 * validation split (the whole split takes minutes), no test pass.
 */
export interface PtbDemoConfig {
  readonly maxSteps: number;
  readonly evalEvery: number;
  readonly validSteps: number;
}

export const FULL: PtbDemoConfig = Object.freeze({ maxSteps: 200, evalEvery: 25, validSteps: 10 });
export const QUICK: PtbDemoConfig = Object.freeze({ maxSteps: 4, evalEvery: 2, validSteps: 1 });

export function ptbDemo(configs: { readonly full: PtbDemoConfig; readonly quick: PtbDemoConfig } = { full: FULL, quick: QUICK }): Demo {
  return {
    id: "ptb",
    title: "PTB LSTM language model (TensorFlow 1's PTB tutorial), config 'small', on Brown",
    description:
      "The tutorial's (ptb_word_lm.py) 2-layer LSTM language model (200 units, 20 unrolled steps, batch 20, vocabulary 10,000, uniform ±0.1 init, SGD at " +
      "learning rate 1.0 with gradients clipped to global norm 5, the LSTM state carried from batch to batch) on the Brown corpus " +
      "preprocessed into PTB-style files; each training step is one compiled graph. A short run: the first steps of epoch 1.",
    run: async ({ quick, backend, log, write }) => {
      const c = quick ? configs.quick : configs.full;
      const model = getPtbConfig("small");
      const data = loadBrownPtb();
      // ptb_iterator over n ids gives ⌊(⌊n / batch⌋ − 1) / steps⌋ batches: this many ids give `validSteps`.
      const validIds = model.batchSize * (model.numSteps * c.validSteps + 1);
      const steps: StepRecord[] = [];
      const start = performance.now();
      const r = await runPtb({
        config: model,
        data: { train: data.train, valid: data.valid.subarray(0, validIds), test: data.test },
        backend,
        maxSteps: c.maxSteps,
        maxEpochs: 1,
        evalEvery: c.evalEvery,
        skipTest: true,
        log,
        onStep: (s) => steps.push(s),
      });
      const seconds = (performance.now() - start) / 1000;
      const epoch = r.epochs[0];
      if (epoch === undefined) throw new Error("ptb: no epoch was run");
      const batch = steps.map((s) => Math.exp(s.cost / model.numSteps));
      let total = 0;
      const running = steps.map((s, i) => Math.exp((total += s.cost) / (model.numSteps * (i + 1))));
      const valid = steps.map((s) => r.validHistory.find((v) => v.step === s.step)?.perplexity ?? Number.NaN);
      const plot = linePlot({
        title: `PTB small on Brown: perplexity over the first ${steps.length} steps`,
        series: [
          { label: "batch", values: batch },
          { label: "running (epoch)", values: running },
          { label: "validation", values: valid },
        ],
        xLabel: "training step (from 0)",
        yLabel: "perplexity (log scale)",
        logY: true,
      });
      const body = [
        paragraph(
          `Data: ${data.train.length.toLocaleString("en")} / ${data.valid.length.toLocaleString("en")} / ${data.test.length.toLocaleString("en")} ` +
            `train / valid / test ids; validation here on the first ${c.validSteps} batches (${validIds.toLocaleString("en")} ids). Full runs: npm run ptb.`,
        ),
        table(
          ["steps", "words", "train perplexity (running)", "last validation perplexity", "words / s (training)", "wall time / s"],
          [[String(r.steps), String(r.steps * model.batchSize * model.numSteps), epoch.trainPerplexity.toFixed(1), epoch.validPerplexity.toFixed(1), epoch.wps.toFixed(0), seconds.toFixed(1)]],
          "Short run, epoch 1 (learning rate 1.0)",
        ),
        table(["step", "validation perplexity"], r.validHistory.map((v) => [String(v.step), v.perplexity.toFixed(1)]), "Validation during training"),
        figure(plot, "Perplexity of each batch, of the epoch so far, and on the validation batches.", write("ptb-perplexity.svg", plot)),
      ];
      return {
        body,
        summary: `ptb: ${r.steps} steps of config small, train perplexity ${epoch.trainPerplexity.toFixed(1)}, validation ${epoch.validPerplexity.toFixed(1)}, ${epoch.wps.toFixed(0)} words/s`,
      };
    },
  };
}
