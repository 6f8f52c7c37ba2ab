import type { Node } from "../node.js";
import { isElementwise } from "../ops/elementwise.js";
import { sizeOf } from "../shape.js";
import type { Tree } from "./values.js";

/**
 * The fusion policy: whether an elementwise node stays an unmaterialized expression, computed
 * inside the kernels that read it instead of stored.
 *
 * With one consumer, it fuses when that consumer is elementwise or a reduction visiting each of
 * its elements once (fusing never recomputes). With several, only when it is a single cheap
 * arithmetic op on loaded values (recomputing it, e.g. g·g for both a moving average and a norm,
 * is cheaper than writing and reading it back; an exp or a tanh is not) and every consumer
 * qualifies. A graph output is always stored.
 */

/** Ops cheap enough to recompute in each consumer rather than store once (one SIMD instruction). */
const RECOMPUTABLE: ReadonlySet<string> = new Set(["add", "sub", "mul", "neg", "abs", "maximum", "minimum", "greater", "less", "equal", "where", "cast", "stopGradient"]);

const isReduction = (n: Node): boolean => n.op === "reduceSum" || n.op === "reduceMax";

export interface FusionFacts {
  readonly isOutput: (n: Node) => boolean;
  readonly consumers: (n: Node) => readonly Node[];
  readonly shapeOf: (n: Node) => readonly number[];
}

export function fusible(n: Node, tree: Tree, facts: FusionFacts): boolean {
  if (facts.isOutput(n)) return false;
  const cs = facts.consumers(n);
  if (cs.length === 0) return false;
  if (cs.length > 1 && !(tree.kind === "op" && RECOMPUTABLE.has(tree.op) && tree.args.every((a) => a.kind !== "op"))) return false;
  return cs.every((c) => {
    if (!isElementwise(c.op) && !isReduction(c)) return false;
    const space = isReduction(c) ? facts.shapeOf(n) : facts.shapeOf(c);
    return sizeOf(facts.shapeOf(n)) === sizeOf(space);
  });
}
