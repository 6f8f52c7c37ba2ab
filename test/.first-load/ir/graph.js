import { toposort } from "./node.js";
function graphOf(outputs) {
  return { outputs: { ...outputs }, nodes: toposort(Object.values(outputs)) };
}
function graphInputs(g) {
  return g.nodes.filter((n) => n.op === "input");
}
function rebuild(g, rewrite) {
  const map = /* @__PURE__ */ new Map();
  for (const n of g.nodes) {
    const inputs = n.inputs.map((x) => map.get(x) ?? x);
    map.set(n, rewrite(n, inputs));
  }
  const outputs = {};
  for (const [k, v] of Object.entries(g.outputs)) outputs[k] = map.get(v) ?? v;
  return withInputs(outputs, graphInputs(g).map((n) => map.get(n) ?? n));
}
function withInputs(outputs, inputs) {
  return { outputs: { ...outputs }, nodes: toposort([...inputs, ...Object.values(outputs)]) };
}
export {
  graphInputs,
  graphOf,
  rebuild,
  withInputs
};
