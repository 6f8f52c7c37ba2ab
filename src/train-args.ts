import * as arg from "./args.js";
import type { Expr } from "./expr.js";
import type { TrainStepConfig } from "./train.js";

/** The argument checks of `trainStep` (kept apart from train.ts, which only calls them). */
export function checkTrainStepConfig(config: TrainStepConfig): void {
  const where = "trainStep";
  arg.record(where, config, "the config");
  if (config.loss !== undefined) arg.expr(where, config.loss, "the loss");
  arg.record(where, config.optimizer, "optimizer (a gradient transformation such as gg.optim.sgd({ lr }))");
  arg.func(where, config.optimizer.init, "optimizer.init");
  arg.func(where, config.optimizer.update, "optimizer.update");
  if (config.params !== undefined) arg.exprList(where, config.params, "params");
  if (config.trainable !== undefined) {
    arg.array(where, config.trainable, "trainable");
    config.trainable.forEach((t, i) => arg.string(where, t, `trainable[${i}]`));
  }
  if (config.regularization !== undefined) {
    const r = config.regularization;
    arg.record(where, r, "regularization");
    arg.optionalNumber(where, r.l1, "regularization.l1", { min: 0 });
    arg.optionalNumber(where, r.l2, "regularization.l2", { min: 0 });
    if (r.params !== undefined) {
      arg.array(where, r.params, "regularization.params");
      r.params.forEach((p, i) => arg.string(where, p, `regularization.params[${i}]`));
    }
  }
  arg.optionalBoolean(where, config.gradNorm, "gradNorm");
  if (config.ema !== undefined) {
    arg.record(where, config.ema, "ema");
    arg.number(where, config.ema.decay, "ema.decay", { min: 0, max: 1 });
    arg.optionalBoolean(where, config.ema.numUpdates, "ema.numUpdates");
  }
  const records: readonly (readonly [string, Readonly<Record<string, Expr>> | undefined])[] = [
    ["updates", config.updates],
    ["metrics", config.metrics],
    ["outputs", config.outputs],
    ["grads", config.grads],
  ];
  for (const [name, r] of records) if (r !== undefined) arg.exprRecord(where, r, name);
  arg.optionalBoolean(where, config.donate, "donate");
  arg.optionalBoolean(where, config.debugNonFinite, "debugNonFinite");
}
