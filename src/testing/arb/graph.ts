import fc from "fast-check";
import { type DType, DTYPES } from "../../../ir/dtype.js";
import { GraphgradError } from "../../../ir/errors.js";
import type { Graph } from "../../../ir/graph.js";
import { type Node, toposort } from "../../../ir/node.js";
import { OP_NAMES, type OpName } from "../../../ir/ops/attrs.js";
import { printGraph } from "../../../ir/print.js";
import { Tensor } from "../../../ir/tensor.js";
import { Expr } from "../../expr.js";
import { type Bounded, type Builders, builders, mk } from "./bounded.js";
import { GRAPH_OPS, type OpGenerator, type Step } from "./graph-ops.js";
import { broadcastShapes, sizeOf } from "./shapes.js";

export interface GraphOptions {
  /** The primitives the steps draw; default: every primitive `arb.graph` generates. */
  readonly ops?: readonly OpName[];
  /** The most steps (drawn ops) in a graph; default 12. */
  readonly size?: number;
  /**
   * The dtypes nodes may have; default all four. The graph computes in float64 when it is
   * allowed, else in float32; int32 and bool appear in casts, comparisons, indices and keys.
   */
  readonly dtypes?: readonly DType[];
  /** The most inputs (default 3) and outputs (default 3). */
  readonly inputs?: number;
  readonly outputs?: number;
}

/** A random program and feeds for it. */
export interface RandomGraph {
  /** The named outputs, and every node built (dead ones included, which no output needs). */
  readonly graph: Graph;
  /** The same outputs as expressions, for `gg.compile({ outputs })`. */
  readonly outputs: Readonly<Record<string, Expr>>;
  /** One feed per input (x0, x1, ...), values in [-2, 2] in the graph's float dtype. Every input is used by an output. */
  readonly feeds: Readonly<Record<string, Tensor>>;
}

/** The primitives `arb.graph` draws (the others say why not: `GRAPH_OPS`). */
export const GENERATED_OPS: readonly OpName[] = OP_NAMES.filter((op) => typeof GRAPH_OPS[op] !== "string");

/**
 * Random well-typed graphs: 1..inputs inputs of shapes that broadcast together, then up to `size`
 * steps, each one primitive drawn from `ops` applied to earlier nodes (adapted so it is valid: an
 * operand that does not broadcast is summed to a scalar, log's operand is kept positive, ...),
 * and up to `outputs` outputs (and any input nothing else uses, as an output). Every value stays finite and never NaN for any feed in [-2, 2]
 * (each node carries an interval of its values, and ops are kept inside their domains), so the
 * graphs suit exact comparisons: backends, passes, transforms, serialization.
 */
export function graph(options: GraphOptions = {}): fc.Arbitrary<RandomGraph> {
  const { size = 12, inputs = 3, outputs = 3 } = options;
  const dtypes = new Set<DType>(options.dtypes ?? DTYPES);
  for (const d of dtypes) if (!DTYPES.includes(d)) throw new GraphgradError("arb.graph", `unknown dtype '${String(d)}' in dtypes (dtypes: ${DTYPES.join(", ")})`);
  const float = dtypes.has("float64") ? "float64" : dtypes.has("float32") ? "float32" : undefined;
  if (float === undefined) throw new GraphgradError("arb.graph", `dtypes must include float32 or float64, got [${[...dtypes].join(", ")}]`);
  const b = builders(float, (d) => dtypes.has(d));
  const ops = drawableOps(options.ops ?? GENERATED_OPS, b, options.ops !== undefined);
  for (const [name, n, min] of [["size", size, 1], ["inputs", inputs, 1], ["outputs", outputs, 1]] as const) {
    if (!Number.isInteger(n) || n < min) throw new GraphgradError("arb.graph", `${name} must be an integer >= ${min}, got ${n}`);
  }
  const stepArb: fc.Arbitrary<Step> = fc.record({
    op: fc.constantFrom(...ops),
    a: fc.nat(),
    b: fc.nat(),
    c: fc.nat(),
    p: fc.array(fc.nat({ max: 1 << 16 }), { minLength: 4, maxLength: 4 }),
    v: fc.double({ min: -2, max: 2, noNaN: true }),
  });
  const feedValues = (n: number): fc.Arbitrary<number[]> => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
  return fc
    .integer({ min: 1, max: inputs })
    .chain((count) => broadcastShapes(count, { maxRank: 3, maxDim: 3 }))
    .chain((shapes) =>
      fc.record({
        shapes: fc.constant(shapes),
        values: fc.tuple(...shapes.map((s) => feedValues(sizeOf(s)))),
        steps: fc.array(stepArb, { minLength: 1, maxLength: size }),
        picks: fc.array(fc.nat(), { minLength: 0, maxLength: outputs - 1 }),
      }),
    )
    .map(({ shapes, values, steps, picks }) => build(b, new Set(ops), shapes, values, steps, picks));
}

