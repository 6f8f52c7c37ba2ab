import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as gg from "../../src/index.js";
import { mulberry32 } from "../data/prng.js";
import { distinctSequences, encodeInputs, encodeTargets, MAX_LENGTH, MIN_LENGTH, predictedSymbols, reversedSymbols, type Sequence, showSymbols } from "./data.js";
import { seq2seq, seq2seqParams } from "./model.js";

/**
 * Seed 000's chatbot training, on a task small enough to learn in seconds: an LSTM encoder-decoder
 * (`model.ts`) learns to reverse sequences of 3-5 digits, trained through `gg.regression` exactly
 * as the chatbot is — `tflearn.regression(output, optimizer='sgd', loss='mean_square')` then
 * `DNN.fit` — with tflearn's other defaults (global-norm clipping at 5, shuffled batches).
 *
 * The learning rate is large (30) because tflearn's mean_square averages over every element: with
 * 5 positions × 11 symbols per example, each gradient is 1/55 of the per-example squared error's.
 *
 * `npm run seq2seq` (`-- --quick` for the small configuration, `--epochs N`, `--backend js`).
 */

export interface Seq2SeqConfig {
  readonly trainSize: number;
  readonly testSize: number;
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

export const FULL: Seq2SeqConfig = Object.freeze({ trainSize: 3000, testSize: 500, hidden: 64, epochs: 12, batchSize: 16, learningRate: 30 });
export const QUICK: Seq2SeqConfig = Object.freeze({ trainSize: 2000, testSize: 300, hidden: 64, epochs: 4, batchSize: 16, learningRate: 30 });

export interface Seq2SeqOptions {
  readonly config?: Seq2SeqConfig;
  readonly backend?: gg.Backend | "js" | "wasm";
  /** Seed of the data (sequences), the initial weights and the shuffles. Default 1. */
  readonly seed?: number;
  /** How many test reversals to show. Default 8. */
  readonly show?: number;
  readonly log?: (line: string) => void;
}

export interface Reversal {
  readonly input: Sequence;
  readonly expected: string;
  readonly predicted: string;
  readonly correct: boolean;
}

export interface Seq2SeqResult {
  readonly config: Seq2SeqConfig;
  readonly backend: string;
  /** Per epoch: training loss and accuracy (means over its batches), validation (held-out test) loss and accuracy. */
  readonly history: readonly { readonly epoch: number; readonly loss: number; readonly accuracy: number; readonly testLoss: number; readonly testAccuracy: number }[];
  /** On the held-out sequences: the fraction of positions (digits and padding) right, and of sequences entirely right. */
  readonly tokenAccuracy: number;
  readonly sequenceAccuracy: number;
  /** Sequence accuracy per input length (3, 4, 5). */
  readonly byLength: Readonly<Record<number, number>>;
  readonly examples: readonly Reversal[];
  readonly seconds: number;
}

export async function run(options: Seq2SeqOptions = {}): Promise<Seq2SeqResult> {
  const { config = FULL, seed = 1, show = 8, log = console.log } = options;
  const backend = options.backend ?? gg.wasm();
  const rng = mulberry32(seed);
  const train = distinctSequences(config.trainSize, rng);
  const test = distinctSequences(config.testSize, rng, new Set(train.map((s) => s.join(""))));
  const start = performance.now();

  const p = seq2seqParams(config.hidden);
  const net = gg.regression({
    model: (inputs) => seq2seq(inputs.ids, p),
    inputs: { ids: { shape: [null, MAX_LENGTH], dtype: "int32" } },
    params: p.specs,
    optimizer: "sgd",
    learningRate: config.learningRate,
    loss: "mean_square",
    batchSize: config.batchSize,
    seed,
    backend,
  });
  log(
    `Reversing ${MIN_LENGTH}-${MAX_LENGTH} digit sequences: LSTM encoder-decoder (hidden ${config.hidden}), ` +
      `gg.regression({ optimizer: 'sgd', learningRate: ${config.learningRate}, loss: 'mean_square' }), ` +
      `${config.trainSize} training / ${config.testSize} held-out sequences, ${config.epochs} epochs of batches of ${config.batchSize}`,
  );
  const testData = { ids: encodeInputs(test), targets: encodeTargets(test) };
  const fitted = await net.fit({ ids: encodeInputs(train), targets: encodeTargets(train) }, { epochs: config.epochs, validation: testData, progress: false, log, hooks: [epochLine(log)] });
  const history = fitted.history.map((h) => ({
    epoch: h.epoch,
    loss: h.train["loss"] as number,
    accuracy: h.train["accuracy"] as number,
    testLoss: h.validation?.["loss"] as number,
    testAccuracy: h.validation?.["accuracy"] as number,
  }));

  const outputs = await net.predict(testData.ids);
  let right = 0;
  let positions = 0;
  const byLengthRight: Record<number, number> = {};
  const byLengthCount: Record<number, number> = {};
  const examples: Reversal[] = [];
  test.forEach((s, r) => {
    const want = reversedSymbols(s);
    const got = predictedSymbols(outputs, r);
    const correct = got.every((v, t) => v === want[t]);
    positions += got.filter((v, t) => v === want[t]).length;
    if (correct) right++;
    byLengthRight[s.length] = (byLengthRight[s.length] ?? 0) + (correct ? 1 : 0);
    byLengthCount[s.length] = (byLengthCount[s.length] ?? 0) + 1;
    if (r < show) examples.push({ input: s, expected: showSymbols(want), predicted: showSymbols(got), correct });
  });
  const byLength: Record<number, number> = {};
  for (const [len, n] of Object.entries(byLengthCount)) byLength[Number(len)] = (byLengthRight[Number(len)] ?? 0) / n;
  const result: Seq2SeqResult = {
    config,
    backend: typeof backend === "string" ? backend : backend.name,
    history,
    tokenAccuracy: positions / (test.length * MAX_LENGTH),
    sequenceAccuracy: right / test.length,
    byLength,
    examples,
    seconds: (performance.now() - start) / 1000,
  };
  log("");
  log("held-out examples (input → reversed, '_' = padding):");
  for (const e of examples) log(`  ${e.input.join(" ").padEnd(9)} → ${e.predicted}   ${e.correct ? "✓" : `✗ (expected ${e.expected})`}`);
  log("");
  log(
    `sequence accuracy on ${test.length} held-out sequences: ${pct(result.sequenceAccuracy)} ` +
      `(length ${Object.entries(byLength).map(([l, a]) => `${l}: ${pct(a)}`).join(", ")}); per position: ${pct(result.tokenAccuracy)}; ${result.seconds.toFixed(1)} s on ${result.backend}`,
  );
  return result;
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** One line per epoch: the training loss and accuracy and the held-out ones. */
function epochLine(log: (line: string) => void): gg.Hook {
  return {
    name: "seq2seq.epochLine",
    onEpochEnd: (ctx) => {
      const v = ctx.validation ?? {};
      log(
        `epoch ${String(ctx.epoch).padStart(2)}/${ctx.epochs}  loss ${fmt(ctx.metrics["loss"])}  accuracy ${fmt(ctx.metrics["accuracy"])}  ` +
          `held-out loss ${fmt(v["loss"])}  accuracy ${fmt(v["accuracy"])}  (${ctx.seconds.toFixed(1)} s)`,
      );
    },
  };
}

const fmt = (v: number | undefined): string => (v === undefined ? "?" : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4));

export function parseSeq2SeqArgs(argv: readonly string[]): Seq2SeqOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { quick: { type: "boolean", default: false }, epochs: { type: "string" }, backend: { type: "string", default: "wasm" }, seed: { type: "string" } },
  });
  const base = values.quick ? QUICK : FULL;
  const epochs = values.epochs === undefined ? base.epochs : Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got '${values.epochs}'`);
  if (values.backend !== "wasm" && values.backend !== "js") throw new Error(`--backend must be wasm or js, got '${values.backend}'`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got '${values.seed}'`);
  return { config: { ...base, epochs }, backend: values.backend === "wasm" ? gg.wasm() : gg.js(), seed };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await run(parseSeq2SeqArgs(process.argv.slice(2)));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
