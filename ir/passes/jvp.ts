import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import { broadcastTo, zerosLike } from "../builders.js";
import { type Node, type NodeOf, toposort } from "../node.js";
import type { OpDef, RuleKit, Tangents } from "../op.js";
import { OPS } from "../ops/index.js";
import type { OpName } from "../ops/attrs.js";
import { broadcastShapes, formatShape, shapesEqual } from "../shape.js";
import { describe } from "./grad.js";

/**
 * Forward-mode symbolic differentiation (the driver; entry points in transforms.ts): the tangent of each of `ys` when each of `xs` moves along
 * its tangent (the Jacobian-vector product ∂y/∂x·t), as nodes in the same IR.
 *
 * - One forward sweep in topological order; a node gets a tangent only if some operand has one
 *   ("symbolic zeros": nothing is built for the rest), and only float nodes carry tangents.
 * - Each primitive's JVP rule (`OpDef.jvp`) gives the output's tangent from its operands' tangents;
 *   the driver broadcasts it to the node's shape and checks its dtype.
 * - A y that no x reaches gets a zero tangent of its shape.
 */
export function jvpNodes(ys: readonly Node[], xs: readonly Node[], tangents: readonly Node[], kit: RuleKit): Node[] {
  if (tangents.length !== xs.length) throw new GraphgradError("jvp", `${tangents.length} tangents given for ${xs.length} inputs`);
  const tan = new Map<Node, Node>();
  for (const [i, x] of xs.entries()) {
    const t = tangents[i] as Node;
    if (!isFloat(x.dtype)) throw new GraphgradError("jvp", `cannot differentiate with respect to ${describe(x)} (argument ${i}): it is ${x.dtype}, not float`);
    if (t.dtype !== x.dtype || !shapesEqual(t.shape, x.shape)) {
      throw new GraphgradError("jvp", `the tangent of ${describe(x)} (argument ${i}) is ${t.dtype}${formatShape(t.shape)}, but it must be ${x.dtype}${formatShape(x.shape)} like the input`);
    }
    tan.set(x, t);
  }
  for (const n of toposort(ys)) {
    if (tan.has(n) || n.inputs.length === 0 || !isFloat(n.dtype)) continue;
    const ts: Tangents = n.inputs.map((x) => tan.get(x) ?? null);
    if (ts.every((t) => t === null)) continue;
    const t = tangentOf(n, ts, kit);
    if (t !== null) tan.set(n, t);
  }
  return ys.map((y) => tan.get(y) ?? zerosLike(y));
}

/** The rule's tangent for n, broadcast to n's shape; a rule giving a wrong dtype or shape is reported as a bug in it. */
function tangentOf(n: Node, ts: Tangents, kit: RuleKit): Node | null {
  const t = (OPS[n.op] as OpDef<OpName>).jvp(n as NodeOf<OpName>, ts, kit);
  if (t === null) return null;
  const bug = (what: string): GraphgradError => new GraphgradError(`jvp of ${n.op}`, `the JVP rule ${what} (a bug in the rule)`);
  if (t.dtype !== n.dtype) throw bug(`gave a ${t.dtype} tangent for a ${n.dtype} result`);
  const joint = broadcastShapes([t.shape, n.shape]);
  if (joint._tag === "Left" || !shapesEqual(joint.right, n.shape)) throw bug(`gave a tangent of shape ${formatShape(t.shape)} for a result of shape ${formatShape(n.shape)}`);
  return broadcastTo(t, n.shape);
}

