import type { Node, NodeOf } from "../node.js";
import type { BatchedArg, BatchKit, RuleKit } from "../op.js";
import type { OpAttrs, OpName } from "./attrs.js";

/**
 * Helpers shared by the batching rules. A batched operand has the batch axis at 0; the others are
 * the same for every batch element and take part by broadcasting.
 */

/**
 * A batched operand of per-example rank below `rank` gets size-1 axes after its batch axis, so
 * that its per-example axes stay right-aligned with the other operands' under broadcasting.
 */
export function alignBatched(a: BatchedArg, rank: number, b: RuleKit): Node {
  if (!a.batched) return a.node;
  const [size, ...rest] = a.node.shape;
  const missing = rank - rest.length;
  if (missing <= 0) return a.node;
  return b.reshape(a.node, [size as NonNullable<typeof size>, ...new Array<number>(missing).fill(1), ...rest]);
}

/** The operand with the batch axis: itself, or an unbatched one broadcast along a new axis 0. */
export function withBatchAxis(a: BatchedArg, b: BatchKit): Node {
  return a.batched ? a.node : b.broadcastTo(a.node, [b.size, ...a.node.shape]);
}

/** Elementwise ops (numpy broadcasting): the same op on rank-aligned operands. */
export function elementwiseBatch<K extends OpName>(n: NodeOf<K>, args: readonly BatchedArg[], b: BatchKit): Node {
  return b.emit(n.op as K, args.map((a) => alignBatched(a, n.shape.length, b)), n.attrs as OpAttrs[K]);
}

/** The batching rule of an op without operands: never called (a node with no operands is never batched). */
export function noOperands(n: Node): never {
  throw new Error(`vmap: ${n.op} has no operands and cannot be batched (a bug in the vmap driver)`);
}

/** Axes of an attribute shifted past the batch axis. */
export const shifted = (axes: readonly number[]): number[] => axes.map((a) => a + 1);
