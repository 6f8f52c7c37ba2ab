import { commandLine } from "../cli.js";
import { isPtbConfigName, PTB_CONFIG_NAMES, type PtbConfigName } from "./configs.js";
import { PTB_DTYPES, type PtbDType } from "./model.js";

/** The command line of `npm run ptb -- [options]` (the seed's flags plus the issue's). */
export interface PtbCliOptions {
  /** `--model small|medium|large|test` (default small), the seed's flag. */
  readonly model: PtbConfigName;
  /** `--backend wasm|js` (default wasm). */
  readonly backend: "wasm" | "js";
  /** `--max-steps N`: training stops after N steps IN TOTAL (over all epochs); the epoch it ends in is then evaluated as usual. */
  readonly maxSteps: number | undefined;
  /** `--max-epochs N`: at most N epochs (default: the config's max_max_epoch). */
  readonly maxEpochs: number | undefined;
  /** `--eval-every N`: validation perplexity every N training steps (0 or absent: only at the end of each epoch, as the seed). */
  readonly evalEvery: number | undefined;
  /** `--seed N` (default 0, at most 2^31 − 1): the initial values and the dropout masks. */
  readonly seed: number;
  /** `--fast-test`: the test set evaluated with the training batch and steps instead of the seed's batch 1 × step 1. */
  readonly fastTest: boolean;
  /** `--scan`: the LSTM run by one `gg.scan` over the time axis instead of a static unroll. */
  readonly scan: boolean;
  /** `--dtype float32|float64` (default float32): the whole model's float dtype. */
  readonly dtype: PtbDType;
  /** `--threads N`: the WASM backend's threads (default: the machine's parallelism, at most 8). */
  readonly threads: number | undefined;
  readonly help: boolean;
}

export const PTB_USAGE = `usage: npm run ptb -- [options]

  --model NAME       small | medium | large | test (default small): the seed's configurations
  --backend NAME     wasm | js (default wasm)
  --max-steps N      stop training after N steps in total (over all epochs)
  --max-epochs N     at most N epochs (default: the configuration's max_max_epoch)
  --eval-every N     print the validation perplexity every N training steps
  --seed N           seed of the initial values and dropout masks (default 0)
  --fast-test        evaluate the test set with the training batch and steps (the seed uses batch 1, 1 step)
  --scan             run the LSTM by one scan over the time axis (gg.scan) instead of a static unroll
  --dtype NAME       float32 | float64 (default float32): parameters, state and losses
  --threads N        threads of the wasm backend (default: the machine's, at most 8); with 1 its
                     memory may grow to 4 GiB instead of 2 GiB (the large configuration needs 3 GiB)
  --help             this text`;

/** Seeds are int32 (they go into the dropout keys as they are). */
export const MAX_SEED = 2 ** 31 - 1;

const cli = commandLine(PTB_USAGE);
/** A count: an integer in [min, max] (up to 2^53 − 1 by default). */
const count = (name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => cli.integer(name, value, min, max);

/** Parses the arguments after `npm run ptb --`; throws an Error with the usage on anything unknown or invalid. */
export function parsePtbArgs(argv: readonly string[]): PtbCliOptions {
  const values = cli.parse(argv, {
    model: { type: "string", default: "small" },
    backend: { type: "string", default: "wasm" },
    "max-steps": { type: "string" },
    "max-epochs": { type: "string" },
    "eval-every": { type: "string" },
    seed: { type: "string", default: "0" },
    "fast-test": { type: "boolean", default: false },
    scan: { type: "boolean", default: false },
    dtype: { type: "string", default: "float32" },
    threads: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  });
  const { model, dtype } = values;
  if (!isPtbConfigName(model)) return cli.fail(`Invalid model: ${model} (one of ${PTB_CONFIG_NAMES.join(", ")})`);
  const backend = cli.backend(values.backend);
  const floatType = PTB_DTYPES.find((d) => d === dtype);
  if (values.threads !== undefined && backend !== "wasm") cli.fail(`--threads applies to the wasm backend, not ${backend}`);
  if (floatType === undefined) return cli.fail(`--dtype must be ${PTB_DTYPES.join(" or ")}, got '${dtype}'`);
  return {
    model,
    backend,
    maxSteps: count("max-steps", values["max-steps"], 1),
    maxEpochs: count("max-epochs", values["max-epochs"], 1),
    evalEvery: count("eval-every", values["eval-every"], 1),
    seed: count("seed", values.seed, 0, MAX_SEED) ?? 0,
    fastTest: values["fast-test"],
    scan: values.scan,
    dtype: floatType,
    threads: count("threads", values.threads, 1, 64),
    help: values.help,
  };
}
