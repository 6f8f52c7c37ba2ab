import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import { Expr } from "../expr.js";
import { input } from "../ops.js";
import type { GradientTransformation, TransformState, UpdateContext, UpdateResult } from "../optim/transform.js";
import { flattenTree, type Leaf, mapTree, type Params } from "../optim/tree.js";
import { CheckFailure } from "./failure.js";

export interface CheckTransformationOptions {
  /** The parameters' shapes; default { w: [3, 2], b: [2] }. */
  readonly params?: Readonly<Record<string, readonly number[]>>;
  /** The dtype of parameters and gradients; default float32. */
  readonly dtype?: "float32" | "float64";
}

export interface TransformationReport {
  /** The paths of the state's tensors (`inner/1/mu/w`, ...). */
  readonly state: readonly string[];
  /** The metrics `update` reports. */
  readonly metrics: readonly string[];
}

/**
 * Checks that a gradient transformation (an optimizer) keeps the laws `trainStep` relies on:
 * - `init` and `update` are pure: called twice with the same arguments they give the identical
 *   expressions (graphgrad's nodes are hash-consed, so equal means the same node), and they leave
 *   their arguments as they were;
 * - their states are frozen all the way down, and `update` returns a state of `init`'s shape:
 *   the same tensor paths, shapes and dtypes;
 * - `update` gives one update per gradient, of its shape, and scalar metrics.
 * `update` is called on `init`'s state and on a state of fresh inputs, with and without a global
 * step in its context. Throws a `CheckFailure` naming the law and where it breaks.
 */
export function checkTransformation<S extends TransformState, K extends string>(t: GradientTransformation<S, K>, options: CheckTransformationOptions = {}): TransformationReport {
  if (typeof t !== "object" || t === null || typeof t.init !== "function" || typeof t.update !== "function") {
    throw new GraphgradError("checkTransformation", "expected a gradient transformation { init, update }");
  }
  const { params: shapes = { w: [3, 2], b: [2] }, dtype = "float32" } = options;
  // Not frozen: a transformation writing to them is caught (and named) below, not by a TypeError.
  const named = (prefix: string): Params => Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, input(`${prefix}/${n}`, s, dtype)]));
  const params = named("p");
  const grads = named("g");

  const init = (): S => unchanged("init", { params }, () => t.init(params));
  const state = samePure("init", init(), init());
  deepFrozen("init's state", state);
  const template = leaves(state);
  const fresh = mapTree(state, (leaf, path) => input(`s/${path}`, shapeOf(leaf), leaf.dtype)) as S;
  const step = input("step", [], "int32");
  let metrics: string[] = [];
  for (const [what, s] of [["init's state", state], ["a state of inputs", fresh]] as const) {
    for (const context of [undefined, { step }] as const) {
      const call = `update on ${what}${context === undefined ? "" : " with a global step"}`;
      const args = { grads, state: s, params };
      const update = (): UpdateResult<S, K> => unchanged(call, args, () => t.update(grads, s, params, context as UpdateContext | undefined));
      const once = update();
      samePure(call, labeled(once), labeled(update()));
      const [updates, next, m] = once;
      deepFrozen(`the state of ${call}`, next);
      sameShape(call, template, leaves(next));
      checkUpdates(call, grads, updates);
      metrics = Object.keys(m);
      for (const [name, e] of Object.entries<Expr>(m)) if (!(e instanceof Expr) || e.rank !== 0) fail(`${call}: metric '${name}' is not a scalar expression`);
    }
  }
  return { state: template.map(([p]) => p), metrics };
}

const fail = (detail: string): never => {
  throw new CheckFailure("checkTransformation", detail);
};

const shapeOf = (leaf: Leaf): number[] => [...(leaf instanceof Tensor ? leaf.shape : (leaf.shape as number[]))];

/** An update's result with its parts named, for messages: `updates/w`, `state/inner/0/mu/w`, `metrics/lr`. */
const labeled = (r: UpdateResult<TransformState>): unknown => ({ updates: r[0], state: r[1], metrics: r[2] });

const leaves = (tree: unknown): [string, Leaf][] => flattenTree(tree);

/** Runs `f`, then checks it left its arguments as they were: the same entries and tensors at the same paths. */
function unchanged<R>(call: string, args: Readonly<Record<string, unknown>>, f: () => R): R {
  const contents = (a: unknown): Map<string, unknown> => new Map<string, unknown>([...Object.entries(a as object), ...leaves(a)]);
  const before = new Map(Object.entries(args).map(([name, a]) => [name, contents(a)] as const));
  const r = f();
  Object.entries(args).forEach(([name, a]) => {
    const was = before.get(name) as Map<string, unknown>;
    const now = contents(a);
    const changed = [...new Set([...was.keys(), ...now.keys()])].find((k) => was.get(k) !== now.get(k));
    if (changed === undefined) return;
    const how = !now.has(changed) ? "was removed" : !was.has(changed) ? "was added" : "is not what it was";
    fail(`${call} changed its argument ${name}: '${changed}' ${how}`);
  });
  return r;
}

/** Two results of the same call: the identical tree of identical expressions, else a failure naming the first difference. */
function samePure<R>(call: string, a: R, b: R): R {
  const la = leaves(a);
  const lb = leaves(b);
  const paths = (l: [string, Leaf][]): string => l.map(([p]) => p).join(", ");
  if (la.length !== lb.length || la.some(([p], i) => p !== lb[i]?.[0])) fail(`${call} is not pure: called twice with the same arguments it gave trees with different tensors (${paths(la)} / ${paths(lb)})`);
  la.forEach(([p, v], i) => {
    const w = lb[i]?.[1];
    const same = v instanceof Expr && w instanceof Expr ? v.node === w.node : v === w;
    if (!same) fail(`${call} is not pure: called twice with the same arguments it gave different values at '${p}' (${String(v)} / ${String(w)})`);
  });
  return a;
}

/** Every object and array of a state (not its tensors) is frozen. */
function deepFrozen(what: string, tree: unknown, path = ""): void {
  if (typeof tree !== "object" || tree === null || tree instanceof Expr || tree instanceof Tensor) return;
  if (!Object.isFrozen(tree)) fail(`${what} is not frozen at '${path === "" ? "(the root)" : path}': states must be immutable (Object.freeze every level)`);
  for (const [k, v] of Object.entries(tree)) deepFrozen(what, v, path === "" ? k : `${path}/${k}`);
}

function sameShape(call: string, template: readonly [string, Leaf][], got: readonly [string, Leaf][]): void {
  const describe = ([p, l]: readonly [string, Leaf]): string => `${p}: ${l.dtype}${formatShape(shapeOf(l))}`;
  const want = template.map(describe);
  const have = got.map(describe);
  if (want.join("; ") !== have.join("; ")) fail(`${call} returned a state unlike init's (paths, dtypes, shapes): init [${want.join("; ")}], update [${have.join("; ")}]`);
}

function checkUpdates(call: string, grads: Params, updates: UpdateResult<TransformState>[0]): void {
  const want = Object.keys(grads).sort();
  const have = Object.keys(updates).sort();
  if (want.join() !== have.join()) fail(`${call}: the updates are for [${have.join(", ")}], the gradients for [${want.join(", ")}]`);
  for (const n of want) {
    const u = updates[n];
    const g = grads[n] as Expr;
    if (!(u instanceof Expr) || formatShape(u.shape) !== formatShape(g.shape)) fail(`${call}: the update of '${n}' is ${u instanceof Expr ? formatShape(u.shape) : String(u)}, its gradient ${formatShape(g.shape)}`);
  }
}

