import { basename } from "node:path";
import * as dot from "../../dot/mlp.js";
import { linePlot } from "../../svg.js";
import { figure, table } from "../html.js";
import type { Demo } from "../types.js";

export const QUICK_EPOCHS = 20;

const norm = (t: { data: ArrayLike<number> } | undefined): number => Math.hypot(...Array.from(t?.data ?? []));

export const dotDemo: Demo = {
  id: "dot",
  title: "2-11-1 MLP on dot.csv, with and without L2 regularization (Peking University's TensorFlow course)",
  description:
    `300 points (x1, x2) from numpy.random.RandomState(2).randn(300, 2), class 1 inside the circle x1² + x2² < 2. A ReLU network trained by plain SGD (lr ${dot.LEARNING_RATE}, batches of ${dot.BATCH_SIZE}) from the same initial weights, once as is and once with ` +
    `${dot.REGULARIZER}·Σ l2Loss(w) added to the loss by the train step; the 0.5 contour of the output over the grid np.mgrid[-3:3:.1, -3:3:.1] is drawn with the points (marching squares).`,
  run: async ({ quick, backend, log, outDir, write }) => {
    const epochs = quick ? QUICK_EPOCHS : dot.DEFAULT_EPOCHS;
    const results = await dot.run({ epochs, backend, log, outDir, every: quick ? 10 : 100 });
    const rows = results.map((r) => [
      r.variant.title,
      (r.mse[r.mse.length - 1] as number).toFixed(4),
      (r.losses[r.losses.length - 1] as number).toFixed(4),
      `${(100 * r.accuracy).toFixed(1)}%`,
      norm(r.params["w1"]).toFixed(3),
      norm(r.params["w2"]).toFixed(3),
      r.wallSeconds.toFixed(2),
    ]);
    const mse = linePlot({
      title: "dot.csv: mean MSE per epoch",
      series: results.map((r) => ({ label: r.variant.l2 === undefined ? "no regularization" : `L2 ${r.variant.l2}`, values: r.mse })),
      xLabel: "epoch",
      yLabel: "MSE (log scale)",
      logY: true,
    });
    const body = [
      table(["variant", `MSE @${epochs}`, "printed loss (with L2: total)", "points on their side of 0.5", "‖w1‖", "‖w2‖", "wall time / s"], rows, `After ${epochs} epochs`),
      ...results.map((r) => figure(r.svg, `Decision boundary, ${r.variant.title.toLowerCase()}.`, basename(r.file ?? write(`${r.variant.id}.svg`, r.svg)))),
      figure(mse, "MSE per epoch.", write("dot-mse.svg", mse)),
    ];
    return { body, summary: `dot: points on their side of 0.5: ${results.map((r) => `${(100 * r.accuracy).toFixed(1)}% (${r.variant.l2 === undefined ? "plain" : "L2"})`).join(", ")}` };
  },
};
