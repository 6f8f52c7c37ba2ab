import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import * as gg from "../../src/index.js";
import { loadMnist, type MnistSplit } from "./data.js";
import { cnnModel, type CnnModel, DROPOUT_KEY } from "./model.js";
import { FULL, type MnistConfig } from "./config.js";
import { MNIST_USAGE, parseMnistArgs } from "./options.js";
import { recordOf } from "./record.js";

/**
 * Trains the CNN of `model.ts` on the 8,000 training digits of `data.ts` and measures it on the
 * 2,000 held-out ones: Adam (β1 0.9, β2 0.999, ε 1e-8) with a learning rate falling from 0.003
 * to 0 along a half cosine over the run (optax's cosine_decay_schedule), batches of 64 in a new
 * seeded order every epoch (8,000 = 125 × 64: no smaller last batch), mean softmax cross-entropy,
 * initial values from `gg.random.key(seed)`, the dropout masks of step s from the key [s, seed].
 * Each train step (forward, gradient, Adam update) is one compiled graph. After every epoch the
 * whole test set is evaluated (loss and accuracy; nothing is chosen on it: the run is fixed in
 * advance). `npm run mnist` (`-- --help` for the options).
 */
export interface MnistEpoch {
  readonly epoch: number;
  /** Means over the epoch's batches. */
  readonly loss: number;
  readonly accuracy: number;
  /** On the held-out test images, after the epoch. */
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Wall time of the epoch, its test pass included. */
  readonly seconds: number;
}

export interface MnistResult {
  readonly config: MnistConfig;
  readonly backend: string;
  readonly trainSize: number;
  readonly testSize: number;
  readonly history: readonly MnistEpoch[];
  /** The training loss of every step. */
  readonly stepLosses: readonly number[];
  readonly testAccuracy: number;
  /** Training and test passes, without loading the data. */
  readonly seconds: number;
  readonly model: CnnModel;
  readonly params: Readonly<Record<string, gg.Tensor>>;
}

export interface MnistOptions {
  readonly config?: MnistConfig;
  readonly backend?: gg.Backend;
  readonly data?: MnistSplit;
  readonly log?: (line: string) => void;
  /** fit's progress bar on a terminal (default false). */
  readonly progress?: boolean;
}

export async function runMnist(options: MnistOptions = {}): Promise<MnistResult> {
  const { config = FULL, backend = gg.wasm(), log = console.log } = options;
  const data = options.data ?? loadMnist();
  const allTrain = gg.data.dataset({ images: data.train.images, labels: data.train.labels });
  const allTest = gg.data.dataset({ images: data.test.images, labels: data.test.labels });
  const train = config.trainLimit === undefined ? allTrain : allTrain.shuffle(config.seed).take(config.trainLimit);
  const test = config.testLimit === undefined ? allTest : allTest.shuffle(config.seed).take(config.testLimit);
  const model = cnnModel();
  const totalSteps = config.epochs * train.numBatches(config.batchSize);
  const step = await gg.trainStep({
    loss: model.trainLoss,
    // The learning rate falls from its initial value to 0 along a half cosine over the whole run.
    optimizer: gg.optim.adam({ lr: gg.schedules.cosineDecay({ initial: config.learningRate, decaySteps: totalSteps }), b1: 0.9, b2: 0.999, eps: 1e-8 }),
    metrics: { accuracy: model.trainAccuracy },
    backend,
    donate: true,
  });
  const initial = await step.init(await gg.init.values(model.params.specs, gg.random.key(config.seed), { backend }));
  const stepLosses: number[] = [];
  const history: MnistEpoch[] = [];
  log(`CNN on ${train.size} training digits, ${test.size} held out; ${config.epochs} epoch${config.epochs === 1 ? "" : "s"} of batches of ${config.batchSize}, Adam lr ${config.learningRate} with cosine decay, seed ${config.seed}, backend ${backend.name}`);
  const start = performance.now();
  const { state } = await gg.fit(step, initial, {
    train,
    batchSize: config.batchSize,
    epochs: config.epochs,
    shuffle: { seed: config.seed },
    validation: { data: test, batchSize: 500, metrics: { loss: model.loss, accuracy: model.accuracy } },
    progress: options.progress ?? false,
    log,
    hooks: [
      {
        // A new dropout key every step: [the step's number from 1, the seed].
        feeds: (ctx) => ({ [DROPOUT_KEY]: gg.tensorFrom([ctx.state.step + 1, config.seed], "int32") }),
        onStepEnd: (ctx) => void stepLosses.push(ctx.metrics["loss"] as number),
        onEpochEnd: (ctx) => {
          const e: MnistEpoch = {
            epoch: ctx.epoch,
            loss: ctx.metrics["loss"] as number,
            accuracy: ctx.metrics["accuracy"] as number,
            testLoss: ctx.validation?.["loss"] as number,
            testAccuracy: ctx.validation?.["accuracy"] as number,
            seconds: ctx.seconds,
          };
          history.push(e);
          ctx.log(
            `epoch ${e.epoch}/${config.epochs}: train loss ${e.loss.toFixed(4)} accuracy ${(100 * e.accuracy).toFixed(2)}%, ` +
              `test loss ${e.testLoss.toFixed(4)} accuracy ${(100 * e.testAccuracy).toFixed(2)}% (${e.seconds.toFixed(1)} s)`,
          );
        },
      },
    ],
  });
  const seconds = (performance.now() - start) / 1000;
  const last = history[history.length - 1];
  if (last === undefined) throw new Error("mnist: no epoch was run");
  return { config, backend: backend.name, trainSize: train.size, testSize: test.size, history, stepLosses, testAccuracy: last.testAccuracy, seconds, model, params: state.params };
}

/** The trained CNN's inference graph (logits and probabilities of "images") as an ONNX file. */
export function exportOnnx(r: Pick<MnistResult, "model" | "params">): Uint8Array {
  return gg.onnx.export({ logits: r.model.logits, probabilities: gg.softmax(r.model.logits) }, { params: r.params, name: "mnist-cnn" });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let cli;
  try {
    cli = parseMnistArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  if (cli.help) {
    console.log(MNIST_USAGE);
    process.exit(0);
  }
  // The model as Keras's summary() shows one: parameters, totals, graph and peak memory at the batch size.
  console.log(String(await gg.nn.summary(cnnModel().logits, { dims: { batch: cli.config.batchSize } })));
  console.log("");
  const loadBefore = loadavg()[0] ?? 0;
  const r = await runMnist({ config: cli.config, backend: cli.backend === "js" ? gg.js() : gg.wasm(cli.threads === undefined ? {} : { threads: cli.threads }), progress: process.stdout.isTTY });
  console.log(`held-out test accuracy ${(100 * r.testAccuracy).toFixed(2)}% on ${r.testSize} digits; ${r.seconds.toFixed(1)} s (${(r.seconds / 60).toFixed(2)} min) for ${r.stepLosses.length} steps and ${r.history.length} pass${r.history.length === 1 ? "" : "es"} over the test digits`);
  if (cli.json !== undefined) {
    writeFileSync(cli.json, `${JSON.stringify(recordOf(r, loadBefore), null, 2)}\n`);
    console.log(`results written to ${cli.json}`);
  }
  if (cli.onnx !== undefined) {
    writeFileSync(cli.onnx, exportOnnx(r));
    console.log(`ONNX model written to ${cli.onnx} (input "images" float32 [batch, 28, 28, 1]; outputs "logits", "probabilities")`);
  }
}
