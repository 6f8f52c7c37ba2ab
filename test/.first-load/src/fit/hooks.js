import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
import { save } from "../io/checkpoint.js";
import { cast, input } from "../ops.js";
import { describeNonFinite, findNonFinite } from "./non-finite.js";
import { formatMetrics, formatNumber, formatRate } from "./progress.js";
function learningRateInput(name = "lr", dtype = "float32") {
  return (count) => cast(input(name, [], dtype), count.dtype);
}
function setLearningRate(value, options = {}) {
  const name = options.input ?? "lr";
  const dtype = options.dtype ?? "float32";
  return {
    name: "setLearningRate",
    feeds: (ctx) => {
      const lr = typeof value === "number" ? value : value({ epoch: ctx.epoch, step: ctx.state.step, batch: ctx.batch });
      if (!Number.isFinite(lr)) throw new GraphgradError("setLearningRate", `the learning rate must be a finite number, got ${lr} at epoch ${ctx.epoch}, step ${ctx.state.step}`);
      return { [name]: new Tensor(dtype, [], dtype === "float64" ? Float64Array.of(lr) : Float32Array.of(lr)) };
    }
  };
}
function positiveInteger(where, n) {
  if (!Number.isInteger(n) || n < 1) throw new GraphgradError(where, `expected a positive integer, got ${n}`);
}
function logEvery(every) {
  positiveInteger("logEvery", every);
  return {
    name: "logEvery",
    onStepEnd: (ctx) => {
      if (ctx.state.step % every !== 0) return;
      const metrics = formatMetrics(ctx.running);
      ctx.log(`epoch ${ctx.epoch}  step ${ctx.state.step}  batch ${ctx.batch}/${ctx.batchesPerEpoch}${metrics === "" ? "" : `  ${metrics}`}  ${formatRate(ctx.stepsPerSecond, ctx.examplesPerSecond)}`);
    }
  };
}
function checkpointEvery(every, options) {
  positiveInteger("checkpointEvery", every);
  let lastSaved = -1;
  const write = async (ctx) => {
    const path = typeof options.path === "string" ? options.path : options.path(ctx);
    const metadata = { ...options.metadata ?? {}, "fit.epoch": String(ctx.epoch), "fit.batch": String(ctx.batch) };
    await save(path, ctx.state, metadata, { fs: options.fs });
    lastSaved = ctx.state.step;
    ctx.log(`checkpoint at step ${ctx.state.step}: ${path}`);
  };
  return {
    name: "checkpointEvery",
    onTrainStart: () => {
      lastSaved = -1;
    },
    onStepEnd: async (ctx) => {
      if (ctx.state.step % every === 0) await write(ctx);
    },
    onTrainEnd: async (ctx) => {
      if (options.atEnd !== false && lastSaved !== ctx.state.step) await write(ctx);
    }
  };
}
function earlyStopping(options) {
  const { patience, metric = "loss", on = "validation", mode = "min", minDelta = 0 } = options;
  if (!Number.isInteger(patience) || patience < 0) throw new GraphgradError("earlyStopping", `patience must be a non-negative integer, got ${patience}`);
  if (!(minDelta >= 0)) throw new GraphgradError("earlyStopping", `minDelta must be >= 0, got ${minDelta}`);
  let best = mode === "min" ? Infinity : -Infinity;
  let bestEpoch = 0;
  let wait = 0;
  return {
    name: "earlyStopping",
    onTrainStart: () => {
      best = mode === "min" ? Infinity : -Infinity;
      bestEpoch = 0;
      wait = 0;
    },
    onEpochEnd: (ctx) => {
      const source = on === "validation" ? ctx.validation : ctx.metrics;
      const v = source?.[metric];
      if (v === void 0) {
        const have = source === void 0 ? "no validation set is configured" : `${on} metrics: ${Object.keys(source).join(", ")}`;
        throw new GraphgradError("earlyStopping", `no ${on} metric '${metric}' (${have})`);
      }
      const improved = mode === "min" ? v < best - minDelta : v > best + minDelta;
      if (improved) {
        best = v;
        bestEpoch = ctx.epoch;
        wait = 0;
        return;
      }
      wait++;
      if (wait >= patience) {
        const bestText = bestEpoch === 0 ? "no finite value yet" : `best ${formatNumber(best)} at epoch ${bestEpoch}`;
        ctx.stop(`early stopping at epoch ${ctx.epoch}: ${on} ${metric} has not improved for ${wait} epoch${wait === 1 ? "" : "s"} (${bestText})`);
      }
    }
  };
}
function stopOnNonFinite(options = {}) {
  return {
    name: "stopOnNonFinite",
    onStepEnd: (ctx) => {
      const found = findNonFinite(ctx.state, ctx.metrics, options.checkState !== false);
      if (found === void 0) return;
      const message = describeNonFinite(found, ctx.state.step);
      if (options.throw === true) throw new GraphgradError("fit", message);
      ctx.stop(message);
    }
  };
}
export {
  checkpointEvery,
  earlyStopping,
  learningRateInput,
  logEvery,
  setLearningRate,
  stopOnNonFinite
};
