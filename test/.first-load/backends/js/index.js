import { feedMap, inputDtypes, scalarOf } from "../backend.js";
import { GraphgradError } from "../../ir/errors.js";
import { shapePlanner } from "../plan.js";
import { JS_KERNELS } from "./kernels.js";
function js() {
  return { name: "js", compile: async (graph) => compileJs(graph) };
}
function compileJs(graph) {
  const nodes = graph.nodes;
  const position = new Map(nodes.map((n, i) => [n, i]));
  const operands = nodes.map((n) => n.inputs.map((x) => position.get(x)));
  const outputs = Object.entries(graph.outputs).map(([name, n]) => [name, position.get(n)]);
  const keep = new Set(outputs.map(([, i]) => i));
  const lastUse = nodes.map((_, i) => i);
  operands.forEach((ins, user) => ins.forEach((i) => lastUse[i] = user));
  const releaseAfter = nodes.map(() => []);
  lastUse.forEach((user, i) => {
    if (!keep.has(i)) releaseAfter[user].push(i);
  });
  const kernels = nodes.map((n) => JS_KERNELS[n.op]);
  const plan = shapePlanner(graph);
  const execute = (feeds) => {
    const p = plan(feeds);
    if (p._tag === "Left") throw p.left;
    const values = new Array(nodes.length);
    const ctx = { feeds };
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      const ins = operands[i].map((j) => values[j]);
      const out = { shape: p.right.shapes[i], dtype: n.dtype };
      values[i] = kernels[i](n.attrs, ins, out, ctx);
      for (const j of releaseAfter[i]) values[j] = void 0;
    }
    return values;
  };
  const outputAt = (values, name, i) => {
    const v = values[i];
    if (v === void 0) throw new GraphgradError("js", `output '${name}' was not computed`);
    return v;
  };
  return {
    backend: "js",
    graph,
    run: async (feeds) => {
      const values = execute(feeds);
      const result = {};
      for (const [name, i] of outputs) result[name] = outputAt(values, name, i);
      return result;
    },
    bind: (inputs, outs) => {
      const at = (name) => {
        const i = graph.outputs[name] === void 0 ? void 0 : position.get(graph.outputs[name]);
        if (i === void 0) throw new GraphgradError("js", `no output named '${name}' (outputs: ${Object.keys(graph.outputs).join(", ")})`);
        return i;
      };
      const tensorAt = outs.tensors.map(at);
      const scalarAt = outs.scalars.map(at);
      const dtypes = inputDtypes(graph, inputs);
      return (feeds) => {
        const values = execute(feedMap(inputs, dtypes, feeds));
        return {
          tensors: outs.tensors.map((name, k) => outputAt(values, name, tensorAt[k])),
          scalars: outs.scalars.map((name, k) => scalarOf(outputAt(values, name, scalarAt[k]), name, "js"))
        };
      };
    }
  };
}
export {
  js
};
