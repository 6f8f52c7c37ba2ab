import { commandLine } from "../cli.js";

/** The command line of `npm run char-transformer -- [options]`. */
export interface CharCliOptions {
  /** `--quick`: the tiny configuration (seconds) instead of the full one. */
  readonly quick: boolean;
  /** `--steps N`: train N steps instead of the configuration's (the schedule's length follows). */
  readonly steps: number | undefined;
  /** `--seed N`: instead of the configuration's seed. */
  readonly seed: number | undefined;
  readonly backend: "wasm" | "js";
  /** `--threads N`: the WASM backend's threads (default: the machine's parallelism, at most 8). */
  readonly threads: number | undefined;
  /** `--sample N` characters generated after training (default 400; 0: none). */
  readonly sample: number;
  readonly temperature: number;
  readonly prompt: string;
  /** `--onnx FILE`: writes the trained model as an ONNX file. */
  readonly onnx: string | undefined;
  /** `--json FILE`: writes the run's figures (configuration, curves, sample, time, load). */
  readonly json: string | undefined;
  /** `--summary`: prints the model's `gg.nn.summary` (parameters, op counts, peak memory) before training. */
  readonly summary: boolean;
  readonly help: boolean;
}

export const CHAR_USAGE = `usage: npm run char-transformer -- [options]

  --quick            the tiny configuration (a few seconds) instead of the full one (about 10 minutes)
  --steps N          train N steps (the learning-rate schedule is stretched to N)
  --seed N           seed of the initial values, the training order and the dropout (default 0)
  --backend NAME     wasm | js (default wasm)
  --threads N        threads of the wasm backend (default: the machine's, at most 8)
  --sample N         characters to generate after training (default 400; 0: none)
  --temperature T    sampling temperature (default 0.8)
  --prompt TEXT      the text the sample continues (default "the ")
  --onnx FILE        write the trained model (ids -> logits) as an ONNX file
  --json FILE        write the run's figures as JSON
  --summary          print the model's parameters, graph and memory (gg.nn.summary) first
  --help             this text`;

const cli = commandLine(CHAR_USAGE);

/** Parses the arguments after `npm run char-transformer --`; throws an Error with the usage on anything unknown or invalid. */
export function parseCharArgs(argv: readonly string[]): CharCliOptions {
  const values = cli.parse(argv, {
    quick: { type: "boolean", default: false },
    steps: { type: "string" },
    seed: { type: "string" },
    backend: { type: "string", default: "wasm" },
    threads: { type: "string" },
    sample: { type: "string", default: "400" },
    temperature: { type: "string", default: "0.8" },
    prompt: { type: "string", default: "the " },
    onnx: { type: "string" },
    json: { type: "string" },
    summary: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  });
  const backend = cli.backend(values.backend);
  const temperature = cli.positive("temperature", values.temperature);
  return {
    quick: values.quick,
    steps: cli.integer("steps", values.steps, 1),
    seed: cli.integer("seed", values.seed, 0),
    backend,
    threads: cli.integer("threads", values.threads, 1, 64),
    sample: cli.integer("sample", values.sample, 0, 100_000) ?? 400,
    temperature,
    prompt: values.prompt,
    onnx: values.onnx,
    json: values.json,
    summary: values.summary,
    help: values.help,
  };
}
