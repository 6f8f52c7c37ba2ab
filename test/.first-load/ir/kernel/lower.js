import { sizeOf } from "../shape.js";
import { contiguous, isContiguous } from "../view.js";
import { fuseEpilogues } from "./epilogues.js";
import { fusible } from "./fusion.js";
import { LOWERINGS } from "./lowerings.js";
import { place, treeOf } from "./values.js";
function lowerToKernels(graph, shapes, options = {}) {
  const buffers = [];
  const kernels = [];
  const position = new Map(graph.nodes.map((n, i) => [n, i]));
  const shapeOf = (n) => shapes[position.get(n)];
  const outputNodes = new Set(Object.values(graph.outputs));
  const consumers = /* @__PURE__ */ new Map();
  for (const n of graph.nodes) for (const x of n.inputs) consumers.set(x, [...consumers.get(x) ?? [], n]);
  const facts = { isOutput: (n) => outputNodes.has(n), consumers: (n) => consumers.get(n) ?? [], shapeOf };
  const buffer = (dtype, shape, role, extra = {}) => {
    const id = buffers.length;
    buffers.push({ id, dtype, size: sizeOf(shape), role, ...extra });
    return { kind: "view", buffer: id, dtype, ...contiguous(shape) };
  };
  const materialize = (v) => {
    if (v.kind === "view" && v.offset === 0 && isContiguous(v) && buffers[v.buffer]?.size === sizeOf(v.shape)) return v;
    const out = buffer(v.dtype, v.shape, "temp");
    kernels.push({ kind: "map", shape: v.shape, out: { buffer: out.buffer, offset: 0, strides: out.strides }, expr: place(treeOf(v), v.shape), dtype: v.dtype });
    return out;
  };
  const matrixOperand = (v) => {
    if (v.kind === "view" && v.shape.length >= 2) {
      const r = v.shape.length;
      const rows = v.shape[r - 2];
      const cols = v.shape[r - 1];
      const [sr, sc] = [v.strides[r - 2], v.strides[r - 1]];
      if ((sr === cols || rows === 1) && (sc === 1 || cols === 1)) return [v, false];
      if ((sc === rows || cols === 1) && (sr === 1 || rows === 1)) return [v, true];
    }
    return [materialize(v), false];
  };
  const values = /* @__PURE__ */ new Map();
  for (const n of graph.nodes) {
    const shape = shapeOf(n);
    const context = {
      shape,
      args: n.inputs.map((x) => values.get(x)),
      argShapes: n.inputs.map(shapeOf),
      output: (dtype) => buffer(dtype, shape, "temp"),
      source: (dtype, role, extra) => buffer(dtype, shape, role, extra),
      emit: (k) => void kernels.push(k),
      materialize,
      matrixOperand,
      fusible: (tree) => fusible(n, tree, facts)
    };
    values.set(n, LOWERINGS[n.op](n, context));
  }
  const outputs = {};
  for (const [name, n] of Object.entries(graph.outputs)) {
    const m = materialize(values.get(n));
    outputs[name] = { buffer: m.buffer, shape: m.shape, dtype: m.dtype };
  }
  const program = { buffers, kernels, outputs };
  return options.epilogue === void 0 ? program : fuseEpilogues(program, options.epilogue);
}
export {
  lowerToKernels
};
