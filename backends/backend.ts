import { GraphgradError } from "../ir/errors.js";
import { type Graph, graphInputs } from "../ir/graph.js";
import type { DType } from "../ir/dtype.js";
import { type Tensor, tensorFrom } from "../ir/tensor.js";

/**
 * The backend interface. A backend is a value the caller passes to `compile`; nothing is
 * registered globally. It turns a graph (already verified and optimized) into an executable.
 *
 * Each backend keeps its lowerings in a table typed `{ [K in OpName]: ... }`, so a backend that
 * misses a primitive does not compile.
 */
export interface Backend {
  readonly name: string;
  compile(graph: Graph, hints?: CompileHints): Promise<Executable>;
}

/** What the caller knows about how an executable will be used; a backend may ignore it. */
export interface CompileHints {
  /**
   * Output name -> the input it will be fed back as on the next run (a train step's new
   * parameters and optimizer state). A backend may compute such an output in the memory of its
   * input, so the next run does not copy it in again. Results never depend on it.
   */
  readonly feedback?: Readonly<Record<string, string>>;
}

/** A compiled program. `run` checks its feeds before doing anything (see `plan.ts`). */
export interface Executable {
  readonly backend: string;
  /** The graph this executable runs (after the compiler's passes). */
  readonly graph: Graph;
  run(feeds: ReadonlyMap<string, Tensor>): Promise<Record<string, Tensor>>;
  /**
   * Optional per-step form of `run` for fixed lists of input and output names (the loop of a
   * training step): feeds in the `inputs` order, where a rank-0 input may be given as a plain
   * number; results as tensors in the `outputs.tensors` order and, for rank-0 outputs wanted as
   * numbers, `outputs.scalars`. A backend computing on the calling thread answers synchronously
   * once the program for the feeds' shapes is built. Feeds are checked as `run` checks them.
   * Without it, `bindRunner` wraps `run`.
   *
   * `reuse[i]`, when given, is a tensor the caller gives up (donates) for tensor output i: a
   * backend that copies results out of its own memory may write output i into its array (same
   * dtype and size) instead of allocating one; the returned tensor then shares that array.
   * A bound runner reads its `feeds` and `reuse` arrays before it returns (the caller may refill
   * them for the next step while a returned promise is pending).
   */
  bind?(inputs: readonly string[], outputs: BoundOutputs): BoundRun;
}

/** The outputs a bound runner returns: as tensors, and (rank 0) as numbers. */
export interface BoundOutputs {
  readonly tensors: readonly string[];
  readonly scalars: readonly string[];
}

export interface BoundResult {
  readonly tensors: readonly Tensor[];
  readonly scalars: readonly number[];
}

/** A bound feed: a tensor, or a number for a rank-0 input. */
export type BoundFeed = Tensor | number;

/** Feeds in the bound input order -> results in the bound output orders; a promise only when it must wait. */
export type BoundRun = (feeds: readonly BoundFeed[], reuse?: readonly (Tensor | undefined)[]) => BoundResult | Promise<BoundResult>;

/** The executable's own `bind`, or `run` wrapped to the bound form. */
export function bindRunner(exe: Executable, inputs: readonly string[], outputs: BoundOutputs): BoundRun {
  if (exe.bind !== undefined) return exe.bind(inputs, outputs);
  const dtypes = inputDtypes(exe.graph, inputs);
  return async (feeds) => {
    const r = await exe.run(feedMap(inputs, dtypes, feeds));
    return { tensors: outputs.tensors.map((n) => outputOf(r, n, exe.backend)), scalars: outputs.scalars.map((n) => scalarOf(outputOf(r, n, exe.backend), n, exe.backend)) };
  };
}

/** The dtype of each bound input (undefined for a name the graph does not have: `run` rejects it). */
export function inputDtypes(graph: Graph, inputs: readonly string[]): readonly (DType | undefined)[] {
  const byName = new Map(graphInputs(graph).map((n) => [n.attrs.name, n.attrs.dtype] as const));
  return inputs.map((n) => byName.get(n));
}

/** The feeds as the name -> tensor map `run` takes (numbers become rank-0 tensors of the input's dtype). */
export function feedMap(inputs: readonly string[], dtypes: readonly (DType | undefined)[], feeds: readonly BoundFeed[]): Map<string, Tensor> {
  if (feeds.length !== inputs.length) throw new GraphgradError("run", `${feeds.length} feeds given for ${inputs.length} bound inputs (${inputs.join(", ")})`);
  const m = new Map<string, Tensor>();
  inputs.forEach((n, i) => {
    const f = feeds[i] as BoundFeed;
    m.set(n, typeof f === "number" ? tensorFrom(f, dtypes[i] ?? "float32", [], `feed '${n}'`) : f);
  });
  return m;
}

/** Output `name` of a run's result, or an error naming the outputs there are. */
export function outputOf(r: Readonly<Record<string, Tensor>>, name: string, where: string): Tensor {
  const t = r[name];
  if (t === undefined) throw new GraphgradError(where, `no output named '${name}' (outputs: ${Object.keys(r).join(", ")})`);
  return t;
}

/** The value of a one-element output bound as a number. */
export function scalarOf(t: Tensor, name: string, where: string): number {
  if (t.size !== 1) throw new GraphgradError(where, `output '${name}' is bound as a number but has shape [${t.shape.join(",")}]`);
  return t.data[0] as number;
}
