import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import { formatShape } from "../../ir/shape.js";
import { subgraphNodes } from "../../ir/subgraph.js";
import type { OnnxContext } from "./context.js";
import { isNotExportable, ONNX_RULES, type OnnxRule } from "./rules/index.js";

const ruleOf = (n: Node): OnnxRule<OpName> => ONNX_RULES[n.op] as OnnxRule<OpName>;

/**
 * Whether every node can be written: its op has an ONNX form, and every symbolic dimension of its
 * shape is in `bound` (the size of some input's axis, which the file can read). A scan's body and
 * a customVjp's function are checked too, their parameters' symbols bound inside them.
 */
export function checkExportable(nodes: readonly Node[], bound: ReadonlySet<string>): Either<GraphgradError, void> {
  for (const n of nodes) {
    const rule = ruleOf(n);
    if (isNotExportable(rule)) return left(new GraphgradError(n.op, `not exportable to ONNX: ${rule.notExportable}`));
    const unbound = n.shape.find((d) => typeof d === "string" && !bound.has(d));
    if (unbound !== undefined) {
      return left(new GraphgradError(n.op, `the symbolic dimension '${unbound}' of ${formatShape(n.shape)} is no input's: an exported graph cannot know its size`));
    }
    const body = n.op === "scan" ? n.attrs.body : n.op === "customVjp" ? n.attrs.fwd : undefined;
    if (body !== undefined) {
      const inner = new Set(bound);
      for (const p of body.params) for (const d of p.shape) if (typeof d === "string") inner.add(d);
      const checked = checkExportable(subgraphNodes(body), inner);
      if (checked._tag === "Left") return checked;
    }
  }
  return right(undefined);
}

/**
 * Emits `nodes` (operands first) through their rules in `ONNX_RULES`; returns the ONNX value name
 * of each node's result. `seeded` names values that exist already (a subgraph's inputs). The nodes
 * have passed `checkExportable`.
 */
export function emitNodes(nodes: readonly Node[], cx: OnnxContext, seeded: ReadonlyMap<Node, string> = new Map()): Map<Node, string> {
  const names = new Map(seeded);
  for (const n of nodes) {
    if (names.has(n)) continue;
    const rule = ruleOf(n);
    if (isNotExportable(rule)) throw new Error(`internal: ${n.op} reached emission`);
    names.set(n, rule(n as NodeOf<OpName>, n.inputs.map((x) => names.get(x) as string), cx));
  }
  return names;
}
