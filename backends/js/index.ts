import { type Backend, type Executable, feedMap, inputDtypes, scalarOf } from "../backend.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Graph, withInputs } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import type { Subgraph } from "../../ir/subgraph.js";
import type { Tensor } from "../../ir/tensor.js";
import { shapePlanner } from "../plan.js";
import { type JsKernel, JS_KERNELS, type KernelContext } from "./kernels.js";

/**
 * The JS reference backend: an interpreter over the graph's nodes in topological order, one
 * kernel call per node, each intermediate released after its last use. A subgraph (a scan's
 * body) is interpreted the same way, once per step.
 */
export function js(): Backend {
  return { name: "js", compile: async (graph) => compileJs(graph) };
}

interface Interpreter {
  /** Every node's value (released intermediates: undefined) for these feeds. */
  readonly run: (feeds: ReadonlyMap<string, Tensor>) => (Tensor | undefined)[];
  /** Position of each node in the run's values. */
  readonly position: ReadonlyMap<Node, number>;
}

function interpreter(graph: Graph): Interpreter {
  const nodes = graph.nodes;
  const position = new Map<Node, number>(nodes.map((n, i) => [n, i]));
  const operands = nodes.map((n) => n.inputs.map((x) => position.get(x) as number));
  const keep = new Set(Object.values(graph.outputs).map((n) => position.get(n) as number));
  // lastUse[i]: the last node reading node i; its value can be dropped after that node runs.
  const lastUse = nodes.map((_, i) => i);
  operands.forEach((ins, user) => ins.forEach((i) => (lastUse[i] = user)));
  const releaseAfter: number[][] = nodes.map(() => []);
  lastUse.forEach((user, i) => {
    if (!keep.has(i)) (releaseAfter[user] as number[]).push(i);
  });
  const kernels = nodes.map((n) => JS_KERNELS[n.op] as JsKernel<OpName>);
  const plan = shapePlanner(graph);
  const run = (feeds: ReadonlyMap<string, Tensor>): (Tensor | undefined)[] => {
    const p = plan(feeds);
    if (p._tag === "Left") throw p.left;
    const values: (Tensor | undefined)[] = new Array(nodes.length);
    const ctx: KernelContext = { feeds, subgraph: evaluateSubgraph, memo: new Map() };
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as NodeOf<OpName>;
      const ins = (operands[i] as number[]).map((j) => values[j] as Tensor);
      const out = { shape: p.right.shapes[i] as number[], dtype: n.dtype };
      values[i] = (kernels[i] as JsKernel<OpName>)(n.attrs, ins, out, ctx);
      for (const j of releaseAfter[i] as number[]) values[j] = undefined;
    }
    return values;
  };
  return { run, position };
}

/** Each subgraph's interpreter, made on first use (a memo: results never depend on it). */
const subgraphs = new WeakMap<Subgraph, (feeds: ReadonlyMap<string, Tensor>) => Tensor[]>();

/** Evaluates a subgraph on feeds for its parameters (by name): its results, in order. */
function evaluateSubgraph(body: Subgraph, feeds: ReadonlyMap<string, Tensor>): Tensor[] {
  let run = subgraphs.get(body);
  if (run === undefined) {
    const graph = withInputs(Object.fromEntries(body.results.map((r, i) => [`r${i}`, r])), body.params);
    const it = interpreter(graph);
    const at = body.results.map((r) => it.position.get(r) as number);
    run = (f) => {
      const values = it.run(f);
      return at.map((i) => values[i] as Tensor);
    };
    subgraphs.set(body, run);
  }
  return run(feeds);
}

function compileJs(graph: Graph): Executable {
  const { run, position } = interpreter(graph);
  const outputs = Object.entries(graph.outputs).map(([name, n]) => [name, position.get(n) as number] as const);
  const outputAt = (values: readonly (Tensor | undefined)[], name: string, i: number): Tensor => {
    const v = values[i];
    if (v === undefined) throw new GraphgradError("js", `output '${name}' was not computed`);
    return v;
  };

  return {
    backend: "js",
    graph,
    run: async (feeds) => {
      const values = run(feeds);
      const result: Record<string, Tensor> = {};
      for (const [name, i] of outputs) result[name] = outputAt(values, name, i);
      return result;
    },
    bind: (inputs, outs) => {
      const at = (name: string): number => {
        const i = graph.outputs[name] === undefined ? undefined : position.get(graph.outputs[name] as Node);
        if (i === undefined) throw new GraphgradError("js", `no output named '${name}' (outputs: ${Object.keys(graph.outputs).join(", ")})`);
        return i;
      };
      const tensorAt = outs.tensors.map(at);
      const scalarAt = outs.scalars.map(at);
      const dtypes = inputDtypes(graph, inputs);
      return (feeds) => {
        const values = run(feedMap(inputs, dtypes, feeds));
        return {
          tensors: outs.tensors.map((name, k) => outputAt(values, name, tensorAt[k] as number)),
          scalars: outs.scalars.map((name, k) => scalarOf(outputAt(values, name, scalarAt[k] as number), name, "js")),
        };
      };
    },
  };
}
