import { type Either, left, right } from "fp-ts/lib/Either.js";
import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { add, fill, RULE_KIT, unbroadcast, zerosLike } from "../builders.js";
import { type Node, type NodeOf, toposort } from "../node.js";
import { OPS } from "../ops/index.js";
import type { Cotangents, OpDef } from "../op.js";
import type { OpName } from "../ops/attrs.js";
import { broadcastShapes, formatShape, shapesEqual } from "../shape.js";

/**
 * Reverse-mode symbolic differentiation: the gradient of `y` with respect to each of `xs`, as
 * nodes in the same IR (so they can be differentiated again, simplified and compiled).
 *
 * - `y` must be a float scalar unless a cotangent `ct` of y's shape and dtype is given; then the
 *   result is the vector-Jacobian product ctᵀ·∂y/∂x.
 * - Cotangents are accumulated only along paths from the xs to y ("symbolic zeros": a branch that
 *   does not reach y, or that no x reaches, contributes nothing and builds no node).
 * - An x that y does not depend on gets a zero tensor of its shape.
 * - `stopGradient`, comparisons, `sign`, `floor`, integer and bool values pass no gradient.
 */
export function vjp(y: Node, xs: readonly Node[], ct?: Node): Either<GraphgradError, Node[]> {
  if (!isFloat(y.dtype)) return left(new GraphgradError("grad", `the output must be float, got ${y.dtype}`));
  for (const [i, x] of xs.entries()) {
    if (!isFloat(x.dtype)) return left(new GraphgradError("grad", `cannot differentiate with respect to ${describe(x)} (argument ${i}): it is ${x.dtype}, not float`));
  }
  let seed: Node;
  if (ct === undefined) {
    if (y.shape.length !== 0) {
      return left(new GraphgradError("grad", `the output has shape ${formatShape(y.shape)}, not a scalar: reduce it (e.g. mean) or pass a cotangent of its shape`));
    }
    seed = fill(1, [], y.dtype);
  } else {
    if (!shapesEqual(ct.shape, y.shape) || ct.dtype !== y.dtype) {
      return left(new GraphgradError("grad", `the cotangent is ${ct.dtype}${formatShape(ct.shape)} but the output is ${y.dtype}${formatShape(y.shape)}`));
    }
    seed = ct;
  }

  const order = toposort([y]);
  // Nodes some x reaches: only their cotangents matter.
  const wanted = new Set<Node>(xs);
  const reaches = new Set<Node>();
  for (const n of order) {
    if (wanted.has(n) || n.inputs.some((i) => reaches.has(i))) reaches.add(n);
  }

  const cts = new Map<Node, Node>([[y, seed]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k] as Node;
    const g = cts.get(n);
    if (g === undefined || !reaches.has(n) || n.inputs.length === 0) continue;
    const parts = cotangentsOf(n, g);
    n.inputs.forEach((input, i) => {
      const part = parts[i] as Node | null;
      if (part === null || !reaches.has(input) || !isFloat(input.dtype)) return;
      const prev = cts.get(input);
      cts.set(input, prev === undefined ? part : add(prev, part));
    });
  }
  return right(xs.map((x) => cts.get(x) ?? zerosLike(x)));
}

/**
 * The rule's cotangents for n's operands, each summed back to its operand's shape where the
 * operand was broadcast. A rule must give exactly one per operand, of the operand's dtype and of
 * its shape or a shape it broadcasts to: anything else is a bug in the rule, reported as such.
 */
function cotangentsOf(n: Node, g: Node): Cotangents {
  const rule = OPS[n.op] as OpDef<OpName>;
  const parts = rule.vjp(n as NodeOf<OpName>, g, RULE_KIT);
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

function describe(x: Node): string {
  return x.op === "input" ? `'${x.attrs.name}'` : `a ${x.op} node`;
}
