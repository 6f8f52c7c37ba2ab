import * as iris from "../../iris/compare.js";
import { linePlot } from "../../svg.js";
import { figure, table } from "../html.js";
import type { Demo } from "../types.js";

export const QUICK_EPOCHS = 20;

export const irisDemo: Demo = {
  id: "iris",
  title: "Iris: five optimizers compared (Peking University's TensorFlow course)",
  description:
    "A 4→3 softmax layer on the iris data (120 train / 30 test, seeded shuffle), batches of 32, trained from the same initial " +
    "weights with SGD, SGDM, Adagrad, RMSProp and Adam in the course's hand-written forms; each train step (forward, gradient, " +
    "optimizer update) is one compiled graph. The loss is the course's MSE between one-hot labels and softmax outputs.",
  run: async ({ quick, backend, log, write }) => {
    const epochs = quick ? QUICK_EPOCHS : iris.DEFAULT_EPOCHS;
    const r = await iris.run({ epochs, backend, log, every: quick ? 10 : 100 });
    const rows = r.runs.map((o) => [
      o.name,
      o.rule,
      o.wallSeconds.toFixed(2),
      o.finalLoss.toFixed(4),
      o.finalAccuracy.toFixed(4),
      o.firstPerfectEpoch === null ? "—" : String(o.firstPerfectEpoch),
    ]);
    const loss = linePlot({
      title: `Iris: training loss per epoch (${epochs} epochs)`,
      series: r.runs.map((o) => ({ label: o.name, values: o.losses })),
      xLabel: "epoch",
      yLabel: "loss (MSE, log scale)",
      logY: true,
    });
    const accuracy = linePlot({
      title: "Iris: test accuracy after each epoch",
      series: r.runs.map((o) => ({ label: o.name, values: o.accuracies })),
      xLabel: "epoch",
      yLabel: "test accuracy",
    });
    const body = [
      table(["optimizer", "update rule", "wall time / s", `loss @${epochs}`, "test acc", "first epoch acc = 1.0"], rows, "The course's comparison table"),
      figure(loss, "Loss per epoch for each optimizer.", write("iris-loss.svg", loss)),
      figure(accuracy, "Test accuracy per epoch.", write("iris-accuracy.svg", accuracy)),
    ];
    const fastest = [...r.runs].filter((o) => o.firstPerfectEpoch !== null).sort((a, b) => (a.firstPerfectEpoch as number) - (b.firstPerfectEpoch as number))[0];
    const best = [...r.runs].sort((a, b) => a.finalLoss - b.finalLoss)[0];
    return {
      body,
      summary:
        `iris: ${epochs} epochs × 5 optimizers; lowest final loss ${best?.name} (${best?.finalLoss.toFixed(4)})` +
        (fastest === undefined ? ", no optimizer reached test accuracy 1.0" : `; first to test accuracy 1.0: ${fastest.name} (epoch ${fastest.firstPerfectEpoch})`),
    };
  },
};
