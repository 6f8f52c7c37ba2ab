import { type Either, left, right } from "fp-ts/lib/Either.js";
import { apply, emit } from "../build.js";
import { GraphgradError } from "../errors.js";
import { type Graph, rebuild } from "../graph.js";
import type { Node, NodeOf } from "../node.js";
import type { OpName } from "../ops/attrs.js";
import { formatShape, shapesEqual } from "../shape.js";

/**
 * The skeleton of a local rewriting pass: every node is rebuilt on its rewritten operands and then
 * handed to `rule`, which returns it or a replacement of the same shape and dtype. Because nodes
 * are hash-consed, a rewrite that produces an existing expression merges with it (CSE for free).
 */
export function rewritePass(name: string, rule: (n: Node) => Node): (g: Graph) => Either<GraphgradError, Graph> {
  return (g) => {
    try {
      const out = rebuild(g, (n, inputs) => rule(inputs.every((x, i) => x === n.inputs[i]) ? n : remake(n, inputs)));
      for (const [k, before] of Object.entries(g.outputs)) {
        const after = out.outputs[k] as Node;
        if (!shapesEqual(before.shape, after.shape) || before.dtype !== after.dtype) {
          return left(
            new GraphgradError(name, `changed output '${k}' from ${before.dtype}${formatShape(before.shape)} to ${after.dtype}${formatShape(after.shape)}`),
          );
        }
      }
      return right(out);
    } catch (e) {
      if (e instanceof GraphgradError) return left(new GraphgradError(name, e.message));
      throw e;
    }
  };
}

/** `n`'s op and attributes on new operands (of the same shapes and dtypes). */
function remake(n: Node, inputs: readonly Node[]): Node {
  return emit(n.op, inputs, (n as NodeOf<OpName>).attrs);
}

/**
 * `x` as a value of `n`'s shape and dtype: x itself when they already agree, else x broadcast to
 * n's shape; undefined when that is not possible (then a rule must not fire).
 */
export function asShapeOf(x: Node, n: Node): Node | undefined {
  if (x.dtype !== n.dtype) return undefined;
  if (shapesEqual(x.shape, n.shape)) return x;
  const b = apply("broadcast", [x], { shape: n.shape });
  return b._tag === "Right" ? b.right : undefined;
}
