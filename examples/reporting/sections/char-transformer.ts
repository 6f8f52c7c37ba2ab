import { readFileSync } from "node:fs";
import { type CharTransformerConfig, FULL as FULL_RUN } from "../../char-transformer/config.js";
import { loadBrownChars } from "../../char-transformer/data.js";
import { describeConfig } from "../../char-transformer/main.js";
import { parseRunRecord, type RunRecord } from "../../char-transformer/record.js";
import { sampleText } from "../../char-transformer/sample.js";
import { trainCharTransformer } from "../../char-transformer/train.js";
import { el, linePlot, text } from "../../svg.js";
import { figure, paragraph, table } from "../html.js";
import type { Demo } from "../types.js";

/**
 * The character-level Transformer on Brown: a short live run of a small model (a minute would
 * not reach the full run's figures), and the figures of the full run (`npm run char-transformer`,
 * about 10 minutes) read from the record it wrote, `examples/char-transformer/full-run.json`.
 */
export const LIVE: CharTransformerConfig = Object.freeze({ ...FULL_RUN, dim: 64, mlpDim: 256, steps: 150, warmupSteps: 15, evalEvery: 50, validChars: 8192 });
export const QUICK: CharTransformerConfig = Object.freeze({ ...LIVE, steps: 4, warmupSteps: 1, evalEvery: 2, validChars: 1024 });
export const SAMPLE_LENGTH = 120;

export const FULL_RUN_RECORD = new URL("../../char-transformer/full-run.json", import.meta.url);

export function readFullRun(): RunRecord {
  return parseRunRecord(readFileSync(FULL_RUN_RECORD, "utf8"));
}

/** The mean of the last `window` values at each step (the training curve is noisy from batch to batch). */
export function movingAverage(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v - (i >= window ? (values[i - window] as number) : 0);
    return sum / Math.min(i + 1, window);
  });
}

/** Training bits per character (averaged over 10 steps) and validation bits at the steps it was measured. */
function curves(trainBits: readonly number[], validation: readonly { readonly step: number; readonly bits: number }[], title: string): string {
  const valid = trainBits.map((_, i) => validation.find((v) => v.step === i + 1)?.bits ?? Number.NaN);
  return linePlot({
    title,
    series: [
      { label: "training (10-step mean)", values: movingAverage(trainBits, 10) },
      { label: "validation", values: valid },
    ],
    xLabel: "training step",
    yLabel: "bits per character",
  });
}

const pre = (s: string): string => el("pre", {}, [text(s)]);

export const charTransformerDemo: Demo = {
  id: "char-transformer",
  title: "Character-level Transformer language model on Brown",
  description:
    "A GPT-style decoder (token embeddings plus sinusoidal positions, pre-norm Transformer blocks with causal multi-head attention and a GELU MLP, " +
    "parameters named by gg.nn.scope) predicting the next character of the Brown corpus, trained with AdamW on a warm-up + cosine learning-rate " +
    "schedule, gradients clipped by global norm; each training step is one compiled graph. Text is sampled from the model with a temperature and a fixed key.",
  run: async ({ quick, backend, log, write }) => {
    const c = quick ? QUICK : LIVE;
    const data = loadBrownChars();
    const r = await trainCharTransformer({ config: c, data, backend, log });
    const prompt = "the ";
    const sample = await sampleText(r.params, r.state.params, data.vocab, c.contextLength, { prompt, length: quick ? 20 : SAMPLE_LENGTH, temperature: 0.8, seed: 0, backend });
    const live = r.validation[r.validation.length - 1];
    const full = readFullRun();
    const fullValid = full.validation[full.validation.length - 1];
    const livePlot = curves(r.steps.map((s) => s.bits), r.validation, `Short run: ${c.steps} steps`);
    const fullPlot = curves(full.trainBits, full.validation, `Full run: ${full.config.steps} steps`);
    const body = [
      paragraph(`Data: the PTB example's Brown sentences as characters, ${data.train.length.toLocaleString("en")} / ${data.valid.length.toLocaleString("en")} train / validation characters, ${data.vocab.chars.length} distinct.`),
      table(
        ["run", "parameters", "steps", "characters seen", "validation bits/char", "wall time / s", "load average"],
        [
          ["this short run", r.parameterCount.toLocaleString("en"), String(r.steps.length), (r.steps.length * c.batchSize * c.contextLength).toLocaleString("en"), live?.bits.toFixed(3) ?? "—", r.seconds.toFixed(1), "—"],
          [
            `full run, ${full.date} (stored)`,
            full.parameterCount.toLocaleString("en"),
            String(full.trainBits.length),
            (full.trainBits.length * full.config.batchSize * full.config.contextLength).toLocaleString("en"),
            fullValid?.bits.toFixed(3) ?? "—",
            full.seconds.toFixed(0),
            `${full.load.start.toFixed(1)} → ${full.load.end.toFixed(1)}`,
          ],
        ],
        "Validation bits per character (the mean cross-entropy, base 2, over every position of whole windows at the start of the validation text)",
      ),
      paragraph(`Short run: ${describeConfig(c, data.vocab.chars.length)}.`),
      paragraph(`Full run (npm run char-transformer): ${describeConfig(full.config, full.vocabSize)}; ${full.machine.cpus} × ${full.machine.cpu}, ${full.machine.backend} backend.`),
      figure(livePlot, "Short run: bits per character.", write("char-transformer-short.svg", livePlot)),
      figure(fullPlot, "Full run: bits per character.", write("char-transformer-full.svg", fullPlot)),
      paragraph(`Sample of the short run (temperature 0.8, key 0), after the prompt "${prompt}":`),
      pre(prompt + sample),
      ...(full.sample === null ? [] : [paragraph(`Sample of the full run (temperature ${full.sample.temperature}, key ${full.sample.seed}):`), pre(full.sample.prompt + full.sample.text)]),
    ];
    return { body, summary: `char-transformer: ${live?.bits.toFixed(3)} validation bits/char after ${r.steps.length} short steps (the full run: ${fullValid?.bits.toFixed(3)} after ${full.trainBits.length})` };
  },
};
