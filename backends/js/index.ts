import { type Backend, type Executable, feedMap, inputDtypes, scalarOf } from "../backend.js";
import { GraphgradError, orThrow } from "../../ir/errors.js";
import { type Graph, withInputs } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import type { Subgraph } from "../../ir/subgraph.js";
import type { Tensor } from "../../ir/tensor.js";
import { formatShape, sizeOf } from "../../ir/shape.js";
import { type ShapePlan, shapePlanner, staticFeeds } from "../plan.js";
import { closedFormOf } from "./closed-form.js";
import { type JsKernel, JS_KERNELS, type KernelContext, type OutInfo } from "./kernels.js";

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
  /** Plans the binding of these feeds' shapes, refusing what the backend cannot hold (nothing runs). */
  readonly check: (feeds: ReadonlyMap<string, Pick<Tensor, "dtype" | "shape">>) => void;
}

/** The most elements of one value: V8 allows longer typed arrays, but 2³¹ float32s are already 8 GiB. */
const MAX_JS_ELEMENTS = 2 ** 31 - 1;

/** How one binding runs: each node's kernel and operands (closed-form reductions read past a fill or broadcast), which nodes run, and when values are released. */
interface Schedule {
  readonly plan: ShapePlan;
  readonly kernels: readonly ((ins: readonly Tensor[], out: OutInfo, ctx: KernelContext) => Tensor)[];
  readonly operands: readonly (readonly number[])[];
  readonly runs: readonly boolean[];
  readonly releaseAfter: readonly (readonly number[])[];
}

function interpreter(graph: Graph): Interpreter {
  const nodes = graph.nodes;
  const position = new Map<Node, number>(nodes.map((n, i) => [n, i]));
  const operands = nodes.map((n) => n.inputs.map((x) => position.get(x) as number));
  const keep = new Set(Object.values(graph.outputs).map((n) => position.get(n) as number));
  const users = nodes.map((): number[] => []);
  operands.forEach((ins, user) => ins.forEach((i) => (users[i] as number[]).push(user)));
  const planner = shapePlanner(graph);
  const schedules = new WeakMap<ShapePlan, Schedule>();

  /** The schedule for a binding: closed-form reductions, the nodes they make unnecessary, sizes checked against the limit. */
  const scheduleOf = (p: ShapePlan): Schedule => {
    const hit = schedules.get(p);
    if (hit !== undefined) return hit;
    const kernels = nodes.map((n) => {
      const k = JS_KERNELS[n.op] as JsKernel<OpName>;
      return (ins: readonly Tensor[], out: OutInfo, ctx: KernelContext): Tensor => k((n as NodeOf<OpName>).attrs, ins, out, ctx);
    });
    const ops = operands.map((o) => [...o]);
    const closed = new Set<number>();
    nodes.forEach((n, i) => {
      if (n.op !== "reduceSum" && n.op !== "reduceMax") return;
      const o = operands[i]?.[0] as number;
      const x = nodes[o] as Node;
      const source = x.op === "broadcast" ? p.shapes[position.get(x.inputs[0] as Node) as number] : undefined;
      const cf = closedFormOf(n, x, p.shapes[o] as number[], source);
      if (cf === undefined) return;
      kernels[i] = (ins, out) => cf.kernel(ins[0], out);
      ops[i] = cf.reads === undefined ? [] : [position.get(cf.reads) as number];
      closed.add(i);
    });
    // A fill or broadcast read only by closed-form reductions is never computed.
    const runs = nodes.map((_, i) => keep.has(i) || (users[i] as number[]).length === 0 || !(users[i] as number[]).every((u) => closed.has(u)));
    const tooLarge = nodes.findIndex((_, i) => runs[i] === true && sizeOf(p.shapes[i] as number[]) > MAX_JS_ELEMENTS);
    const big = nodes[tooLarge];
    if (big !== undefined) {
      const shape = p.shapes[tooLarge] as number[];
      throw new GraphgradError(big.op, `${big.dtype}${formatShape(shape)} has ${sizeOf(shape)} elements; the JS backend holds every value in a typed array of at most 2^31 - 1 elements (sums and maxes of fills and broadcasts are computed without them)`);
    }
    // lastUse[i]: the last node reading node i; its value can be dropped after that node runs.
    const lastUse = nodes.map((_, i) => i);
    ops.forEach((ins, user) => ins.forEach((i) => (lastUse[i] = user)));
    const releaseAfter = nodes.map((): number[] => []);
    lastUse.forEach((user, i) => {
      if (!keep.has(i)) (releaseAfter[user] as number[]).push(i);
    });
    const s: Schedule = { plan: p, kernels, operands: ops, runs, releaseAfter };
    schedules.set(p, s);
    return s;
  };
  const scheduleFor = (feeds: ReadonlyMap<string, Pick<Tensor, "dtype" | "shape">>): Schedule => scheduleOf(orThrow(planner(feeds as ReadonlyMap<string, Tensor>)));

  const run = (feeds: ReadonlyMap<string, Tensor>): (Tensor | undefined)[] => {
    const s = scheduleFor(feeds);
    const values: (Tensor | undefined)[] = new Array(nodes.length);
    const ctx: KernelContext = { feeds, env: s.plan.env, subgraph: evaluateSubgraph, memo: new Map() };
    for (let i = 0; i < nodes.length; i++) {
      if (s.runs[i] !== true) continue;
      const ins = (s.operands[i] as number[]).map((j) => values[j] as Tensor);
      const out = { shape: s.plan.shapes[i] as number[], dtype: (nodes[i] as Node).dtype };
      values[i] = (s.kernels[i] as Schedule["kernels"][number])(ins, out, ctx);
      for (const j of s.releaseAfter[i] as number[]) values[j] = undefined;
    }
    return values;
  };
  return { run, position, check: (feeds) => void scheduleFor(feeds) };
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
  const { run, position, check } = interpreter(graph);
  // Every shape known: refuse now rather than at the first run.
  const known = staticFeeds(graph);
  if (known !== undefined) check(known);
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
