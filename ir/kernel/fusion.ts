import type { Node } from "../node.js";
import { isElementwise } from "../ops/elementwise.js";
import { sizeOf } from "../shape.js";
import type { Tree } from "./values.js";

/**
 * The fusion policy: whether an elementwise node (or an iota) stays an unmaterialized expression, computed
 * inside the kernels that read it instead of stored.
 *
 * With one consumer, it fuses when that consumer is elementwise, a reduction visiting each of its
 * elements once, or a pad or concat writing it into a region of its result (fusing never recomputes). With several, only when it is cheap to recompute
 * and every consumer qualifies: an iota (an index costs nothing to compute), one cheap arithmetic
 * op on loaded values, constants and indices, or up to three that read at most two operands
 * element for element (recomputing it, e.g. g·g for both a moving average and a norm, or a one-hot's
 * comparison of an iota with the labels, is cheaper than writing and reading it back; an exp or a
 * tanh is not). A graph output is always stored.
 */

/** Ops cheap enough to recompute in each consumer rather than store once (one SIMD instruction). */
const RECOMPUTABLE: ReadonlySet<string> = new Set(["add", "sub", "mul", "neg", "abs", "maximum", "minimum", "greater", "less", "equal", "where", "cast", "stopGradient"]);

/** Cheap ops a recomputed tree may hold, at most. */
const MAX_RECOMPUTED_OPS = 3;

/** Whether `tree`, of `size` elements, is cheap enough to compute again in each of its consumers instead of storing it once. */
function recomputable(tree: Tree, size: number): boolean {
  if (tree.kind === "index") return true;
  let ops = 0;
  let full = 0;
  const visit = (t: Tree): boolean => {
    if (t.kind === "load") {
      // An operand read element for element (not a broadcast row or column, nor a splat).
      if (sizeOf(t.view.shape.filter((_, i) => t.view.strides[i] !== 0)) >= size) full++;
      return true;
    }
    if (t.kind !== "op") return true;
    ops++;
    return RECOMPUTABLE.has(t.op) && t.args.every(visit);
  };
  // One op on any operands (as a where on three), or up to three reading at most two operands in full.
  return tree.kind === "op" && visit(tree) && (ops === 1 || (ops <= MAX_RECOMPUTED_OPS && full <= 2));
}

const isReduction = (n: Node): boolean => n.op === "reduceSum" || n.op === "reduceMax";

/** Ops whose lowering writes each element of an operand once, into a region of their result (lowerings.ts `writeRegion`). */
const writesRegion = (n: Node): boolean => n.op === "pad" || n.op === "concat";

export interface FusionFacts {
  readonly isOutput: (n: Node) => boolean;
  readonly consumers: (n: Node) => readonly Node[];
  readonly shapeOf: (n: Node) => readonly number[];
}

export function fusible(n: Node, tree: Tree, facts: FusionFacts): boolean {
  if (facts.isOutput(n)) return false;
  const cs = facts.consumers(n);
  if (cs.length === 0) return false;
  if (cs.length > 1 && !recomputable(tree, sizeOf(facts.shapeOf(n)))) return false;
  return cs.every((c) => {
    // A pad or concat reads its operand over the operand's own shape: once per element.
    if (writesRegion(c)) return cs.length === 1;
    if (!isElementwise(c.op) && !isReduction(c)) return false;
    const space = isReduction(c) ? facts.shapeOf(n) : facts.shapeOf(c);
    return sizeOf(facts.shapeOf(n)) === sizeOf(space);
  });
}
