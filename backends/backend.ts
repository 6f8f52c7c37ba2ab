import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";

/**
 * The backend interface. A backend is a value the caller passes to `compile`; nothing is
 * registered globally. It turns a graph (already verified and optimized) into an executable.
 *
 * Each backend keeps its lowerings in a table typed `{ [K in OpName]: ... }`, so a backend that
 * misses a primitive does not compile.
 */
export interface Backend {
  readonly name: string;
  compile(graph: Graph): Promise<Executable>;
}

/** A compiled program. `run` checks its feeds before doing anything (see `plan.ts`). */
export interface Executable {
  readonly backend: string;
  /** The graph this executable runs (after the compiler's passes). */
  readonly graph: Graph;
  run(feeds: ReadonlyMap<string, Tensor>): Promise<Record<string, Tensor>>;
}
