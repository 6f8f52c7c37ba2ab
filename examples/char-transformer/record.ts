import { isRight } from "fp-ts/lib/Either.js";
import * as t from "io-ts";

/**
 * The figures of one run of `npm run char-transformer`, as `--json FILE` writes them: what the
 * report shows of the full run (`full-run.json` beside this file is the run whose figures the
 * README states).
 */
const ConfigCodec = t.type({
  contextLength: t.number,
  layers: t.number,
  heads: t.number,
  dim: t.number,
  mlpDim: t.number,
  positions: t.union([t.literal("learned"), t.literal("sinusoidal")]),
  embedStd: t.number,
  dropout: t.number,
  batchSize: t.number,
  steps: t.number,
  warmupSteps: t.number,
  peakLr: t.number,
  endLr: t.number,
  weightDecay: t.number,
  b1: t.number,
  b2: t.number,
  clipNorm: t.number,
  evalEvery: t.number,
  validChars: t.number,
  seed: t.number,
});

export const RunRecordCodec = t.type({
  date: t.string,
  machine: t.type({ cpus: t.number, cpu: t.string, node: t.string, backend: t.string, threads: t.union([t.number, t.null]) }),
  /** The 1-minute load average when the run started and when it ended. */
  load: t.type({ start: t.number, end: t.number }),
  config: ConfigCodec,
  vocabSize: t.number,
  parameterCount: t.number,
  /** Each training step's batch cross-entropy in bits per character. */
  trainBits: t.array(t.number),
  validation: t.array(t.type({ step: t.number, bits: t.number })),
  /** Wall seconds of the whole run (data, compilation, training, validation; not the sample), of the training steps alone, and the process's CPU seconds. */
  seconds: t.number,
  trainSeconds: t.number,
  cpuSeconds: t.number,
  sample: t.union([t.type({ prompt: t.string, temperature: t.number, seed: t.number, text: t.string }), t.null]),
});
export type RunRecord = t.TypeOf<typeof RunRecordCodec>;

/** Parses a run record (JSON text); an Error naming the first bad field otherwise. */
export function parseRunRecord(text: string): RunRecord {
  const decoded = RunRecordCodec.decode(JSON.parse(text));
  if (isRight(decoded)) return decoded.right;
  const first = decoded.left[0];
  const path = first === undefined ? "" : first.context.map((c) => c.key).filter((k) => k !== "").join(".");
  throw new Error(`char-transformer run record: invalid field '${path}'`);
}
