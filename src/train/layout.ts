import type { Expr } from "../expr.js";
import type { StepGraph } from "./graph.js";
import { emaMetricName, emaName, optName, PREFIX, STEP } from "./names.js";

/**
 * The bound runner's positional orders, derived from ONE named layout: each list (inputs, tensor
 * outputs, number outputs) is built group by group, and every entry records its own index, so
 * feeding and reading go by name (`slot.key`) and a reordering cannot mix values up.
 */

/** One entry of a bound order: its key in the state or the metrics, and its position. */
export interface Slot {
  readonly key: string;
  readonly index: number;
}

/** Consecutive entries of one kind; `start` is the index of the first (where a group is read as a block). */
export interface Group {
  readonly start: number;
  readonly slots: readonly Slot[];
}

/** An order under construction: graph names, appended group by group. */
class Order {
  readonly names: string[] = [];
  group(keys: readonly string[], graphName: (key: string) => string): Group {
    const start = this.names.length;
    const slots = keys.map((key, i) => ({ key, index: start + i }));
    for (const k of keys) this.names.push(graphName(k));
    return { start, slots };
  }
  one(graphName: string): number {
    this.names.push(graphName);
    return this.names.length - 1;
  }
}

export interface StepLayout {
  /** The bound orders (graph names). */
  readonly inputs: readonly string[];
  readonly tensors: readonly string[];
  readonly scalars: readonly string[];
  /** Where each part of a state and of a batch is fed. */
  readonly feed: {
    readonly batch: Group;
    readonly step: number;
    readonly params: Group;
    readonly opt: Group;
    readonly ema: Group;
    readonly emaMetrics: Group;
  };
  /** Where each part of the next state, the metrics and the outputs is read. */
  readonly read: {
    readonly params: Group;
    readonly opt: Group;
    readonly outputs: Group;
    readonly ema: Group;
    readonly step: number;
    readonly metrics: Group;
    readonly emaMetrics: Group;
  };
}

/**
 * The layout of a step: inputs [batch..., step, params the graph reads..., optimizer leaves...,
 * EMA shadows..., EMA metrics...]; tensors [new params..., optimizer leaves..., outputs..., EMA
 * shadows...]; numbers [step, metrics..., EMA metrics...]. `graphInputs` are the compiled graph's
 * inputs (a parameter the optimized graph no longer reads is not fed).
 */
export function stepLayout(g: StepGraph, graphInputs: readonly string[]): StepLayout {
  const inGraph = new Set(graphInputs);
  const ema = g.ema !== undefined;
  const metricNames = Object.keys(g.metrics);
  const stateInputs = new Set([STEP, ...g.paramNames, ...g.optPaths.map(optName), ...(ema ? [...g.paramNames.map(emaName), ...metricNames.map(emaMetricName)] : [])]);

  const inputs = new Order();
  const feed = {
    batch: inputs.group(
      graphInputs.filter((n) => !stateInputs.has(n)),
      (n) => n,
    ),
    step: inputs.one(STEP),
    params: inputs.group(
      g.paramNames.filter((n) => inGraph.has(n)),
      (n) => n,
    ),
    opt: inputs.group(g.optPaths, optName),
    ema: inputs.group(ema ? g.paramNames : [], emaName),
    emaMetrics: inputs.group(ema ? metricNames : [], emaMetricName),
  };
  const tensors = new Order();
  const scalars = new Order();
  const read = {
    params: tensors.group(Object.keys(g.newParams), (n) => PREFIX.param + n),
    opt: tensors.group(g.optPaths, optName),
    outputs: tensors.group(Object.keys(g.outputs), (k) => PREFIX.output + k),
    ema: tensors.group(ema ? g.paramNames : [], emaName),
    step: scalars.one(STEP),
    metrics: scalars.group(metricNames, (k) => PREFIX.metric + k),
    emaMetrics: scalars.group(ema ? metricNames : [], emaMetricName),
  };
  return { inputs: inputs.names, tensors: tensors.names, scalars: scalars.names, feed, read };
}

/** The compiled graph's outputs, named as the layout reads them. */
export function layoutOutputs(g: StepGraph): Record<string, Expr> {
  const out: Record<string, Expr> = { [STEP]: g.nextStep };
  for (const [n, e] of Object.entries(g.newParams)) out[PREFIX.param + n] = e;
  g.optPaths.forEach((p, i) => (out[optName(p)] = g.nextOpt[i] as Expr));
  for (const [k, v] of Object.entries(g.metrics)) out[PREFIX.metric + k] = v;
  for (const [k, v] of Object.entries(g.outputs)) out[PREFIX.output + k] = v;
  if (g.ema !== undefined) {
    for (const [n, e] of Object.entries(g.ema.params)) out[emaName(n)] = e;
    for (const [k, e] of Object.entries(g.ema.metrics)) out[emaMetricName(k)] = e;
  }
  return out;
}

/** Each new parameter, optimizer leaf and shadow is fed back as its input on the next step (a compile hint). */
export function layoutFeedback(g: StepGraph): Record<string, string> {
  const feedback: Record<string, string> = {};
  for (const n of Object.keys(g.newParams)) feedback[PREFIX.param + n] = n;
  for (const p of g.optPaths) feedback[optName(p)] = optName(p);
  if (g.ema !== undefined) for (const n of g.paramNames) feedback[emaName(n)] = emaName(n);
  return feedback;
}
