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
