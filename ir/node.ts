import type { DType } from "./dtype.js";
import type { OpAttrs, OpName } from "./ops/attrs.js";
import type { Shape } from "./shape.js";

/**
 * An IR node: an op applied to input nodes with attributes. Nodes are immutable and hash-consed:
 * the same op on the same inputs with equal attributes is the same object, so common
 * subexpressions merge as the graph is built (CSE by construction). Shape and dtype are derived
 * by the op's shape rule and are not part of the identity.
 */
export interface NodeOf<K extends OpName> {
  /** Creation order: inputs always have smaller ids than the nodes that use them. */
  readonly id: number;
  readonly op: K;
  readonly inputs: readonly Node[];
  readonly attrs: OpAttrs[K];
  readonly shape: Shape;
  readonly dtype: DType;
  /** The hash-consing key: op, input ids and canonical attributes. */
  readonly key: string;
}

export type Node = { [K in OpName]: NodeOf<K> }[OpName];

/**
 * Canonical JSON for attribute values: object keys sorted, and the numbers JSON cannot hold
 * (NaN, ±Infinity, -0) spelled out, so equal attributes give equal keys.
 */
export function canonical(v: unknown): string {
  // A node inside attributes (a subgraph's parameters and results) is itself: its id.
  if (isNode(v)) return `@${v.id}`;
  if (typeof v === "number") {
    return Object.is(v, -0) ? "-0" : String(v); // String gives NaN / Infinity / -Infinity
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>, canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}

/**
 * The intern table. It is a cache, not state the semantics depend on: entries are weak, so a
 * node lives exactly as long as something references it, and rebuilding an expression while the
 * first copy lives returns that copy.
 */
const table = new Map<string, WeakRef<Node>>();
/** Every node made (weakly held): tells nodes inside attributes from plain data. */
const made = new WeakSet<object>();

/** Whether v is an IR node (made by `intern`). */
export function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && made.has(v);
}
const registry = new FinalizationRegistry<string>((key) => {
  const ref = table.get(key);
  if (ref !== undefined && ref.deref() === undefined) table.delete(key);
});
let nextId = 0;

export function intern<K extends OpName>(
  op: K,
  inputs: readonly Node[],
  attrs: OpAttrs[K],
  shape: Shape,
  dtype: DType,
): NodeOf<K> {
  const key = `${op}(${inputs.map((n) => n.id).join(",")})${canonical(attrs)}`;
  const hit = table.get(key)?.deref();
  if (hit !== undefined) return hit as NodeOf<K>;
  const node: NodeOf<K> = Object.freeze({
    id: nextId++,
    op,
    inputs: Object.freeze([...inputs]),
    attrs: frozenCopy(attrs),
    shape: Object.freeze([...shape]),
    dtype,
    key,
  });
  made.add(node);
  table.set(key, new WeakRef(node as Node));
  registry.register(node, key);
  return node;
}

/**
 * A frozen deep copy of attribute data (arrays, records, primitives). A copy, because freezing the
 * caller's own arrays (the shape they passed to `zeros`) would be a side effect on their data.
 */
function frozenCopy<T>(v: T): T {
  if (isNode(v)) return v;
  if (Array.isArray(v)) return Object.freeze(v.map(frozenCopy)) as T;
  if (typeof v === "object" && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = frozenCopy(x);
    return Object.freeze(o) as T;
  }
  return v;
}

/** All nodes reachable from `roots`, inputs before users (a topological order, stable by id). */
export function toposort(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  // Iterative DFS: graphs from long unrolled RNNs are deeper than the JS call stack.
  const stack: { node: Node; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: Node; next: number };
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++] as Node;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}
