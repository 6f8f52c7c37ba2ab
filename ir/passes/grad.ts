import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { add, unbroadcast, zerosLike } from "../builders.js";
import { type Node, type NodeOf, toposort } from "../node.js";
import { OPS } from "../ops/index.js";
import type { Cotangents, OpDef, RuleKit } from "../op.js";
import type { OpName } from "../ops/attrs.js";
import { broadcastShapes, formatShape, shapesEqual } from "../shape.js";

/**
 * Reverse-mode symbolic differentiation (the driver; entry points in transforms.ts): the
 * cotangents of `xs` for cotangents `cts` of `ys` (each of its y's shape and dtype; null: zero),
 * summed over the ys, as nodes in the same IR (so they can be differentiated again, simplified
 * and compiled).
 *
 * - Cotangents are accumulated only along paths from the xs to the ys ("symbolic zeros": a branch
 *   that does not reach a y, or that no x reaches, contributes nothing and builds no node).
 * - An x that no y depends on gets a zero tensor of its shape.
 * - `stopGradient`, comparisons, `sign`, `floor`, integer and bool values pass no gradient.
 */
export function vjpNodes(ys: readonly Node[], cts: readonly (Node | null)[], xs: readonly Node[], kit: RuleKit): Node[] {
  for (const [i, x] of xs.entries()) {
    if (!isFloat(x.dtype)) throw new GraphgradError("grad", `cannot differentiate with respect to ${describe(x)} (argument ${i}): it is ${x.dtype}, not float`);
  }
  const acc = new Map<Node, Node>();
  const accumulate = (n: Node, part: Node): void => {
    const prev = acc.get(n);
    acc.set(n, prev === undefined ? part : add(prev, part));
  };
  ys.forEach((y, i) => {
    const ct = cts[i] ?? null;
    if (ct === null) return;
    if (!shapesEqual(ct.shape, y.shape) || ct.dtype !== y.dtype) {
      throw new GraphgradError("grad", `the cotangent is ${ct.dtype}${formatShape(ct.shape)} but the output is ${y.dtype}${formatShape(y.shape)}`);
    }
    if (isFloat(y.dtype)) accumulate(y, ct);
  });

  const order = toposort(ys);
  // Nodes some x reaches: only their cotangents matter.
  const wanted = new Set<Node>(xs);
  const reaches = new Set<Node>();
  for (const n of order) {
    if (wanted.has(n) || n.inputs.some((i) => reaches.has(i))) reaches.add(n);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k] as Node;
    const g = acc.get(n);
    if (g === undefined || !reaches.has(n) || n.inputs.length === 0) continue;
    const parts = cotangentsOf(n, g, kit);
    n.inputs.forEach((input, i) => {
      const part = parts[i] as Node | null;
      if (part !== null && reaches.has(input) && isFloat(input.dtype)) accumulate(input, part);
    });
  }
  return xs.map((x) => acc.get(x) ?? zerosLike(x));
}

/**
 * The rule's cotangents for n's operands, each summed back to its operand's shape where the
 * operand was broadcast. A rule must give exactly one per operand, of the operand's dtype and of
 * its shape or a shape it broadcasts to: anything else is a bug in the rule, reported as such.
 */
function cotangentsOf(n: Node, g: Node, kit: RuleKit): Cotangents {
  const rule = OPS[n.op] as OpDef<OpName>;
  const parts = rule.vjp(n as NodeOf<OpName>, g, kit);
  const bug = (what: string): GraphgradError => new GraphgradError(`grad of ${n.op}`, `the VJP rule ${what} (a bug in the rule)`);
  if (parts.length !== n.inputs.length) throw bug(`gave ${parts.length} cotangents for ${n.inputs.length} operands`);
  return parts.map((part, i) => {
    const x = n.inputs[i] as Node;
    if (part === null) return null;
    if (part.dtype !== x.dtype) throw bug(`gave a ${part.dtype} cotangent for ${x.dtype} operand ${i}`);
    const joint = broadcastShapes([x.shape, part.shape]);
    if (joint._tag === "Left" || !shapesEqual(joint.right, part.shape)) {
      throw bug(`gave a cotangent of shape ${formatShape(part.shape)} for operand ${i} of shape ${formatShape(x.shape)}`);
    }
    return unbroadcast(part, x.shape);
  });
}

export function describe(x: Node): string {
  return x.op === "input" ? `'${x.attrs.name}'` : `a ${x.op} node`;
}
