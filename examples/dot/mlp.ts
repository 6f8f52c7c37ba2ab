import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { batchRanges } from "../data/batches.js";
import { type DotData, readDot } from "../data/dot.js";
import { sliceRows, toTensor } from "../data/matrix.js";
import { joinSegments, marchingSquares, type Point } from "./marching-squares.js";
import { dotModel, initialParams } from "./model.js";
import { decisionBoundarySvg } from "./plot.js";

/**
 * Seed 002 §四: the 2-11-1 ReLU network on dot.csv (300 points), MSE, plain SGD lr 0.005, 800
 * epochs of batches of 32 in file order (as tf.data's .batch(32): nine of 32, one of 12), without
 * and with L2 regularization 0.03 on w1 and w2. Both runs start from the same initial weights (one
 * explicit key), so that the pictures differ by the regularization only. Every 20 epochs the loss
 * of the epoch's last batch is printed as the seed does (`epoch: 0 loss: ...`; with L2 it is the
 * total, MSE + 0.03·Σ l2Loss). Then the output is evaluated on the seed's grid
 * (np.mgrid[-3:3:.1, -3:3:.1], 60 × 60 points) and its 0.5 contour drawn over the points as SVG.
 * `npm run dot` (or `npx tsx examples/dot/mlp.ts [epochs] [outDir]`).
 */
export const LEARNING_RATE = 0.005;
export const DEFAULT_EPOCHS = 800;
export const BATCH_SIZE = 32;
export const REGULARIZER = 0.03;
export const INIT_SEED = 1;
export const LEVEL = 0.5;
/** The seed's grid: -3, -2.9, ..., 2.9 on each axis (np.mgrid's stop is excluded). */
export const GRID: readonly number[] = Array.from({ length: 60 }, (_, i) => Math.round((-3 + 0.1 * i) * 10) / 10);

export interface Variant {
  /** File-name-safe identifier. */
  readonly id: string;
  readonly title: string;
  readonly l2?: number;
}

export const SEED_VARIANTS: readonly Variant[] = [
  { id: "dot-without-regularization", title: "Without Regularization" },
  { id: "dot-with-l2", title: `With Regularization (L2 ${REGULARIZER})`, l2: REGULARIZER },
];

export interface DotOptions {
  readonly epochs?: number;
  readonly variants?: readonly Variant[];
  /** Folder for the SVGs (created if missing; default "report", relative to the working directory). null: write nothing. */
  readonly outDir?: string | null;
  readonly log?: (line: string) => void;
  /** Print every this many epochs (default 20, as the seed). */
  readonly every?: number;
  readonly initSeed?: number;
  readonly data?: DotData;
  readonly backend?: gg.Backend | "js";
}

export interface VariantResult {
  readonly variant: Variant;
  /** Per epoch, the loss of its last batch (what the seed prints; the total loss with L2). */
  readonly losses: number[];
  /** Per epoch, the mean MSE over its batches (no regularization term). */
  readonly mse: number[];
  /** The printed (epoch, loss) pairs. */
  readonly reports: { epoch: number; loss: number }[];
  /** The output on the grid, values[i·60 + j] at (GRID[i], GRID[j]). */
  readonly field: Float32Array;
  readonly contour: Point[][];
  /** Fraction of the 300 points on their class's side of 0.5. */
  readonly accuracy: number;
  readonly wallSeconds: number;
  /** The trained parameters. */
  readonly params: Readonly<Record<string, gg.Tensor>>;
  readonly svg: string;
  /** Where the SVG was written (undefined with outDir null). */
  readonly file?: string;
}

export async function run(options: DotOptions = {}): Promise<VariantResult[]> {
  const { epochs = DEFAULT_EPOCHS, variants = SEED_VARIANTS, log = console.log, every = 20, backend } = options;
  const outDir = options.outDir === undefined ? "report" : options.outDir;
  const data = options.data ?? readDot();
  const init = await initialParams(gg.random.key(options.initSeed ?? INIT_SEED));
  const batches = batchRanges(data.x.rows, BATCH_SIZE).map(({ start, end }) => ({
    x: toTensor(sliceRows(data.x, start, end)),
    label: toTensor(sliceRows(data.y, start, end)),
  }));
  const gridX = toTensor({ rows: GRID.length ** 2, cols: 2, data: Float32Array.from(GRID.flatMap((a) => GRID.flatMap((b) => [a, b]))) });

  const results: VariantResult[] = [];
  for (const variant of variants) {
    const t0 = performance.now();
    log(`${variant.title}: 2-11-1 ReLU network, SGD lr ${LEARNING_RATE}, ${epochs} epochs, batch ${BATCH_SIZE}`);
    const model = dotModel();
    const step = await gg.trainStep({
      loss: model.mse,
      optimizer: gg.optim.sgd({ lr: LEARNING_RATE }),
      regularization: variant.l2 === undefined ? undefined : { l2: variant.l2 },
      backend,
    });
    const predict = await step.evaluator({ y: model.output });
    let state = await step.init(init);
    const losses: number[] = [];
    const mse: number[] = [];
    const reports: { epoch: number; loss: number }[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      let mseSum = 0;
      let last = Number.NaN;
      for (const batch of batches) {
        const [next, m] = await step.run(state, batch);
        state = next;
        mseSum += m["loss"] as number;
        last = m["totalLoss"] ?? (m["loss"] as number);
      }
      losses.push(last);
      mse.push(mseSum / batches.length);
      if (every > 0 && epoch % every === 0) {
        reports.push({ epoch, loss: last });
        log(`epoch: ${epoch} loss: ${last}`);
      }
    }
    const field = (await predict(state, { x: gridX }))["y"]?.data as Float32Array;
    const fit = (await predict(state, { x: toTensor(data.x) }))["y"]?.data as Float32Array;
    let right = 0;
    fit.forEach((v, r) => (right += (v >= LEVEL) === ((data.y.data[r] as number) !== 0) ? 1 : 0));
    const contour = joinSegments(marchingSquares({ xs: GRID, ys: GRID, values: field }, LEVEL));
    const svg = decisionBoundarySvg({ title: variant.title, x: data.x, y: data.y, contour });
    let file: string | undefined;
    if (outDir !== null) {
      mkdirSync(outDir, { recursive: true });
      file = resolve(outDir, `${variant.id}.svg`);
      writeFileSync(file, svg);
    }
    const accuracy = right / data.x.rows;
    const wallSeconds = (performance.now() - t0) / 1000;
    log(`${variant.title}: points on the right side of 0.5: ${(100 * accuracy).toFixed(1)}%, ${wallSeconds.toFixed(2)} s${file === undefined ? "" : `, decision boundary: ${file}`}`);
    log("");
    results.push({ variant, losses, mse, reports, field, contour, accuracy, wallSeconds, params: state.params, svg, file });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [epochs, outDir] = process.argv.slice(2);
  await run({ ...(epochs === undefined ? {} : { epochs: Number(epochs) }), ...(outDir === undefined ? {} : { outDir }) });
}
