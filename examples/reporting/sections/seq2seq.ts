import { FULL, QUICK, run } from "../../seq2seq/reverse.js";
import { linePlot } from "../../svg.js";
import { figure, table } from "../html.js";
import type { Demo } from "../types.js";

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export const seq2seqDemo: Demo = {
  id: "seq2seq",
  title: "LSTM seq2seq learning to reverse digit sequences, through gg.regression (a tflearn chatbot's training)",
  description:
    "The training of a tflearn LSTM chatbot tutorial, on a task whose answers can be checked: an LSTM encoder reads 3 to 5 digits, an LSTM decoder started from its " +
    "final state feeds back its own previous output and emits the reversed sequence; trained with gg.regression({ optimizer: 'sgd', " +
    "loss: 'mean_square' }) on one-hot targets, as the chatbot is (tflearn.regression + DNN.fit), and scored on held-out sequences.",
  run: async ({ quick, backend, log, write }) => {
    const config = quick ? QUICK : FULL;
    const r = await run({ config, backend, log });
    const losses = linePlot({
      title: "seq2seq: mean-square loss per epoch",
      series: [
        { label: "training", values: r.history.map((h) => h.loss) },
        { label: "held-out", values: r.history.map((h) => h.testLoss) },
      ],
      xLabel: "epoch (from 0)",
      yLabel: "loss (log scale)",
      logY: true,
    });
    const accuracy = linePlot({
      title: "seq2seq: accuracy per position",
      series: [
        { label: "training", values: r.history.map((h) => h.accuracy) },
        { label: "held-out", values: r.history.map((h) => h.testAccuracy) },
      ],
      xLabel: "epoch (from 0)",
      yLabel: "accuracy",
    });
    const body = [
      table(
        ["training sequences", "held-out", "epochs", "hidden units", "sequence accuracy", ...Object.keys(r.byLength).map((l) => `length ${l}`), "per position", "wall time / s"],
        [[String(config.trainSize), String(config.testSize), String(config.epochs), String(config.hidden), pct(r.sequenceAccuracy), ...Object.values(r.byLength).map(pct), pct(r.tokenAccuracy), r.seconds.toFixed(1)]],
        "Held-out results",
      ),
      table(["input", "output", "expected", ""], r.examples.map((e) => [e.input.join(" "), e.predicted, e.expected, e.correct ? "✓" : "✗"]), "Held-out reversals ('_' = padding)"),
      figure(losses, "Loss per epoch.", write("seq2seq-loss.svg", losses)),
      figure(accuracy, "Accuracy per position per epoch.", write("seq2seq-accuracy.svg", accuracy)),
    ];
    return { body, summary: `seq2seq: ${pct(r.sequenceAccuracy)} of held-out sequences reversed exactly (${pct(r.tokenAccuracy)} of positions)` };
  },
};
