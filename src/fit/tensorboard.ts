import { join } from "node:path";
import { GraphgradError } from "../../ir/errors.js";
import * as arg from "../args.js";
import type { GraphSource } from "../tensorboard/graph-def.js";
import { type SummaryWriter, writer } from "../tensorboard/writer.js";
import type { EpochRecord, FitContext, Hook } from "./types.js";

/**
 * A `fit` hook writing TensorBoard event files, laid out as Keras does so that training and
 * validation curves share a chart: `<logdir>/train` gets each step's metrics as `batch/<name>`
 * (loss, gradNorm, lr, ... whatever the train step reports), each epoch's averages as
 * `epoch/<name>`, histograms of the parameters as `params/<name>` and the graph;
 * `<logdir>/validation` gets the validation metrics as `epoch/<name>`. Steps are the state's update
 * count.
 */

export interface TensorBoardOptions {
  /** Write the step metrics every `every` steps (default 1). */
  readonly every?: number;
  /** Parameter histograms at each epoch's end (default), every N steps, or never. */
  readonly histograms?: "epoch" | number | false;
  /** The graph for the graph tab: named outputs (e.g. `{ loss }`) or a `Graph` (e.g. `step.compiled.graph`). */
  readonly graph?: GraphSource;
  /** Flush to disk at least this often while training, in seconds (default 10); also at each epoch's end and when training ends. */
  readonly flushSeconds?: number;
}

export function tensorboard(logdir: string, options: TensorBoardOptions = {}): Hook {
  if (typeof logdir !== "string" || logdir === "") throw new GraphgradError("hooks.tensorboard", `logdir must be a non-empty path, got ${arg.describe(logdir)}`);
  arg.options("hooks.tensorboard", options);
  arg.optionalNumber("hooks.tensorboard", options.every, "every", { integer: true, min: 1 });
  arg.optionalNumber("hooks.tensorboard", options.flushSeconds, "flushSeconds", { min: 0, nonFinite: true });
  if (typeof options.histograms !== "number") arg.optionalBoolean("hooks.tensorboard", options.histograms === "epoch" ? undefined : options.histograms, 'histograms ("epoch", a positive integer or false)');
  const every = options.every ?? 1;
  const histograms = options.histograms ?? "epoch";
  const flushSeconds = options.flushSeconds ?? 10;
  if (!Number.isInteger(every) || every < 1) throw new GraphgradError("hooks.tensorboard", `every must be a positive integer, got ${every}`);
  if (histograms !== "epoch" && histograms !== false && (!Number.isInteger(histograms) || histograms < 1)) {
    throw new GraphgradError("hooks.tensorboard", `histograms must be "epoch", a positive integer or false, got ${String(histograms)}`);
  }
  if (!(flushSeconds >= 0)) throw new GraphgradError("hooks.tensorboard", `flushSeconds must be >= 0, got ${flushSeconds}`);

  let train: SummaryWriter | undefined;
  let validation: SummaryWriter | undefined;
  let epochsWritten = 0;
  let lastFlush = 0;

  const trainWriter = (): SummaryWriter => {
    if (train === undefined) throw new GraphgradError("hooks.tensorboard", "called outside fit (no onTrainStart)");
    return train;
  };
  const writeHistograms = (ctx: FitContext): void => {
    for (const [name, t] of Object.entries(ctx.state.params)) {
      if (t.size === 0) continue; // no values, no histogram
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        ctx.log(`tensorboard: no histogram of param '${name}' at step ${ctx.state.step}: it holds ${t.data[bad]} (at flat index ${bad})`);
        continue;
      }
      trainWriter().histogram(`params/${name}`, t, ctx.state.step);
    }
  };
  const writeEpochs = (history: readonly EpochRecord[]): void => {
    for (const record of history.slice(epochsWritten)) {
      for (const [k, v] of Object.entries(record.train)) trainWriter().scalar(`epoch/${k}`, v, record.step);
      if (record.validation !== undefined) {
        validation ??= writer(join(logdir, "validation"));
        for (const [k, v] of Object.entries(record.validation)) validation.scalar(`epoch/${k}`, v, record.step);
      }
    }
    epochsWritten = history.length;
  };
  const flush = async (): Promise<void> => {
    lastFlush = performance.now();
    await Promise.all([train?.flush(), validation?.flush()]);
  };

  return {
    name: "tensorboard",
    onTrainStart: async (ctx) => {
      train = writer(join(logdir, "train"));
      validation = undefined;
      epochsWritten = ctx.history.length;
      if (options.graph !== undefined) train.graph(options.graph);
      await flush();
    },
    onStepEnd: async (ctx) => {
      const step = ctx.state.step;
      if (step % every === 0) for (const [k, v] of Object.entries(ctx.metrics)) trainWriter().scalar(`batch/${k}`, v, step);
      if (typeof histograms === "number" && step % histograms === 0) writeHistograms(ctx);
      if (performance.now() - lastFlush >= flushSeconds * 1000) await flush();
    },
    onEpochEnd: async (ctx) => {
      writeEpochs(ctx.history);
      if (histograms === "epoch") writeHistograms(ctx);
      await flush();
    },
    onTrainEnd: async (ctx) => {
      // An epoch cut short by a stop has a record but no onEpochEnd.
      writeEpochs(ctx.history);
      await Promise.all([train?.close(), validation?.close()]);
    },
  };
}
