import { emit } from "../../../ir/build.js";
import { canonical, type Node, type NodeOf } from "../../../ir/node.js";
import { inline } from "../../../ir/subgraph.js";
import type { OnnxContext } from "../context.js";
import type { OnnxRule } from "./rule.js";

/** The nodes `results` need that lie above `operands` (operands first), without the operands' own ancestors. */
function nodesAbove(results: readonly Node[], operands: ReadonlySet<Node>): Node[] {
  const seen = new Set<Node>(operands);
  const order: Node[] = [];
  const visit = (root: Node): void => {
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    seen.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: Node; next: number };
      const child = top.node.inputs[top.next++];
      if (child === undefined) {
        order.push(top.node);
        stack.pop();
      } else if (!seen.has(child)) {
        seen.add(child);
        stack.push({ node: child, next: 0 });
      }
    }
  };
  for (const r of results) if (!seen.has(r)) visit(r);
  return order;
}

/**
 * customVjp is its function, inlined: the gradient rule has no part in an inference graph. (The
 * default passes inline it before export; one inside a scan's body reaches this rule.) Every
 * output of one call is written from one copy of the function.
 */
function emitCall(n: NodeOf<"customVjp">, inputs: readonly string[], cx: OnnxContext): string[] {
  const results = inline(emit, n.attrs.fwd, n.inputs);
  const seeded = new Map<Node, string>(n.inputs.map((x, i) => [x, inputs[i] as string]));
  const names = cx.emit(nodesAbove(results, new Set(n.inputs)), seeded);
  return results.map((r) => names.get(r) as string);
}

export const customRules: { readonly customVjp: OnnxRule<"customVjp"> } = {
  customVjp: (n, inputs, cx) => {
    const key = `customVjp(${n.inputs.map((x) => x.id).join(",")})${canonical({ ...n.attrs, output: -1 })}`;
    return cx.once(key, () => emitCall(n, inputs, cx))[n.attrs.output] as string;
  },
};
