import { bindRunner } from "../backends/backend.js";
import { js } from "../backends/js/index.js";
import { wasm } from "../backends/wasm/index.js";
import { GraphgradError, orThrow } from "../ir/errors.js";
import { graphInputs, graphOf } from "../ir/graph.js";
import { DEFAULT_PASSES, runPasses } from "../ir/passes/optimize.js";
import { isConcrete } from "../ir/shape.js";
import { Tensor, tensorFrom } from "../ir/tensor.js";
import { Expr } from "./expr.js";
function resolveBackend(b) {
  if (b === void 0 || b === "js") return js();
  if (b === "wasm") return wasm();
  if (typeof b === "object" && typeof b.compile === "function") return b;
  throw new GraphgradError("compile", `unknown backend ${JSON.stringify(b)}: pass a backend value such as js(), or "js" / "wasm"`);
}
function graph(outputs) {
  const nodes = {};
  for (const [name, e] of Object.entries(outputs)) {
    if (!(e instanceof Expr)) throw new GraphgradError("graph", `output '${name}' is not an Expr`);
    nodes[name] = e.node;
  }
  return graphOf(nodes);
}
async function compile(spec, options = {}) {
  for (const [name, e] of Object.entries(spec.outputs)) {
    if (!(e instanceof Expr)) throw new GraphgradError("compile", `output '${name}' is not an Expr`);
  }
  const optimized = orThrow(runPasses(graph(spec.outputs), options.passes ?? DEFAULT_PASSES));
  const exe = await resolveBackend(options.backend).compile(optimized, options.feedback === void 0 ? void 0 : { feedback: options.feedback });
  const inputs = new Map(graphInputs(optimized).map((n) => [n.attrs.name, n]));
  return {
    backend: exe.backend,
    graph: optimized,
    run: (feeds = {}) => exe.run(toTensors(feeds, inputs)),
    bind: (ins, outs) => bindRunner(exe, ins, outs),
    feedTensor: (name, value) => toTensor(name, value, inputs.get(name))
  };
}
function toTensors(feeds, inputs) {
  const out = /* @__PURE__ */ new Map();
  for (const [name, v] of Object.entries(feeds)) out.set(name, toTensor(name, v, inputs.get(name)));
  return out;
}
function toTensor(name, v, n) {
  if (v instanceof Tensor) return v;
  const where = `feed '${name}'`;
  if (n === void 0) return tensorFrom(v, "float32", void 0, where);
  if (ArrayBuffer.isView(v)) {
    const shape = isConcrete(n.shape) ? n.shape : n.shape.length === 1 ? [v.length] : void 0;
    if (shape === void 0) throw new GraphgradError(where, "a typed array needs a fully known shape: pass a Tensor instead");
    if (v.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new GraphgradError(where, `${v.length} values given for shape [${shape.join(",")}]`);
    }
    return tensorFrom(v, n.dtype, shape, where);
  }
  return tensorFrom(v, n.dtype, void 0, where);
}
async function evaluate(e, feeds = {}, options = {}) {
  if (e instanceof Expr) {
    const r = await (await compile({ outputs: { value: e } }, options)).run(feeds);
    return r["value"];
  }
  return (await compile({ outputs: e }, options)).run(feeds);
}
export {
  compile,
  evaluate,
  graph,
  resolveBackend
};
