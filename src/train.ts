import { GraphgradError } from "../ir/errors.js";
import { checkTrainStepConfig } from "./train-args.js";
import { graphInputs } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { compile, type Compiled, resolveBackend, type TensorLike } from "./compile.js";
import type { Expr } from "./expr.js";
import type { TransformState } from "./optim/transform.js";
import { type Concrete, flattenTree, mapTree } from "./optim/tree.js";
import { buildStepGraph } from "./train/graph.js";
import { layoutFeedback, layoutOutputs, stepLayout } from "./train/layout.js";
import { optName } from "./train/names.js";
import { checkParams } from "./train/params.js";
import { stepRunner } from "./train/runner.js";
import { checkNotDonated, withStep } from "./train/state.js";
import type { Regularization, StepMetrics, TrainStep, TrainStepConfig } from "./train/types.js";

/**
 * `trainStep`: forward, backward, regularization, clipping, schedule, update, step increment and
 * moving averages compiled into ONE graph and ONE executable:
 *   (params, optimizer state, step, EMA shadows, batch) -> (params', state', step + 1, shadows', metrics)
 * `run(state, batch)` returns a new immutable TrainState and the metrics; the old state is
 * unchanged and stays usable. The parts: `train/graph.ts` builds the step's graph in named parts,
 * `train/layout.ts` lays them out as the bound runner's orders, `train/runner.ts` runs it.
 */

export { paramsOf } from "./train/params.js";
export type { EmaConfig, MetricRecord, Regularization, StepMetrics, TrainState, TrainStep, TrainStepConfig } from "./train/types.js";

/** The empty record of a state without EMA. */
const NONE: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Compiles a train step. `run`'s metrics are typed by what the step computes: `gradNorm` (unless `gradNorm: false`), the
 * optimizer's (`lr`...), the `metrics` you configure, `loss` when a loss is given and
 * `totalLoss` with `regularization`; its outputs by the `outputs` you configure.
 */
export async function trainStep<
  S extends TransformState,
  K extends string = string,
  M extends string = never,
  O extends string = never,
  R extends Regularization | undefined = undefined,
  L extends Expr | undefined = undefined,
  N extends boolean | undefined = undefined,
>(config: TrainStepConfig<S, K, M, O, R, L, N>): Promise<TrainStep<S, StepMetrics<K, M, R, L, N>, O>> {
  checkTrainStepConfig(config);
  const g = buildStepGraph(config);
  // One backend value for every graph of this step (they share its worker pool).
  const backend = resolveBackend(config.backend);
  const compiled: Compiled = await compile({ outputs: layoutOutputs(g) }, { backend, feedback: layoutFeedback(g), debugNonFinite: config.debugNonFinite === true });

  // The initial optimizer state is computed by a graph too (it may depend on parameter values).
  const initOutputs: Record<string, Expr> = {};
  for (const [path, leaf] of flattenTree(g.optInit)) initOutputs[optName(path)] = leaf as Expr;
  const initCompiled = g.optPaths.length > 0 ? await compile({ outputs: initOutputs }, { backend }) : undefined;

  const layout = stepLayout(g, graphInputs(compiled.graph).map((n) => n.attrs.name));
  const donate = config.donate === true;
  const maker = {};
  const run = stepRunner<S>(compiled, g, layout, donate, maker);
  const metricNames = Object.keys(g.metrics);
  type Metrics = StepMetrics<K, M, R, L, N>;

  return {
    compiled,
    paramNames: g.paramNames,
    trainable: g.trained,
    donate,
    init: async (values) => {
      const ps = checkParams(values, g.params);
      const r = initCompiled === undefined ? {} : await initCompiled.run(pick(ps, initCompiled));
      const opt = mapTree(g.optInit, (_leaf, path) => r[optName(path)] as Tensor) as Concrete<S>;
      const ema = config.ema === undefined ? NONE : Object.freeze({ ...ps });
      const emaMetrics = config.ema === undefined ? NONE : Object.freeze(Object.fromEntries(metricNames.map((k) => [k, 0])));
      return Object.freeze({ params: ps, opt, step: 0, ema, emaMetrics });
    },
    // The runner's records are keyed by the configured names (the layout reads every one).
    run: run as TrainStep<S, Metrics, O>["run"],
    withStep: (state, step) => withStep(state, step, maker, donate),
    evaluator: async (outs) => {
      const c = await compile({ outputs: outs }, { backend });
      return async (state, batch, useEma = false) => {
        checkNotDonated(state, "evaluator");
        if (useEma && config.ema === undefined) throw new GraphgradError("evaluator", "useEma needs a train step configured with `ema`");
        const feeds: Record<string, TensorLike> = { ...batch };
        const source = useEma ? state.ema : state.params;
        for (const n of g.paramNames) feeds[n] = source[n] as Tensor;
        return c.run(pick(feeds, c));
      };
    },
  };
}

/** The feeds a compiled graph takes, out of a larger set. */
function pick(feeds: Readonly<Record<string, TensorLike>>, c: Compiled<string>): Record<string, TensorLike> {
  const out: Record<string, TensorLike> = {};
  for (const n of c.graph.nodes) {
    if (n.op === "input" && feeds[n.attrs.name] !== undefined) out[n.attrs.name] = feeds[n.attrs.name] as TensorLike;
  }
  return out;
}
