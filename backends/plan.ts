import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../ir/errors.js";
import { type Graph, graphInputs } from "../ir/graph.js";
import type { NodeOf } from "../ir/node.js";
import { planShapes, type ShapePlan } from "../ir/plan-shapes.js";
import { type Dim, formatShape } from "../ir/shape.js";
import type { Tensor } from "../ir/tensor.js";

export { bindAttrs, planShapes, type ShapePlan } from "../ir/plan-shapes.js";

/**
 * What every backend does before running: check the feeds against the graph's inputs (names,
 * dtypes, ranks, sizes), bind the symbolic dimensions, and compute every node's concrete shape by
 * re-running its shape rule on concrete operands, checked against its symbolic shape.
 */

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
    if (dtype === "bool" && ArrayBuffer.isView(t.data)) {
      // The caller may have refilled a bool tensor's array since it was checked (a DeviceTensor has no array).
      const bad = t.data.findIndex((x) => x !== 0 && x !== 1);
      if (bad >= 0) return fail(`element ${bad} is ${String(t.data[bad])}: bool takes only 0, 1, true and false`);
    }
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

/**
 * The feeds' names, dtypes and shapes when every input's shape is known when the graph is built
 * (no symbolic dimension): a backend then plans, checks and builds its program at compile time,
 * so that a shape beyond its limits is refused by `compile`, not by the first run.
 */
export function staticFeeds(graph: Graph): Map<string, { readonly dtype: Tensor["dtype"]; readonly shape: readonly number[] }> | undefined {
  const feeds = new Map<string, { readonly dtype: Tensor["dtype"]; readonly shape: readonly number[] }>();
  for (const n of graphInputs(graph)) {
    const { name, shape, dtype } = n.attrs;
    if (!shape.every((d): d is number => typeof d === "number")) return undefined;
    feeds.set(name, { dtype, shape });
  }
  return feeds;
}
