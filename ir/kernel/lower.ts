import type { DType } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { type Graph, withInputs } from "../graph.js";
import type { Node, NodeOf } from "../node.js";
import type { OpName } from "../ops/attrs.js";
import { planShapes, type ShapePlan } from "../plan-shapes.js";
import { type Dim, sizeOf, unifyShape } from "../shape.js";
import type { Subgraph } from "../subgraph.js";
import { contiguous, isContiguous } from "../view.js";
import { fuseEpilogues } from "./epilogues.js";
import { fusible } from "./fusion.js";
import { fuseProductSums } from "./product-sums.js";
import { type LowerContext, type Lowering, LOWERINGS } from "./lowerings.js";
import type { BufferInfo, ConvKernel, Kernel, KernelProgram, ScalarExpr } from "./program.js";
import { type BufferView, place, treeOf, type Value } from "./values.js";

/**
 * Lowers a graph, with the concrete shape of every node, to a kernel program (see program.ts):
 * each node through its op's entry in `LOWERINGS`, elementwise chains fused by the policy of
 * fusion.ts, layout ops as views, then matmul epilogues folded in (epilogues.ts). A subgraph (a
 * scan's body) is lowered the same way into the same buffers, as the kernels of a loop.
 */
export interface LowerOptions {
  /**
   * Whether the backend can apply this expression as a matmul epilogue (fused into the product's
   * store). Absent: no epilogue fusion.
   */
  readonly epilogue?: (expr: ScalarExpr, dtype: DType) => boolean;
  /** The sizes of the symbolic dimensions (for attributes holding one, e.g. a check's size). */
  readonly env?: ReadonlyMap<string, number>;
  /**
   * Fuse sums of float32 products into one matmul kernel with terms (product-sums.ts), up to a
   * summed reduction length of `maxLength`. Absent: no such fusion.
   */
  readonly productSums?: { readonly maxLength: number };
  /**
   * Whether the backend's kernel for this convolution reads its input through the view as fast
   * as from a copy (see lower-conv.ts). Absent: never.
   */
  readonly convInPlace?: (k: ConvKernel) => boolean;
}

/** What every graph and subgraph of one program shares. */
interface Session {
  readonly buffers: BufferInfo[];
  readonly options: LowerOptions;
  /** Results of multi-result ops (the nodes of one scan), by group. */
  readonly memo: Map<string, unknown>;
}

export function lowerToKernels(graph: Graph, shapes: readonly (readonly number[])[], options: LowerOptions = {}): KernelProgram {
  const session: Session = { buffers: [], options, memo: new Map() };
  const { kernels, outputs } = lowerGraph(session, graph, { shapes, env: options.env ?? new Map() }, new Map());
  const results = Object.keys(graph.outputs).map((name, i) => {
    const m = outputs[i] as BufferView;
    return [name, { buffer: m.buffer, shape: m.shape, dtype: m.dtype }] as const;
  });
  const program: KernelProgram = { buffers: session.buffers, kernels, outputs: Object.fromEntries(results) };
  const fused = options.epilogue === undefined ? program : fuseEpilogues(program, options.epilogue);
  return options.productSums === undefined ? fused : fuseProductSums(fused, options.productSums.maxLength);
}

