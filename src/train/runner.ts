import type { BoundFeed, BoundResult } from "../../backends/backend.js";
import { GraphgradError } from "../../ir/errors.js";
import { graphInputs } from "../../ir/graph.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import type { Compiled, Feeds, TensorLike } from "../compile.js";
import type { TransformState } from "../optim/transform.js";
import { type Concrete, type Leaf, type Params, treeBuilder, treeFlattener } from "../optim/tree.js";
import type { StepGraph } from "./graph.js";
import type { StepLayout } from "./layout.js";
import { checkNotDonated, RunState } from "./state.js";
import type { TrainState } from "./types.js";

/** The empty record of a state without EMA or a step without auxiliary outputs. */
const NONE: Readonly<Record<string, never>> = Object.freeze({});

export type StepResult<S extends TransformState> = readonly [TrainState<S>, Record<string, number>, Readonly<Record<string, Tensor>>];

/**
 * The per-step path of `run`: one bound runner over the layout's orders. A state and a batch are
 * written into one feeds array (reused every step: bound runners read their feeds before they
 * return), the results are read back by name into a new state, the metrics and the outputs.
 * `maker` marks the states this step makes (only their arrays may be donated).
 */
export function stepRunner<S extends TransformState>(compiled: Compiled, g: StepGraph, layout: StepLayout, donate: boolean, maker: object): (state: TrainState<S>, batch: Feeds) => Promise<StepResult<S>> {
  const { feed, read } = layout;
  const bound = compiled.bind(layout.inputs, { tensors: layout.tensors, scalars: layout.scalars });
  const buildOpt = treeBuilder(g.optInit);
  const optLeavesOf = treeFlattener(g.optInit, "run");
  const batchIndex = new Map(feed.batch.slots.map((s) => [s.key, s.index] as const));
  const batchCount = feed.batch.slots.length;
  const newParamIndex = new Map(read.params.slots.map((s) => [s.key, s.index] as const));
  /** Per parameter (in `paramNames` order): where its new value is read, or -1 when it is only fed. */
  const paramReads = g.paramNames.map((n) => newParamIndex.get(n) ?? -1);
  const hasOutputs = read.outputs.slots.length > 0;
  const withEma = g.ema !== undefined;

  /** The error the checked path gives for a batch with an unknown or a missing entry. */
  const feedError = (batch: Feeds, unknown: string | undefined): GraphgradError => {
    const names = feed.batch.slots.map((s) => s.key);
    if (unknown !== undefined) return new GraphgradError(`feed '${unknown}'`, `the train step has no batch input of that name (batch inputs: ${names.join(", ") || "none"})`);
    const missing = names.find((n) => batch[n] === undefined) as string;
    const node = graphInputs(compiled.graph).find((n) => n.attrs.name === missing);
    return new GraphgradError(`feed '${missing}'`, `missing: the graph needs ${node === undefined ? "it" : `${node.attrs.dtype}${formatShape(node.attrs.shape)}`}`);
  };

  const feeds: BoundFeed[] = new Array(layout.inputs.length);
  const feedsOf = (state: TrainState<S>, batch: Feeds, optLeaves: readonly Leaf[]): BoundFeed[] => {
    let given = 0;
    for (const k in batch) {
      const i = batchIndex.get(k);
      if (i === undefined) throw feedError(batch, k);
      const v = batch[k] as TensorLike;
      feeds[i] = v instanceof Tensor ? v : compiled.feedTensor(k, v);
      given++;
    }
    if (given !== batchCount) throw feedError(batch, undefined);
    feeds[feed.step] = state.step;
    for (const s of feed.params.slots) feeds[s.index] = state.params[s.key] as Tensor;
    for (let i = 0; i < optLeaves.length; i++) feeds[feed.opt.start + i] = optLeaves[i] as Tensor;
    for (const s of feed.ema.slots) feeds[s.index] = state.ema[s.key] as Tensor;
    for (const s of feed.emaMetrics.slots) feeds[s.index] = state.emaMetrics[s.key] ?? 0;
    return feeds;
  };

  // Donation: the arrays `run(state)` may write its tensor outputs into (one array for every step, as `feeds`).
  const reuse: (Tensor | undefined)[] = new Array<Tensor | undefined>(layout.tensors.length).fill(undefined);
  const donation = (state: TrainState<S>, optLeaves: readonly Leaf[]): (Tensor | undefined)[] | undefined => {
    checkNotDonated(state, "run");
    if (!RunState.madeBy(state, maker)) return undefined;
    for (const s of read.params.slots) reuse[s.index] = state.params[s.key];
    for (let i = 0; i < optLeaves.length; i++) reuse[read.opt.start + i] = optLeaves[i] as Tensor;
    for (const s of read.ema.slots) reuse[s.index] = state.ema[s.key];
    return reuse;
  };

  const nextState = (state: TrainState<S>, { tensors, scalars }: BoundResult): TrainState<S> => {
    const params: Record<string, Tensor> = {};
    for (let i = 0; i < paramReads.length; i++) {
      const n = g.paramNames[i] as string;
      const at = paramReads[i] as number;
      params[n] = at >= 0 ? (tensors[at] as Tensor) : (state.params[n] as Tensor);
    }
    const opt = buildOpt(tensors, read.opt.start) as Concrete<S>;
    let ema: Params<Tensor> = NONE;
    let emaMetrics: Readonly<Record<string, number>> = NONE;
    if (withEma) {
      const e: Record<string, Tensor> = {};
      const em: Record<string, number> = {};
      for (const s of read.ema.slots) e[s.key] = tensors[s.index] as Tensor;
      for (const s of read.emaMetrics.slots) em[s.key] = scalars[s.index] as number;
      ema = Object.freeze(e);
      emaMetrics = Object.freeze(em);
    }
    return new RunState(maker, Object.freeze(params), opt, scalars[read.step] as number, ema, emaMetrics);
  };

  return async (state, batch) => {
    const optLeaves = optLeavesOf(state.opt);
    const given = donate ? donation(state, optLeaves) : undefined;
    const pending = bound(feedsOf(state, batch, optLeaves), given);
    // Donated once the step has started, before any wait: running the state again, even before this
    // step's result arrives (an asynchronous backend such as WebGPU), is an error on every backend.
    if (given !== undefined) RunState.setDonated(state, true);
    let result: BoundResult;
    try {
      result = pending instanceof Promise ? await pending : pending;
    } catch (e) {
      if (given !== undefined) RunState.setDonated(state, false); // a step that fails donates nothing
      throw e;
    }
    // The metrics record is the caller's own (not part of any state): it is not frozen.
    const metrics: Record<string, number> = {};
    for (const s of read.metrics.slots) metrics[s.key] = result.scalars[s.index] as number;
    let outputs: Readonly<Record<string, Tensor>> = NONE;
    if (hasOutputs) {
      const o: Record<string, Tensor> = {};
      for (const s of read.outputs.slots) o[s.key] = result.tensors[s.index] as Tensor;
      outputs = Object.freeze(o);
    }
    return [nextState(state, result), metrics, outputs] as const;
  };
}
