import { commandLine } from "../cli.js";
import { FULL, type MnistConfig } from "./config.js";

/** The command line of `npm run mnist -- [options]`. */
export interface MnistCliOptions {
  readonly config: MnistConfig;
  /** `--backend wasm|js` (default wasm). */
  readonly backend: "wasm" | "js";
  /** `--threads N`: the WASM backend's threads (default: the machine's parallelism, at most 8). */
  readonly threads: number | undefined;
  /** `--json FILE`: where to write the run's figures. */
  readonly json: string | undefined;
  /** `--onnx FILE`: where to write the trained model as ONNX. */
  readonly onnx: string | undefined;
  readonly help: boolean;
}

export const MNIST_USAGE = `usage: npm run mnist -- [options]

  --epochs N         epochs (default ${FULL.epochs})
  --batch-size N     examples per step (default ${FULL.batchSize})
  --lr X             Adam's initial learning rate, decayed to 0 along a half cosine (default ${FULL.learningRate})
  --seed N           seed of the initial values and the shuffles (default ${FULL.seed})
  --train-limit N    train on N of the 8,000 training digits (drawn at random)
  --test-limit N     evaluate on N of the 2,000 test digits (drawn at random)
  --backend NAME     wasm | js (default wasm)
  --threads N        threads of the wasm backend (default: the machine's, at most 8)
  --json FILE        write the configuration, the per-epoch figures and every step's loss to FILE
  --onnx FILE        write the trained model's inference graph to FILE (ONNX)
  --help             this text`;

const cli = commandLine(MNIST_USAGE);

/** Parses the arguments after `npm run mnist --`; throws an Error with the usage on anything unknown or invalid. */
export function parseMnistArgs(argv: readonly string[]): MnistCliOptions {
  const values = cli.parse(argv, {
    epochs: { type: "string" },
    "batch-size": { type: "string" },
    lr: { type: "string" },
    seed: { type: "string" },
    "train-limit": { type: "string" },
    "test-limit": { type: "string" },
    backend: { type: "string", default: "wasm" },
    threads: { type: "string" },
    json: { type: "string" },
    onnx: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const backend = cli.backend(values.backend);
  const lr = values.lr === undefined ? FULL.learningRate : cli.positive("lr", values.lr);
  const trainLimit = cli.integer("train-limit", values["train-limit"], 1, 8000);
  const testLimit = cli.integer("test-limit", values["test-limit"], 1, 2000);
  const config: MnistConfig = {
    epochs: cli.integer("epochs", values.epochs, 1, 1000) ?? FULL.epochs,
    batchSize: cli.integer("batch-size", values["batch-size"], 1, 8000) ?? FULL.batchSize,
    learningRate: lr,
    seed: cli.integer("seed", values.seed, 0, 2 ** 31 - 1) ?? FULL.seed,
    ...(trainLimit === undefined ? {} : { trainLimit }),
    ...(testLimit === undefined ? {} : { testLimit }),
  };
  return { config, backend, threads: cli.integer("threads", values.threads, 1, 64), json: values.json, onnx: values.onnx, help: values.help };
}
