import { parseArgs } from "node:util";

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

function integer(name: string, value: string | undefined, min: number, max = 2 ** 31 - 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got '${value}'\n\n${CHAR_USAGE}`);
  return Number(value);
}

/** Parses the arguments after `npm run char-transformer --`; throws an Error with the usage on anything unknown or invalid. */
export function parseCharArgs(argv: readonly string[]): CharCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
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
      },
    }));
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n\n${CHAR_USAGE}`);
  }
  const { backend } = values;
  if (backend !== "wasm" && backend !== "js") throw new Error(`--backend must be wasm or js, got '${backend}'\n\n${CHAR_USAGE}`);
  const temperature = Number(values.temperature);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`--temperature must be a positive number, got '${values.temperature}'\n\n${CHAR_USAGE}`);
  return {
    quick: values.quick,
    steps: integer("steps", values.steps, 1),
    seed: integer("seed", values.seed, 0),
    backend,
    threads: integer("threads", values.threads, 1, 64),
    sample: integer("sample", values.sample, 0, 100_000) ?? 400,
    temperature,
    prompt: values.prompt,
    onnx: values.onnx,
    json: values.json,
    summary: values.summary,
    help: values.help,
  };
}
