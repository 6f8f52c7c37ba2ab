import { type Either, left, right } from "fp-ts/lib/Either.js";
import { ATTR_CODECS } from "../ops/attrs.js";
import { GraphgradError } from "../errors.js";
import { type Graph, withInputs } from "../graph.js";
import { SubgraphCodec } from "../subgraph.js";
import type { Node, NodeOf } from "../node.js";
import type { OpDef } from "../op.js";
import { OPS, type OpName } from "../ops/index.js";
import { formatShape, shapesEqual } from "../shape.js";

/**
 * Checks a graph's invariants: nodes in topological order; every node's attributes valid and its
 * shape and dtype what its op's rule infers; every input name used by one input node only; every
 * output in the graph.
 */
export function verify(g: Graph): Either<GraphgradError, Graph> {
  const seen = new Set<Node>();
  const names = new Map<string, Node>();
  for (const n of g.nodes) {
    const where = `${n.op} (node ${n.id})`;
    for (const x of n.inputs) {
      if (!seen.has(x)) return left(new GraphgradError(where, `operand node ${x.id} (${x.op}) is not before it in the graph`));
    }
    if (!ATTR_CODECS[n.op].is(n.attrs)) return left(new GraphgradError(where, `invalid attributes ${JSON.stringify(n.attrs)}`));
    const def = OPS[n.op] as OpDef<OpName>;
    if (def.arity !== "variadic" && def.arity !== n.inputs.length) {
      return left(new GraphgradError(where, `expects ${def.arity} operands, has ${n.inputs.length}`));
    }
    const r = def.infer(n.inputs, (n as NodeOf<OpName>).attrs);
    if (r._tag === "Left") return left(new GraphgradError(where, r.left));
    if (!shapesEqual(r.right.shape, n.shape) || r.right.dtype !== n.dtype) {
      return left(new GraphgradError(where, `recorded as ${n.dtype}${formatShape(n.shape)} but its rule gives ${r.right.dtype}${formatShape(r.right.shape)}`));
    }
    if (n.op === "input") {
      const other = names.get(n.attrs.name);
      if (other !== undefined) {
        return left(
          new GraphgradError(`input '${n.attrs.name}'`, `two different inputs share this name: ${describe(other)} and ${describe(n)}`),
        );
      }
      names.set(n.attrs.name, n);
    }
    const inner = verifySubgraphs(n, where);
    if (inner !== undefined) return left(inner);
    seen.add(n);
  }
  for (const [name, n] of Object.entries(g.outputs)) {
    if (!seen.has(n)) return left(new GraphgradError(`output '${name}'`, "is not a node of the graph"));
  }
  return right(g);
}

function describe(n: Node): string {
  return n.op === "input" ? `${n.attrs.kind} ${n.dtype}${formatShape(n.shape)}` : n.op;
}

/** The subgraphs in a node's attributes (a scan's body) verified as graphs, and closed: they read no input but their parameters. */
function verifySubgraphs(n: Node, where: string): GraphgradError | undefined {
  for (const v of Object.values(n.attrs as Readonly<Record<string, unknown>>)) {
    if (!SubgraphCodec.is(v)) continue;
    const body = withInputs(Object.fromEntries(v.results.map((r, i) => [`r${i}`, r])), v.params);
    const r = verify(body);
    if (r._tag === "Left") return new GraphgradError(`${where} body`, r.left.message);
    const own = new Set<Node>(v.params);
    const free = body.nodes.find((x) => x.op === "input" && !own.has(x));
    if (free !== undefined && free.op === "input") return new GraphgradError(`${where} body`, `reads input '${free.attrs.name}', which is not one of its parameters`);
  }
  return undefined;
}
