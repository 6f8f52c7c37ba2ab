import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { type Node, type NodeOf, toposort } from "../node.js";
import type { BatchedArg, BatchKit, Builders, Cotangents, RuleKit, Tangents } from "../op.js";
import { inline, placeholder, type Subgraph } from "../subgraph.js";
import { withBatchAxis } from "./batching.js";

/**
 * The rules of `customVjp` (custom.ts).
 * - VJP: the user's rule (bwd), inlined with the node's arguments and this output's cotangent
 *   (zeros for the other outputs).
 * - JVP: the transpose of the rule, which is linear in the cotangent: J·t = bwdᵀ(t), obtained as
 *   the gradient of ⟨bwd(ct), t⟩ with respect to ct. A rule that is not linear in the cotangent
 *   (it clips it, say) defines no Jacobian: refused, naming the op that breaks linearity.
 * - Batching: both subgraphs batched; an argument that is not batched gets its cotangent summed
 *   over the batch.
 */

/** Output j of a customVjp with the same function and arguments. */
const sibling = (b: Builders, n: NodeOf<"customVjp">, j: number): Node => b.emit("customVjp", n.inputs, { ...n.attrs, output: j });

export function customVjp(n: NodeOf<"customVjp">, g: Node, b: RuleKit): Cotangents {
  const { fwd, bwd } = n.attrs;
  const cts = fwd.results.map((_, j) => {
    if (j === n.attrs.output) return g;
    const s = sibling(b, n, j);
    return b.fill(0, s.shape, s.dtype);
  });
  const grads = inline(b.emit, bwd, [...n.inputs, ...cts]);
  return n.inputs.map((x, i) => (isFloat(x.dtype) ? (grads[i] as Node) : null));
}

/** Ops linear in an operand when the others do not depend on the cotangent (how many operands may). */
const LINEAR: ReadonlyMap<string, "all" | "one"> = new Map([
  ["add", "all"], ["sub", "all"], ["neg", "all"], ["reshape", "all"], ["transpose", "all"], ["broadcast", "all"], ["slice", "all"],
  ["pad", "all"], ["concat", "all"], ["reduceSum", "all"], ["stopGradient", "all"], ["cast", "all"],
  ["mul", "one"], ["matmul", "one"], ["where", "one"], ["gather", "one"], ["scatterAdd", "one"], ["div", "one"],
]);

/** The first node of the rule that is not linear in the cotangents `cts`, or undefined when the rule is linear. */
function nonlinearUse(bwd: Subgraph, cts: readonly Node[]): Node | undefined {
  const depends = new Set<Node>(cts);
  // A zero constant is linear in anything (0 = 0·ct): it may stand beside a cotangent term.
  const zero = (x: Node): boolean => x.op === "fill" && x.attrs.value === 0;
  for (const n of toposort(bwd.results)) {
    const hits = n.inputs.map((x) => depends.has(x) || (zero(x) && n.inputs.some((y) => depends.has(y))));
    if (!hits.some(Boolean)) continue;
    const kind = LINEAR.get(n.op);
    const count = hits.filter(Boolean).length;
    // add/sub/concat mix a cotangent term with a constant one: affine, not linear.
    const linear = kind === "all" ? count === n.inputs.length : kind === "one" && count === 1 && (n.op !== "div" || hits[0] === true) && (n.op !== "where" || hits[0] !== true);
    if (!linear) return n;
    depends.add(n);
  }
  return undefined;
}

export function customJvp(n: NodeOf<"customVjp">, ts: Tangents, b: RuleKit): Node | null {
  const { fwd, bwd } = n.attrs;
  const A = fwd.params.length;
  const cts = bwd.params.slice(A);
  const bad = nonlinearUse(bwd, cts);
  if (bad !== undefined) {
    throw new GraphgradError("customVjp", `its gradient rule is not linear in the cotangent (it applies ${bad.op} to it), so no forward-mode derivative (jvp) can be derived from it`);
  }
  const given = n.inputs.flatMap((x, i) => (isFloat(x.dtype) && (ts[i] ?? null) !== null ? [i] : []));
  if (given.length === 0) return null;
  // ⟨bwd(ct), t⟩, differentiated with respect to ct: bwdᵀ t, the same for every ct (linear).
  const grads = inline(b.emit, bwd, [...n.inputs, ...cts]);
  const inner = given.map((i) => b.reduceSum(b.mul(grads[i] as Node, ts[i] as Node), (ts[i] as Node).shape.map((_, k) => k), false));
  const total = inner.reduce((acc, x) => b.add(acc, x));
  const tangents = b.vjp([total], [b.fill(1, [], total.dtype)], cts);
  const zeros = cts.map((c) => b.fill(0, c.shape, c.dtype));
  const t = inline(b.emit, { params: cts.map((c) => c as NodeOf<"input">), results: [tangents[n.attrs.output] as Node] }, zeros)[0] as Node;
  return t;
}

export function customBatch(n: NodeOf<"customVjp">, args: readonly BatchedArg[], b: BatchKit): Node {
  const { fwd, bwd } = n.attrs;
  const tag = `cvjp-vmap:${n.id}`;
  const batchedParam = (p: NodeOf<"input">, name: string): NodeOf<"input"> => placeholder(b.emit, `${tag}:${name}`, [b.size, ...p.shape], p.dtype);
  const argParams = fwd.params.map((p, i) => ((args[i] as BatchedArg).batched ? batchedParam(p, `a${i}`) : p));
  const map = new Map<Node, Node>(fwd.params.flatMap((p, i) => ((args[i] as BatchedArg).batched ? [[p as Node, argParams[i] as Node] as const] : [])));
  // Every output batched: its cotangent then is too.
  const outs = b.batch(fwd.results, map, b.size).map((o) => withBatchAxis(o, b));
  const ctParams = bwd.params.slice(fwd.params.length).map((c, j) => batchedParam(c, `c${j}`));
  const bwdMap = new Map<Node, Node>([...bwd.params.slice(0, fwd.params.length).flatMap((p, i) => ((args[i] as BatchedArg).batched ? [[p as Node, argParams[i] as Node] as const] : [])), ...bwd.params.slice(fwd.params.length).map((c, j) => [c as Node, ctParams[j] as Node] as const)]);
  const grads = b.batch(bwd.results, bwdMap, b.size).map((g, i) => {
    if ((args[i] as BatchedArg).batched) return withBatchAxis(g, b);
    // An argument shared by the batch: its cotangent sums the batch elements'.
    return g.batched ? b.reduceSum(g.node, [0], false) : g.node;
  });
  const attrs = { fwd: { params: argParams, results: outs }, bwd: { params: [...argParams, ...ctParams], results: grads }, output: n.attrs.output };
  return b.emit("customVjp", args.map((a) => a.node), attrs);
}
