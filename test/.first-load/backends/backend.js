import { GraphgradError } from "../ir/errors.js";
import { graphInputs } from "../ir/graph.js";
import { tensorFrom } from "../ir/tensor.js";
function bindRunner(exe, inputs, outputs) {
  if (exe.bind !== void 0) return exe.bind(inputs, outputs);
  const dtypes = inputDtypes(exe.graph, inputs);
  return async (feeds) => {
    const r = await exe.run(feedMap(inputs, dtypes, feeds));
    return { tensors: outputs.tensors.map((n) => outputOf(r, n, exe.backend)), scalars: outputs.scalars.map((n) => scalarOf(outputOf(r, n, exe.backend), n, exe.backend)) };
  };
}
function inputDtypes(graph, inputs) {
  const byName = new Map(graphInputs(graph).map((n) => [n.attrs.name, n.attrs.dtype]));
  return inputs.map((n) => byName.get(n));
}
function feedMap(inputs, dtypes, feeds) {
  if (feeds.length !== inputs.length) throw new GraphgradError("run", `${feeds.length} feeds given for ${inputs.length} bound inputs (${inputs.join(", ")})`);
  const m = /* @__PURE__ */ new Map();
  inputs.forEach((n, i) => {
    const f = feeds[i];
    m.set(n, typeof f === "number" ? tensorFrom(f, dtypes[i] ?? "float32", []) : f);
  });
  return m;
}
function outputOf(r, name, where) {
  const t = r[name];
  if (t === void 0) throw new GraphgradError(where, `no output named '${name}' (outputs: ${Object.keys(r).join(", ")})`);
  return t;
}
function scalarOf(t, name, where) {
  if (t.size !== 1) throw new GraphgradError(where, `output '${name}' is bound as a number but has shape [${t.shape.join(",")}]`);
  return t.data[0];
}
export {
  bindRunner,
  feedMap,
  inputDtypes,
  outputOf,
  scalarOf
};
