import { type Either, left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Graph } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import { formatShape } from "../../ir/shape.js";
import type { OnnxContext, SymbolSource } from "./context.js";
import { isNotExportable, ONNX_RULES, type OnnxRule } from "./rules/index.js";

/**
 * Emits every node of `g` (in its topological order) through its rule in `ONNX_RULES`; returns the
 * ONNX value name of each node's result, or the error of the first node that cannot be exported.
 */
export function emitNodes(g: Graph, cx: OnnxContext): Either<GraphgradError, Map<Node, string>> {
  const names = new Map<Node, string>();
  for (const n of g.nodes) {
    const rule = ONNX_RULES[n.op] as OnnxRule<OpName>;
    if (isNotExportable(rule)) return left(new GraphgradError(n.op, `not exportable to ONNX: ${rule.notExportable}`));
    const inputs = n.inputs.map((x) => names.get(x) as string);
    names.set(n, rule(n as NodeOf<OpName>, inputs, cx));
  }
  return right(names);
}

/**
 * Where each symbolic dimension's size is read: the first axis of an input (or parameter) that
 * has it. Every symbol in the graph must have one: ONNX can only know a size it can read.
 */
export function symbolSources(g: Graph, inputs: readonly NodeOf<"input">[]): Either<GraphgradError, Map<string, SymbolSource>> {
  const sources = new Map<string, SymbolSource>();
  for (const n of inputs) {
    n.shape.forEach((d, axis) => {
      if (typeof d === "string" && !sources.has(d)) sources.set(d, { value: n.attrs.name, axis });
    });
  }
  for (const n of g.nodes) {
    const unbound = n.shape.find((d) => typeof d === "string" && !sources.has(d));
    if (unbound !== undefined) {
      return left(new GraphgradError(n.op, `the symbolic dimension '${unbound}' of ${formatShape(n.shape)} is no input's: an exported graph cannot know its size`));
    }
  }
  return right(sources);
}
