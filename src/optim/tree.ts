import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
import * as arg from "../args.js";
import { Expr } from "../expr.js";

/**
 * Parameter records and optimizer-state trees. A state is an immutable record (with a `_tag`)
 * whose leaves are tensors: `Expr`s while a train step is being built, `Tensor`s between steps.
 * `Concrete<S>` is the between-steps form of a symbolic state type S.
 */

/** Named tensors: parameters, gradients, updates. */
export type Params<L = Expr> = Readonly<Record<string, L>>;

/** The between-steps form of a symbolic tree: every Expr leaf becomes a Tensor. */
export type Concrete<T> = T extends Expr
  ? Tensor
  : T extends string | number | boolean | undefined
    ? T
    : { readonly [K in keyof T]: Concrete<T[K]> };

export type Leaf = Expr | Tensor;

function isLeaf(v: unknown): v is Leaf {
  return v instanceof Expr || v instanceof Tensor;
}

/** The leaves of a tree with their paths (`mu/w`, `inner/0/count`), in a fixed order. */
export function flattenTree(tree: unknown, prefix = ""): [string, Leaf][] {
  arg.string("optim.flattenTree", prefix, "the prefix");
  if (isLeaf(tree)) return [[prefix, tree]];
  if (Array.isArray(tree)) return tree.flatMap((v, i) => flattenTree(v, join(prefix, String(i))));
  if (typeof tree === "object" && tree !== null) {
    return Object.keys(tree)
      .sort()
      .flatMap((k) => flattenTree((tree as Record<string, unknown>)[k], join(prefix, k)));
  }
  return [];
}

const join = (a: string, b: string): string => (a === "" ? b : `${a}/${b}`);

/** The same tree with each leaf replaced by `f(leaf, path)`; non-leaf values (tags) are kept. Frozen. */
export function mapTree<R>(tree: unknown, f: (leaf: Leaf, path: string) => R, prefix = ""): unknown {
  arg.func("optim.mapTree", f, "the function");
  arg.string("optim.mapTree", prefix, "the prefix");
  if (isLeaf(tree)) return f(tree, prefix);
  if (Array.isArray(tree)) return Object.freeze(tree.map((v, i) => mapTree(v, f, join(prefix, String(i)))));
  if (typeof tree === "object" && tree !== null) {
    // fromEntries defines each key as its own property, "__proto__" included (an assignment would set the prototype).
    return Object.freeze(Object.fromEntries(Object.keys(tree).map((k) => [k, mapTree((tree as Record<string, unknown>)[k], f, join(prefix, k))])));
  }
  return tree;
}

/**
 * `mapTree(template, (_, path) => leaves[offset + index(path)])` compiled once: builds the
 * template's tree (frozen) from its leaves in `flattenTree` order, walking no paths per call.
 * For the per-step path of a train step.
 */
export function treeBuilder(template: unknown): (leaves: readonly Leaf[], offset: number) => unknown {
  type Build = (leaves: readonly Leaf[], offset: number) => unknown;
  // Leaves are numbered in flattenTree's order (sorted keys); objects keep their own key order.
  let next = 0;
  const build = (tree: unknown): Build => {
    // A frozen subtree without leaves (an EmptyState) cannot change: share it.
    if (!isLeaf(tree) && flattenTree(tree).length === 0 && deepFrozen(tree)) return () => tree;
    if (isLeaf(tree)) {
      const i = next++;
      return (leaves, offset) => leaves[offset + i];
    }
    if (Array.isArray(tree)) {
      const items = tree.map((v) => build(v));
      return (leaves, offset) => Object.freeze(items.map((b) => b(leaves, offset)));
    }
    if (typeof tree === "object" && tree !== null) {
      const record = tree as Record<string, unknown>;
      const sorted = new Map(Object.keys(record).sort().map((k) => [k, build(record[k])] as const));
      const keys = Object.keys(record);
      const items = keys.map((k) => sorted.get(k) as Build);
      return (leaves, offset) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) out[keys[i] as string] = (items[i] as Build)(leaves, offset);
        return Object.freeze(out);
      };
    }
    return () => tree;
  };
  return build(template);
}

function deepFrozen(tree: unknown): boolean {
  if (typeof tree !== "object" || tree === null) return true;
  return Object.isFrozen(tree) && Object.values(tree).every(deepFrozen);
}

/**
 * `flattenTree(tree).map(([, leaf]) => leaf)` for trees shaped like `template`, compiled once:
 * each leaf is read along its precomputed key path. A tree of another shape gives a
 * GraphgradError naming the first path where a leaf is missing.
 */
export function treeFlattener(template: unknown, where: string): (tree: unknown) => Leaf[] {
  // Key lists, not split paths: a parameter name may contain '/'.
  const keyLists = (tree: unknown): (readonly (string | number)[])[] => {
    if (isLeaf(tree)) return [[]];
    if (Array.isArray(tree)) return tree.flatMap((v, i) => keyLists(v).map((ks) => [i, ...ks]));
    if (typeof tree === "object" && tree !== null) {
      return Object.keys(tree)
        .sort()
        .flatMap((k) => keyLists((tree as Record<string, unknown>)[k]).map((ks) => [k, ...ks]));
    }
    return [];
  };
  const paths = keyLists(template).map((keys) => ({ keys, path: keys.join("/") }));
  return (tree) => {
    const out: Leaf[] = new Array(paths.length);
    for (let i = 0; i < paths.length; i++) {
      const { keys, path } = paths[i] as { path: string; keys: readonly (string | number)[] };
      let v: unknown = tree;
      for (let k = 0; k < keys.length && v !== undefined && v !== null; k++) v = (v as Record<string | number, unknown>)[keys[k] as string | number];
      if (!isLeaf(v)) throw new GraphgradError(where, `the optimizer state has no tensor at '${path}' (is it a state of this train step's optimizer?)`);
      out[i] = v;
    }
    return out;
  };
}

/** Applies f to every entry of a parameter record. */
export function mapParams<A, B>(p: Params<A>, f: (v: A, name: string) => B): Params<B> {
  arg.record("optim.mapParams", p, "the parameters");
  arg.func("optim.mapParams", f, "the function");
  return Object.freeze(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, f(v, k)])));
}

/** The entry `name` of a record, or a clear error naming what is missing. */
export function entry<L>(p: Params<L>, name: string, what: string): L {
  const v = p[name];
  if (v === undefined) throw new GraphgradError(what, `no entry for parameter '${name}' (have: ${Object.keys(p).join(", ")})`);
  return v;
}
