import { emit } from "../build.js";
import type { Pass } from "../graph.js";
import type { Node } from "../node.js";
import { inline } from "../subgraph.js";
import { rewritePass } from "./rewrite.js";

/**
 * Inlines calls: each customVjp node becomes its function's own nodes (its gradient rule has done
 * its work once the gradient is built), so the backends fuse and plan across it like any code.
 */
export const inlineCalls: Pass = rewritePass("inline", inlineNode);

function inlineNode(n: Node): Node {
  if (n.op !== "customVjp") return n;
  return inline(emit, n.attrs.fwd, n.inputs)[n.attrs.output] as Node;
}
