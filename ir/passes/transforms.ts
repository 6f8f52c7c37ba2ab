import { type Either, left, right } from "fp-ts/lib/Either.js";
import { BUILDERS, fill } from "../builders.js";
import { isFloat } from "../dtype.js";
import { GraphgradError } from "../errors.js";
import type { Node } from "../node.js";
import type { BatchedArg, RuleKit } from "../op.js";
import { type Dim, formatShape } from "../shape.js";
import { vjpNodes } from "./grad.js";
import { jvpNodes } from "./jvp.js";
import { batchNodes } from "./vmap.js";

/**
 * The transforms' entry points, and the kit every rule receives: the node builders plus the three
 * transforms, each handing this same kit on to the rules it calls (a scan's rules transform its
 * body with it). The drivers live in grad.ts, jvp.ts and vmap.ts.
 */
export const RULE_KIT: RuleKit = {
  ...BUILDERS,
  vjp: (ys, cts, xs) => vjpNodes(ys, cts, xs, RULE_KIT),
  jvp: (ys, xs, ts) => jvpNodes(ys, xs, ts, RULE_KIT),
  batch: (outputs, args, size) => batchNodes(outputs, args, size, RULE_KIT),
};

/**
 * The gradient of `y` with respect to each of `xs`: `y` must be a float scalar unless a cotangent
 * `ct` of y's shape and dtype is given; then the result is the vector-Jacobian product ctᵀ·∂y/∂x.
 */
export function vjp(y: Node, xs: readonly Node[], ct?: Node): Either<GraphgradError, Node[]> {
  if (!isFloat(y.dtype)) return left(new GraphgradError("grad", `the output must be float, got ${y.dtype}`));
  if (ct === undefined && y.shape.length !== 0) {
    return left(new GraphgradError("grad", `the output has shape ${formatShape(y.shape)}, not a scalar: reduce it (e.g. mean) or pass a cotangent of its shape`));
  }
  return attempt(() => RULE_KIT.vjp([y], [ct ?? fill(1, [], y.dtype)], xs));
}

/** The tangents of `ys` for tangents of `xs` (forward mode). */
export function jvp(ys: readonly Node[], xs: readonly Node[], tangents: readonly Node[]): Either<GraphgradError, Node[]> {
  return attempt(() => RULE_KIT.jvp(ys, xs, tangents));
}

/** The batched forms of `outputs` (see vmap.ts). */
export function batch(outputs: readonly Node[], args: ReadonlyMap<Node, Node>, size: Dim): Either<GraphgradError, BatchedArg[]> {
  return attempt(() => RULE_KIT.batch(outputs, args, size));
}

function attempt<T>(f: () => T): Either<GraphgradError, T> {
  try {
    return right(f());
  } catch (e) {
    if (e instanceof GraphgradError) return left(e);
    throw e;
  }
}