/** Lowers `graph` into the session's buffers: its kernels, and its outputs materialized (in order). `preset` gives some nodes' values (a subgraph's parameters). */
function lowerGraph(session: Session, graph: Graph, plan: ShapePlan, preset: ReadonlyMap<Node, BufferView>): { kernels: Kernel[]; outputs: BufferView[] } {
  const { buffers } = session;
  const { shapes, env } = plan;
  const kernels: Kernel[] = [];
  const position = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  const shapeOf = (n: Node): readonly number[] => shapes[position.get(n) as number] as readonly number[];
  const outputNodes = new Set(Object.values(graph.outputs));
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const x of n.inputs) consumers.set(x, [...(consumers.get(x) ?? []), n]);
  const facts = { isOutput: (n: Node) => outputNodes.has(n), consumers: (n: Node) => consumers.get(n) ?? [], shapeOf };

  // The op being lowered: each buffer records it (errors about memory limits name it).
  let lowering = "input";
  const buffer = (dtype: DType, shape: readonly number[], role: BufferInfo["role"], extra: { readonly name?: string; readonly data?: readonly number[] } = {}): BufferView => {
    const id = buffers.length;
    buffers.push({ id, dtype, size: sizeOf(shape), role, ...extra, origin: { op: lowering, shape } });
    return { kind: "view", buffer: id, dtype, ...contiguous(shape) };
  };
  const copy = (v: Value): BufferView => {
    const out = buffer(v.dtype, v.shape, "temp");
    kernels.push({ kind: "map", shape: v.shape, out: { buffer: out.buffer, offset: 0, strides: out.strides }, expr: place(treeOf(v), v.shape), dtype: v.dtype });
    return out;
  };
  const materialize = (v: Value): BufferView => (v.kind === "view" && v.offset === 0 && isContiguous(v) && buffers[v.buffer]?.size === sizeOf(v.shape) ? v : copy(v));
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
  const lowerSubgraph = (body: Subgraph, bound: readonly BufferView[]): { kernels: Kernel[]; results: BufferView[] } => {
    const sub = withInputs(Object.fromEntries(body.results.map((r, i) => [`r${i}`, r])), body.params);
    const inner = lowerGraph(session, sub, subgraphShapes(sub, body, bound), new Map(body.params.map((p, i) => [p as Node, bound[i] as BufferView])));
    if (session.options.epilogue === undefined) return { kernels: inner.kernels, results: inner.outputs };
    // Matmul epilogues inside the body too; its results stay in their buffers (the loop copies them).
    const outputs = Object.fromEntries(inner.outputs.map((o, i) => [`r${i}`, { buffer: o.buffer, shape: o.shape, dtype: o.dtype }]));
    return { kernels: [...fuseEpilogues({ buffers, kernels: inner.kernels, outputs }, session.options.epilogue).kernels], results: inner.outputs };
  };

  const values = new Map<Node, Value>();
  for (const n of graph.nodes) {
    const given = preset.get(n);
    if (given !== undefined) {
      values.set(n, given);
      continue;
    }
    const shape = shapeOf(n);
    lowering = n.op;
    const context: LowerContext = {
      shape,
      args: n.inputs.map((x) => values.get(x) as Value),
      argShapes: n.inputs.map(shapeOf),
      env,
      output: (dtype) => buffer(dtype, shape, "temp"),
      temp: (dtype, s) => buffer(dtype, s, "temp"),
      source: (dtype, role, extra) => buffer(dtype, shape, role, extra),
      emit: (k) => void kernels.push(k),
      materialize,
      copy,
      matrixOperand,
      fusible: (tree) => fusible(n, tree, facts),
      lowerSubgraph,
      memo: session.memo,
      nodes: graph.nodes,
      ...(session.options.convInPlace === undefined ? {} : { convInPlace: session.options.convInPlace }),
    };
    values.set(n, (LOWERINGS[n.op] as Lowering<OpName>)(n as NodeOf<OpName>, context));
  }
  const outputs = Object.values(graph.outputs).map((n) => {
    lowering = n.op;
    return materialize(values.get(n) as Value);
  });
  return { kernels, outputs };
}

/** Concrete shapes of a subgraph's nodes (and its symbols' sizes), its parameters' symbols bound by the buffers given for them. */
function subgraphShapes(sub: Graph, body: Subgraph, bound: readonly BufferView[]): ShapePlan {
  const env = new Map<string, Dim>();
  body.params.forEach((p, i) => {
    const bad = unifyShape(p.shape, (bound[i] as BufferView).shape, env);
    if (bad !== undefined) throw new GraphgradError("scan", `the body's parameter ${p.attrs.name}: ${bad}`);
  });
  const plan = planShapes(sub, env as ReadonlyMap<string, number>);
  if (plan._tag === "Left") throw plan.left;
  return plan.right;
}
