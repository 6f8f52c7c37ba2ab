import * as t from "io-ts";
import type { DType } from "./dtype.js";
import { isNode, type Node, type NodeOf, toposort } from "./node.js";
import type { Builders } from "./op.js";
import type { OpName } from "./ops/attrs.js";
import { isConcrete, type Shape } from "./shape.js";

/**
 * A function as a graph, held in an op's attributes (a scan's body): its parameters (placeholder
 * `input` nodes, in order) and its results. It is self-contained: the results depend on nothing
 * but the parameters and constants (values the function closed over are hoisted out by
 * `closeOver` and passed in as parameters).
 */
export interface Subgraph {
  readonly params: readonly NodeOf<"input">[];
  readonly results: readonly Node[];
}

function isSubgraph(u: unknown): u is Subgraph {
  if (typeof u !== "object" || u === null) return false;
  const { params, results } = u as { params?: unknown; results?: unknown };
  return Array.isArray(params) && Array.isArray(results) && params.every((p) => isNode(p) && p.op === "input") && results.every((r) => isNode(r));
}

export const SubgraphCodec = new t.Type<Subgraph, Subgraph, unknown>("Subgraph", isSubgraph, (u, c) => (isSubgraph(u) ? t.success(u) : t.failure(u, c)), t.identity);

/** The subgraph's nodes, operands first (its parameters included even where no result needs them). */
export function subgraphNodes(s: Subgraph): Node[] {
  return toposort([...s.params, ...s.results]);
}

/** A placeholder parameter (op definitions get `emit` from their rule kit: they import no node builder). */
export function placeholder(emit: Builders["emit"], name: string, shape: Shape, dtype: DType): NodeOf<"input"> {
  return emit("input", [], { name, shape, dtype, kind: "input" }) as NodeOf<"input">;
}

/** A node without operands that is the same constant wherever it runs (no symbol to bind). */
const isConstantLeaf = (n: Node): boolean => (n.op === "fill" || n.op === "literal" || n.op === "iota") && isConcrete(n.shape);

/**
 * Traces `results` (computed from the placeholders `params`) into a self-contained subgraph. Every
 * node they need that depends on no parameter — a value the function closes over, or computed
 * from such values only: loop-invariant — is hoisted out: replaced inside by a new parameter
 * (`placeholderFor` makes it) and returned in `captured`, to be passed in as an operand. Constants
 * without operands stay inside. The new parameters come first.
 */
export function closeOver(
  emit: Builders["emit"],
  params: readonly NodeOf<"input">[],
  results: readonly Node[],
  placeholderFor: (outer: Node, index: number) => NodeOf<"input">,
  options: { readonly keepConstants?: boolean } = {},
): { body: Subgraph; captured: Node[] } {
  const own = new Set<Node>(params);
  const dependent = new Set<Node>();
  // With keepConstants, expressions of constants only (no input anywhere below) stay inside too.
  const constant = new Set<Node>();
  for (const n of toposort(results)) {
    if (options.keepConstants === true && n.op !== "input" && n.inputs.every((x) => constant.has(x))) constant.add(n);
    if (own.has(n) || constant.has(n) || n.inputs.some((x) => dependent.has(x))) dependent.add(n);
  }
  const captured: Node[] = [];
  const capturedParams: NodeOf<"input">[] = [];
  const rebuilt = new Map<Node, Node>();
  const outer = (n: Node): Node => {
    if (isConstantLeaf(n)) return n;
    let p = rebuilt.get(n);
    if (p === undefined) {
      const q = placeholderFor(n, captured.length);
      captured.push(n);
      capturedParams.push(q);
      rebuilt.set(n, q);
      p = q;
    }
    return p;
  };
  const inside = (n: Node): Node => {
    if (!dependent.has(n)) return outer(n);
    const hit = rebuilt.get(n);
    if (hit !== undefined) return hit;
    const m = own.has(n) || n.inputs.length === 0 ? n : emit(n.op, n.inputs.map(inside), (n as NodeOf<OpName>).attrs);
    rebuilt.set(n, m);
    return m;
  };
  // Operands before users (toposort), so the recursion above stays shallow.
  for (const n of toposort(results)) if (dependent.has(n)) inside(n);
  const out = results.map(inside);
  return { body: { params: [...capturedParams, ...params], results: out }, captured };
}

/** The subgraph's results with its parameters replaced by `args` (its nodes built again on them). */
export function inline(emit: Builders["emit"], s: Subgraph, args: readonly Node[]): Node[] {
  const map = new Map<Node, Node>(s.params.map((p, i) => [p as Node, args[i] as Node]));
  for (const n of subgraphNodes(s)) {
    if (map.has(n)) continue;
    map.set(n, n.inputs.length === 0 ? n : emit(n.op, n.inputs.map((x) => map.get(x) ?? x), (n as NodeOf<OpName>).attrs));
  }
  return s.results.map((r) => map.get(r) ?? r);
}
