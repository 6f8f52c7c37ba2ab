import { type Backend, type Executable, feedMap, inputDtypes, scalarOf } from "../backend.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Graph } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import type { Tensor } from "../../ir/tensor.js";
import { shapePlanner } from "../plan.js";
import { type JsKernel, JS_KERNELS } from "./kernels.js";

/**
 * The JS reference backend: an interpreter over the graph's nodes in topological order, one
 * kernel call per node, each intermediate released after its last use.
 */
export function js(): Backend {
  return { name: "js", compile: async (graph) => compileJs(graph) };
}

function compileJs(graph: Graph): Executable {
  const nodes = graph.nodes;
  const position = new Map<Node, number>(nodes.map((n, i) => [n, i]));
  const operands = nodes.map((n) => n.inputs.map((x) => position.get(x) as number));
  const outputs = Object.entries(graph.outputs).map(([name, n]) => [name, position.get(n) as number] as const);
  const keep = new Set(outputs.map(([, i]) => i));
  // lastUse[i]: the last node reading node i; its value can be dropped after that node runs.
  const lastUse = nodes.map((_, i) => i);
  operands.forEach((ins, user) => ins.forEach((i) => (lastUse[i] = user)));
  const releaseAfter: number[][] = nodes.map(() => []);
  lastUse.forEach((user, i) => {
    if (!keep.has(i)) (releaseAfter[user] as number[]).push(i);
  });
  const kernels = nodes.map((n) => JS_KERNELS[n.op] as JsKernel<OpName>);
  const plan = shapePlanner(graph);

  const execute = (feeds: ReadonlyMap<string, Tensor>): (Tensor | undefined)[] => {
    const p = plan(feeds);
    if (p._tag === "Left") throw p.left;
    const values: (Tensor | undefined)[] = new Array(nodes.length);
    const ctx = { feeds };
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i] as NodeOf<OpName>;
      const ins = (operands[i] as number[]).map((j) => values[j] as Tensor);
      const out = { shape: p.right.shapes[i] as number[], dtype: n.dtype };
      values[i] = (kernels[i] as JsKernel<OpName>)(n.attrs, ins, out, ctx);
      for (const j of releaseAfter[i] as number[]) values[j] = undefined;
    }
    return values;
  };
  const outputAt = (values: readonly (Tensor | undefined)[], name: string, i: number): Tensor => {
    const v = values[i];
    if (v === undefined) throw new GraphgradError("js", `output '${name}' was not computed`);
    return v;
  };

  return {
    backend: "js",
    graph,
    run: async (feeds) => {
      const values = execute(feeds);
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
        const values = execute(feedMap(inputs, dtypes, feeds));
        return {
          tensors: outs.tensors.map((name, k) => outputAt(values, name, tensorAt[k] as number)),
          scalars: outs.scalars.map((name, k) => scalarOf(outputAt(values, name, scalarAt[k] as number), name, "js")),
        };
      };
    },
  };
}
