import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
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
  if (isLeaf(tree)) return f(tree, prefix);
  if (Array.isArray(tree)) return Object.freeze(tree.map((v, i) => mapTree(v, f, join(prefix, String(i)))));
  if (typeof tree === "object" && tree !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(tree)) out[k] = mapTree((tree as Record<string, unknown>)[k], f, join(prefix, k));
    return Object.freeze(out);
  }
  return tree;
}

/** Applies f to every entry of a parameter record. */
export function mapParams<A, B>(p: Params<A>, f: (v: A, name: string) => B): Params<B> {
  const out: Record<string, B> = {};
  for (const [k, v] of Object.entries(p)) out[k] = f(v, k);
  return Object.freeze(out);
}

/** The entry `name` of a record, or a clear error naming what is missing. */
export function entry<L>(p: Params<L>, name: string, what: string): L {
  const v = p[name];
  if (v === undefined) throw new GraphgradError(what, `no entry for parameter '${name}' (have: ${Object.keys(p).join(", ")})`);
  return v;
}