/** The ops to draw, checked: each a primitive the table generates and the dtypes allow. */
function drawableOps(ops: readonly OpName[], b: Builders, explicit: boolean): OpName[] {
  const usable = ops.filter((op) => {
    const entry = (GRAPH_OPS as Readonly<Record<string, OpGenerator | string | undefined>>)[op];
    if (entry === undefined) throw new GraphgradError("arb.graph", `'${String(op)}' in ops is not a primitive (primitives: ${OP_NAMES.join(" ")})`);
    if (typeof entry === "string") throw new GraphgradError("arb.graph", `'${op}' in ops is ${entry}`);
    const ok = entry.usable?.(b) ?? true;
    if (!ok && explicit) throw new GraphgradError("arb.graph", `'${op}' in ops needs a dtype that dtypes leaves out (the graph computes in ${b.float})`);
    return ok;
  });
  if (usable.length === 0) throw new GraphgradError("arb.graph", "ops must name at least one primitive to draw");
  return usable;
}

/** Keeps magnitudes below 1000 (and so every later value finite). */
function tame(x: Bounded, b: Builders): Bounded {
  return Math.max(Math.abs(x.lo), Math.abs(x.hi)) > 1000 ? b.tanhOf(x) : x;
}

function build(b: Builders, drawable: ReadonlySet<OpName>, shapes: readonly number[][], values: readonly number[][], steps: readonly Step[], picks: readonly number[]): RandomGraph {
  const pool: Bounded[] = shapes.map((shape, i) => b.bounded(mk("input", [], { name: `x${i}`, shape, dtype: b.float, kind: i === 0 ? "input" : "param" }), -2, 2));
  const pick = (k: number): Bounded => pool[pool.length - 1 - (k % pool.length)] as Bounded;
  for (const s of steps) {
    const gen = GRAPH_OPS[s.op] as OpGenerator;
    pool.push(tame(gen.make({ b, s, pick, drawable }), b));
  }
  const outputs: Record<string, Node> = { out0: (pool[pool.length - 1] as Bounded).node };
  picks.forEach((k, i) => (outputs[`out${i + 1}`] = (pool[k % pool.length] as Bounded).node));
  // An input no output uses is an output itself: the feeds are then those of graph and outputs alike.
  const used = new Set(toposort(Object.values(outputs)));
  shapes.forEach((_, i) => {
    const x = (pool[i] as Bounded).node;
    if (!used.has(x)) outputs[`out${Object.keys(outputs).length}`] = x;
  });
  const g: Graph = { outputs, nodes: toposort(pool.map((x) => x.node)) };
  const feeds = Object.fromEntries(shapes.map((shape, i) => [`x${i}`, new Tensor(b.float, shape, (b.float === "float64" ? Float64Array : Float32Array).from(values[i] as number[]))] as const));
  const exprs = Object.fromEntries(Object.entries(outputs).map(([k, n]) => [k, Expr.of(n)] as const));
  const listing = (): string => `${printGraph(g)}\nfeeds ${Object.entries(feeds).map(([k, t]) => `${k}=${JSON.stringify(Array.from(t.data))}`).join(" ")}`;
  // fast-check prints a counterexample with this method.
  return Object.assign({ graph: g, outputs: exprs, feeds }, { [fc.toStringMethod]: listing });
}
