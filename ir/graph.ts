import type { Either } from "fp-ts/lib/Either.js";
import { describe, isRecord } from "./check.js";
import { GraphgradError } from "./errors.js";
import { isNode, type Node, type NodeOf, toposort } from "./node.js";

/**
 * A graph: named outputs and the nodes they need, in topological order. `nodes` may hold more
 * than the outputs need (a decoded file can); dead-code elimination drops those.
 */
export interface Graph {
  readonly outputs: Readonly<Record<string, Node>>;
  readonly nodes: readonly Node[];
}

/** A compiler pass: a pure function from a graph to a graph, or an error. */
export type Pass = (g: Graph) => Either<GraphgradError, Graph>;

export function graphOf(outputs: Readonly<Record<string, Node>>): Graph {
  return { outputs: { ...outputs }, nodes: toposort(Object.values(outputs)) };
}

/** The graph's `input` nodes (inputs and parameters), in topological order. */
export function graphInputs(g: Graph): NodeOf<"input">[] {
  return g.nodes.filter((n): n is NodeOf<"input"> => n.op === "input");
}

/**
 * Rebuilds every node bottom-up through `rewrite`, which receives the node and its already
 * rebuilt inputs and returns the replacement. The skeleton shared by the rewriting passes.
 */
export function rebuild(g: Graph, rewrite: (n: Node, inputs: readonly Node[]) => Node): Graph {
  const map = new Map<Node, Node>();
  for (const n of g.nodes) {
    const inputs = n.inputs.map((x) => map.get(x) ?? x);
    map.set(n, rewrite(n, inputs));
  }
  const outputs: Record<string, Node> = {};
  for (const [k, v] of Object.entries(g.outputs)) outputs[k] = map.get(v) ?? v;
  return withInputs(outputs, graphInputs(g).map((n) => map.get(n) ?? n));
}

/**
 * A graph of `outputs` that also keeps `inputs` even where no output needs them any more: the
 * inputs are the graph's interface (what may and must be fed, and which symbolic sizes are bound),
 * so a rewrite such as x·0 → 0 must not make a feed of x invalid or leave x's batch size unbound.
 */
export function withInputs(outputs: Readonly<Record<string, Node>>, inputs: readonly Node[]): Graph {
  return { outputs: { ...outputs }, nodes: toposort([...inputs, ...Object.values(outputs)]) };
}

/** Throws unless `g` is a graph: `outputs` and `nodes` of nodes (as `graph()` or a compiled executable gives). */
export function checkGraph(where: string, g: unknown): asserts g is Graph {
  const fail = (what: string, v: unknown): never => {
    throw new GraphgradError(where, `${what} must be a graph's node, got ${describe(v)} (pass a graph from gg.graph({ ... }) or compiled.graph)`);
  };
  if (!isRecord(g) || !isRecord(g["outputs"]) || !Array.isArray(g["nodes"])) {
    throw new GraphgradError(where, `expected a graph ({ outputs, nodes }, from gg.graph({ ... }) or compiled.graph), got ${describe(g)}`);
  }
  for (const [k, n] of Object.entries(g["outputs"])) if (!isNode(n)) fail(`output '${k}'`, n);
  (g["nodes"] as readonly unknown[]).forEach((n, i) => {
    if (!isNode(n)) fail(`nodes[${i}]`, n);
  });
}
