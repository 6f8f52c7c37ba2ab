import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "./errors.js";
import type { Graph } from "./graph.js";
import type { Node, NodeOf } from "./node.js";
import type { OpDef } from "./op.js";
import { type OpAttrs, type OpName, OPS } from "./ops/index.js";
import { BINARY_OPS, COMPARE_OPS } from "./ops/elementwise.js";
import { type Dim, formatShape, type Shape, substitute } from "./shape.js";

/**
 * Concrete shapes for a binding of the symbolic dimensions: every node's shape rule re-run on its
 * operands' concrete shapes, checked against its symbolic shape. Backends plan every run's shapes
 * this way (backends/plan.ts binds the symbols from the feeds), and the kernel lowering plans a
 * scan's body the same way from its operands.
 */
export interface ShapePlan {
  /** The symbol bindings, e.g. ?x.0 -> 32. */
  readonly env: ReadonlyMap<string, number>;
  /** Concrete shape of each node, by its position in `graph.nodes`. */
  readonly shapes: readonly (readonly number[])[];
}

/** Attributes with their symbolic `shape`/`size` fields replaced by bound sizes. */
export function bindAttrs<K extends OpName>(attrs: OpAttrs[K], env: ReadonlyMap<string, number>): OpAttrs[K] {
  const a = attrs as Record<string, unknown>;
  if (!("shape" in a) && !("size" in a)) return attrs;
  const out: Record<string, unknown> = { ...a };
  const bind = (d: Dim): Dim => (typeof d === "string" ? (env.get(d) ?? d) : d);
  if (Array.isArray(a["shape"])) out["shape"] = (a["shape"] as Shape).map(bind);
  if (Array.isArray(a["size"])) out["size"] = (a["size"] as Shape).map(bind);
  else if (a["size"] !== undefined) out["size"] = bind(a["size"] as Dim);
  return out as OpAttrs[K];
}

/** Concrete shapes for every node under `env`; Left naming the op whose sizes disagree at run time. */
export function planShapes(graph: Graph, env: ReadonlyMap<string, number>): Either<GraphgradError, ShapePlan> {
  const index = new Map<Node, number>();
  const shapes: (readonly number[])[] = [];
  for (const n of graph.nodes) {
    const inputs = n.inputs.map((x) => ({ shape: shapes[index.get(x) as number] as readonly number[], dtype: x.dtype }));
    const def = OPS[n.op] as OpDef<OpName>;
    const r = def.infer(inputs, bindAttrs((n as NodeOf<OpName>).attrs, env));
    if (r._tag === "Left") return left(new GraphgradError(n.op, `at run time: ${r.left} (with ${formatEnv(env)})`));
    const expected = substitute(n.shape, env);
    const got = substitute(r.right.shape, env);
    const stretched = got === undefined ? undefined : stretchedSymbol(n, inputs.map((x) => x.shape), got);
    if (stretched !== undefined) return left(new GraphgradError(n.op, `at run time: ${stretched} (with ${formatEnv(env)})`));
    if (expected === undefined || got === undefined || expected.some((d, i) => d !== got[i]) || expected.length !== got.length) {
      return left(
        new GraphgradError(
          n.op,
          `at run time the result has shape ${formatShape(got ?? r.right.shape)}, but the graph was built for ${formatShape(n.shape)} ` +
            `(with ${formatEnv(env)}); a symbolic dimension was broadcast or mismatched`,
        ),
      );
    }
    index.set(n, shapes.length);
    shapes.push(got);
  }
  return right({ env, shapes });
}

const formatEnv = (env: ReadonlyMap<string, number>): string => [...env].map(([k, v]) => `${k}=${v}`).join(", ");

/** Ops whose operands broadcast implicitly against the result (matmul, conv: on their batch axes). */
const BROADCASTING: ReadonlySet<OpName> = new Set<OpName>([...BINARY_OPS, ...COMPARE_OPS, "where", "matmul", "conv"]);

/** The axes of a shape that broadcast: all, or the leading batch axes of matmul and conv. */
function broadcastAxes(n: Node, s: readonly Dim[]): readonly Dim[] {
  if (n.op === "matmul") return s.slice(0, -2);
  return n.op === "conv" ? s.slice(0, s.length - n.attrs.strides.length - 2) : s;
}

/**
 * Symbols never broadcast implicitly (see `ir/shape.ts`): an operand axis of symbolic size must have
 * the result's size at run time. On concrete sizes the shape rule cannot tell (a symbol bound to 1
 * would quietly stretch to the other operand's size), so it is checked here; the offence, or undefined.
 */
function stretchedSymbol(n: Node, operands: readonly (readonly number[])[], result: readonly number[]): string | undefined {
  if (!BROADCASTING.has(n.op)) return undefined;
  const cut = (s: readonly Dim[]): readonly Dim[] => broadcastAxes(n, s);
  const out = cut(result);
  for (const [k, x] of n.inputs.entries()) {
    const symbolic = cut(x.shape);
    const concrete = cut(operands[k] as readonly number[]);
    const lead = out.length - symbolic.length;
    for (let i = 0; i < symbolic.length; i++) {
      const d = symbolic[i] as Dim;
      if (typeof d === "string" && concrete[i] !== out[lead + i]) {
        return `dimension ${d} = ${String(concrete[i])} of operand ${k} would be broadcast to ${String(out[lead + i])}; symbolic dimensions must match exactly`;
      }
    }
  }
  return undefined;
}

