import { FULL, type MnistConfig } from "../../mnist/config.js";
import { FULL_RUN, type MnistRecord, readRecord } from "../../mnist/record.js";
import { runMnist } from "../../mnist/train.js";
import { linePlot } from "../../svg.js";
import { figure, paragraph, table } from "../html.js";
import type { Demo } from "../types.js";

/**
 * The CNN on handwritten digits: a short run here (the full one takes minutes), and the full run's
 * figures as `npm run mnist -- --json examples/mnist/full-run.json` recorded them.
 */
export const SHORT: MnistConfig = Object.freeze({ ...FULL, epochs: 2, trainLimit: 2000 });
export const QUICK: MnistConfig = Object.freeze({ ...FULL, epochs: 1, trainLimit: 256, testLimit: 200 });

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** Every `n` consecutive values averaged (the last group may be smaller). */
function averages(values: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += n) {
    const group = values.slice(i, i + n);
    out.push(group.reduce((a, b) => a + b, 0) / group.length);
  }
  return out;
}

function recordedBody(rec: MnistRecord, write: (name: string, content: string) => string): string[] {
  const c = rec.config;
  // Five points an epoch: the training loss averaged over each fifth of it; the held-out loss at the epoch's last point.
  const group = Math.round(rec.stepLosses.length / rec.history.length / 5);
  const training = averages(rec.stepLosses, group);
  const heldOut = training.map((_, i) => ((i + 1) % 5 === 0 ? (rec.history[(i + 1) / 5 - 1]?.testLoss ?? Number.NaN) : Number.NaN));
  const curve = linePlot({
    title: "MNIST CNN, recorded full run: cross-entropy",
    series: [
      { label: "training", values: training },
      { label: "held-out", values: heldOut },
    ],
    xLabel: "fifth of an epoch",
    yLabel: "cross-entropy (log scale)",
    logY: true,
  });
  return [
    paragraph(
      `Full run (${c.epochs} epochs of ${rec.trainSize.toLocaleString("en")} digits, batch ${c.batchSize}, Adam from learning rate ${c.learningRate} with cosine decay, seed ${c.seed}, ${rec.backend} backend), ` +
        `recorded by npm run mnist on ${rec.machine.date} (Node ${rec.machine.node}, ${rec.machine.cpus} × ${rec.machine.cpu}, load average ${rec.machine.loadBefore} before and ${rec.machine.loadAfter} after): ` +
        `held-out test accuracy ${pct(rec.testAccuracy)} on ${rec.testSize.toLocaleString("en")} digits in ${(rec.seconds / 60).toFixed(1)} minutes.`,
    ),
    table(
      ["epoch", "training loss", "training accuracy", "held-out loss", "held-out accuracy", "seconds"],
      rec.history.map((e) => [String(e.epoch), e.loss.toFixed(4), pct(e.accuracy), e.testLoss.toFixed(4), pct(e.testAccuracy), e.seconds.toFixed(1)]),
      "Recorded full run, per epoch (training figures with dropout, averaged over the epoch)",
    ),
    figure(curve, `Training loss (means of ${group} steps, five points an epoch) and held-out loss after each epoch, recorded.`, write("mnist-full-run-loss.svg", curve)),
  ];
}

export const mnistDemo: Demo = {
  id: "mnist",
  title: "A CNN on handwritten digits (MNIST, 10,000 digits of the npm package mnist)",
  description:
    "Two 3×3 convolutions (32 and 64 channels, ReLU) each followed by 2×2 max pooling, dropout, a dense layer of 128 and 10 logits, written with gg.conv and gg.maxPool " +
    "(channels last) and trained with Adam on 8,000 digits; each train step is one compiled graph. The last 200 images of each digit are held out.",
  run: async ({ quick, backend, log, write }) => {
    const config = quick ? QUICK : SHORT;
    const r = await runMnist({ config, backend, log });
    const body = [
      table(
        ["training digits", "held-out digits", "epochs", "steps", "held-out accuracy", "wall time / s"],
        [[String(r.trainSize), String(r.testSize), String(config.epochs), String(r.stepLosses.length), pct(r.testAccuracy), r.seconds.toFixed(1)]],
        "Short run (this report)",
      ),
      ...recordedBody(readRecord(FULL_RUN), write),
    ];
    return { body, summary: `mnist: ${r.stepLosses.length} steps on ${r.trainSize} digits, held-out accuracy ${pct(r.testAccuracy)}` };
  },
};
