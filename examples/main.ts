import * as dot from "./dot/mlp.js";
import * as iris from "./iris/compare.js";
import { runRecipes } from "./recipes.js";

/**
 * `npm start`: runs graphgrad's demos in turn. Each entry says what it shows; later demos (the
 * iris comparison, the MLP, the PTB language model) are added to this list.
 */
interface Demo {
  readonly title: string;
  readonly description: string;
  readonly run: (log: (line: string) => void) => Promise<unknown>;
}

const DEMOS: readonly Demo[] = [
  {
    title: "Seed recipes (backpropagation)",
    description:
      "The two recipes of seed 004, trained by plain SGD written from gg.grad: each step is one run of " +
      "a compiled graph mapping (A, sample) to (A − lr·∂loss/∂A, loss) on the JS reference backend.",
    run: (log) => runRecipes({ log }),
  },
  {
    title: "Iris: five optimizers compared (seed 002 §五)",
    description:
      "A 4→3 softmax layer on the iris data (120 train / 30 test, seeded shuffle), 500 epochs of batches of 32 " +
      "with SGD, SGDM, Adagrad, RMSProp and Adam in the seed's hand-written forms; each train step " +
      "(forward, gradient, optimizer update) is one compiled graph.",
    run: (log) => iris.run({ log }),
  },
  {
    title: "2-11-1 MLP on dot.csv, with and without L2 (seed 002 §四)",
    description:
      "A ReLU network trained by plain SGD (lr 0.005, 800 epochs), once as is and once with 0.03·Σ l2Loss(w) " +
      "added to the loss by the train step; the 0.5 contour of each is written as an SVG (marching squares).",
    run: (log) => dot.run({ log }),
  },
];

const log = (line: string): void => console.log(line);
log("graphgrad demos: machine-learning models as pure, immutable expression graphs.");
for (const [i, demo] of DEMOS.entries()) {
  log("");
  log(`== ${i + 1}/${DEMOS.length}. ${demo.title} ==`);
  log(demo.description);
  log("");
  const start = performance.now();
  await demo.run(log);
  log(`(${((performance.now() - start) / 1000).toFixed(2)} s)`);
}
