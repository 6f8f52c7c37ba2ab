import type { DType } from "../dtype.js";
import type { Graph } from "../graph.js";
import type { Node, NodeOf } from "../node.js";
import type { OpName } from "../ops/attrs.js";
import { sizeOf } from "../shape.js";
import { contiguous, isContiguous } from "../view.js";
import { fuseEpilogues } from "./epilogues.js";
import { fusible } from "./fusion.js";
import { type LowerContext, type Lowering, LOWERINGS } from "./lowerings.js";
import type { BufferInfo, Kernel, KernelProgram, ScalarExpr } from "./program.js";
import { type BufferView, place, treeOf, type Value } from "./values.js";

/**
 * Lowers a graph, with the concrete shape of every node, to a kernel program (see program.ts):
 * each node through its op's entry in `LOWERINGS`, elementwise chains fused by the policy of
 * fusion.ts, layout ops as views, then matmul epilogues folded in (epilogues.ts).
 */
export interface LowerOptions {
  /**
   * Whether the backend can apply this expression as a matmul epilogue (fused into the product's
   * store). Absent: no epilogue fusion.
   */
  readonly epilogue?: (expr: ScalarExpr, dtype: DType) => boolean;
}

export function lowerToKernels(graph: Graph, shapes: readonly (readonly number[])[], options: LowerOptions = {}): KernelProgram {
  const buffers: BufferInfo[] = [];
  const kernels: Kernel[] = [];
  const position = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  const shapeOf = (n: Node): readonly number[] => shapes[position.get(n) as number] as readonly number[];
  const outputNodes = new Set(Object.values(graph.outputs));
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const x of n.inputs) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  const facts = { isOutput: (n: Node) => outputNodes.has(n), consumers: (n: Node) => consumers.get(n) ?? [], shapeOf };

  const buffer = (dtype: DType, shape: readonly number[], role: BufferInfo["role"], extra: { readonly name?: string; readonly data?: readonly number[] } = {}): BufferView => {
    const id = buffers.length;
    buffers.push({ id, dtype, size: sizeOf(shape), role, ...extra });
    return { kind: "view", buffer: id, dtype, ...contiguous(shape) };
  };
  const materialize = (v: Value): BufferView => {
    if (v.kind === "view" && v.offset === 0 && isContiguous(v) && buffers[v.buffer]?.size === sizeOf(v.shape)) return v;
    const out = buffer(v.dtype, v.shape, "temp");
    kernels.push({ kind: "map", shape: v.shape, out: { buffer: out.buffer, offset: 0, strides: out.strides }, expr: place(treeOf(v), v.shape), dtype: v.dtype });
    return out;
  };
  const matrixOperand = (v: Value): readonly [BufferView, boolean] => {
    if (v.kind === "view" && v.shape.length >= 2) {
      const r = v.shape.length;
      const rows = v.shape[r - 2] as number;
      const cols = v.shape[r - 1] as number;
      const [sr, sc] = [v.strides[r - 2] as number, v.strides[r - 1] as number];
      if ((sr === cols || rows === 1) && (sc === 1 || cols === 1)) return [v, false];
      if ((sc === rows || cols === 1) && (sr === 1 || rows === 1)) return [v, true];
    }
    return [materialize(v), false];
  };

  const values = new Map<Node, Value>();
  for (const n of graph.nodes) {
    const shape = shapeOf(n);
    const context: LowerContext = {
      shape,
      args: n.inputs.map((x) => values.get(x) as Value),
      argShapes: n.inputs.map(shapeOf),
      output: (dtype) => buffer(dtype, shape, "temp"),
      source: (dtype, role, extra) => buffer(dtype, shape, role, extra),
      emit: (k) => void kernels.push(k),
      materialize,
      matrixOperand,
      fusible: (tree) => fusible(n, tree, facts),
    };
    values.set(n, (LOWERINGS[n.op] as Lowering<OpName>)(n as NodeOf<OpName>, context));
  }

  const outputs: Record<string, { buffer: number; shape: readonly number[]; dtype: DType }> = {};
  for (const [name, n] of Object.entries(graph.outputs)) {
    const m = materialize(values.get(n) as Value);
    outputs[name] = { buffer: m.buffer, shape: m.shape, dtype: m.dtype };
  }
  const program = { buffers, kernels, outputs };
  return options.epilogue === undefined ? program : fuseEpilogues(program, options.epilogue);
}
