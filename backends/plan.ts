import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../ir/errors.js";
import { type Graph, graphInputs } from "../ir/graph.js";
import type { Node, NodeOf } from "../ir/node.js";
import type { OpDef } from "../ir/op.js";
import { type OpAttrs, type OpName, OPS } from "../ir/ops/index.js";
import { BINARY_OPS, COMPARE_OPS } from "../ir/ops/elementwise.js";
import { type Dim, formatShape, type Shape, substitute } from "../ir/shape.js";
import type { Tensor } from "../ir/tensor.js";

/**
 * What every backend does before running: check the feeds against the graph's inputs (names,
 * dtypes, ranks, sizes), bind the symbolic dimensions, and compute every node's concrete shape by
 * re-running its shape rule on concrete operands, checked against its symbolic shape.
 */

export interface ShapePlan {
  /** The symbol bindings, e.g. ?x.0 -> 32. */
  readonly env: ReadonlyMap<string, number>;
  /** Concrete shape of each node, by its position in `graph.nodes`. */
  readonly shapes: readonly (readonly number[])[];
}

/** Binds symbols from the feeds; Left naming the input on a missing, unknown or ill-shaped feed. */
export function bindFeeds(graph: Graph, feeds: ReadonlyMap<string, Tensor>): Either<GraphgradError, Map<string, number>> {
  const inputs = graphInputs(graph);
  return bindWith(inputs, new Set(inputs.map((n) => n.attrs.name)), feeds);
}

/** `bindFeeds` with the graph's inputs precomputed (the per-run path); messages are built only on error. */
function bindWith(inputs: readonly NodeOf<"input">[], names: ReadonlySet<string>, feeds: ReadonlyMap<string, Tensor>): Either<GraphgradError, Map<string, number>> {
  if (feeds.size !== inputs.length || [...feeds.keys()].some((k) => !names.has(k))) {
    for (const name of feeds.keys()) {
      if (!names.has(name)) {
        return left(new GraphgradError(`feed '${name}'`, `the graph has no input of that name (inputs: ${[...names].join(", ") || "none"})`));
      }
    }
  }
  const env = new Map<string, number>();
  for (const n of inputs) {
    const { name, shape, dtype } = n.attrs;
    const t = feeds.get(name);
    const want = (): string => `${dtype}${formatShape(shape)}`;
    const fail = (msg: string): Either<GraphgradError, Map<string, number>> => left(new GraphgradError(`feed '${name}'`, msg));
    if (t === undefined) return fail(`missing: the graph needs ${want()}`);
    const got = (): string => `${t.dtype}${formatShape(t.shape)}`;
    if (t.dtype !== dtype) return fail(`dtype ${t.dtype} given, ${dtype} expected (${got()} for ${want()})`);
    if (t.shape.length !== shape.length) return fail(`rank ${t.shape.length} given, ${shape.length} expected (${got()} for ${want()})`);
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i] as Dim;
      const v = t.shape[i] as number;
      if (typeof d === "number") {
        if (d !== v) return fail(`axis ${i} has size ${v}, ${d} expected (${got()} for ${want()})`);
      } else {
        const bound = env.get(d);
        if (bound !== undefined && bound !== v) return fail(`axis ${i} has size ${v}, but dimension ${d} is ${bound} in another feed`);
        env.set(d, v);
      }
    }
  }
  return right(env);
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

/** Ops whose operands broadcast implicitly against the result (matmul: on its batch axes). */
const BROADCASTING: ReadonlySet<OpName> = new Set<OpName>([...BINARY_OPS, ...COMPARE_OPS, "where", "matmul"]);

/**
 * Symbols never broadcast implicitly (see `ir/shape.ts`): an operand axis of symbolic size must have
 * the result's size at run time. On concrete sizes the shape rule cannot tell (a symbol bound to 1
 * would quietly stretch to the other operand's size), so it is checked here; the offence, or undefined.
 */
function stretchedSymbol(n: Node, operands: readonly (readonly number[])[], result: readonly number[]): string | undefined {
  if (!BROADCASTING.has(n.op)) return undefined;
  const cut = (s: readonly Dim[]): readonly Dim[] => (n.op === "matmul" ? s.slice(0, -2) : s);
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

/** The plan for a set of feeds, memoized per symbol binding (a backend calls this on every run). */
export function shapePlanner(graph: Graph): (feeds: ReadonlyMap<string, Tensor>) => Either<GraphgradError, ShapePlan> {
  const cache = new Map<string, ShapePlan>();
  const inputs = graphInputs(graph);
  const names = new Set(inputs.map((n) => n.attrs.name));
  return (feeds) => {
    const env = bindWith(inputs, names, feeds);
    if (env._tag === "Left") return env;
    let key = "";
    for (const [k, v] of env.right) key += `${k}=${v};`;
    const hit = cache.get(key);
    if (hit !== undefined) return right(hit);
    const plan = planShapes(graph, env.right);
    if (plan._tag === "Right") cache.set(key, plan.right);
    return plan;
  };
}

/**
 * A compiled backend's per-binding cache: the feeds are planned (checked, symbols bound) and the
 * program built for that binding once (`build`, asynchronous), then found again for every later
 * run whose feeds bind the symbols the same way. The planner reads only names, dtypes and shapes.
 */
export function bindingCache<I>(graph: Graph, build: (plan: ShapePlan) => Promise<I>): (feeds: ReadonlyMap<string, { readonly dtype: Tensor["dtype"]; readonly shape: readonly number[] }>) => Promise<I> {
  const planner = shapePlanner(graph);
  const built = new WeakMap<ShapePlan, Promise<I>>();
  return (feeds) => {
    const plan = planner(feeds as ReadonlyMap<string, Tensor>);
    if (plan._tag === "Left") throw plan.left;
    let pending = built.get(plan.right);
    if (pending === undefined) {
      pending = build(plan.right);
      built.set(plan.right, pending);
    }
    return pending;
  };
}
