import type { Node } from "../../../ir/node.js";

/** Whether a node may hold a NaN: anything but a constant (splat or literal) without one. */
export function mayBeNaN(n: Node): boolean {
  if (n.op === "fill") return Number.isNaN(n.attrs.value);
  if (n.op === "literal") return n.attrs.values.some(Number.isNaN);
  return true;
}

/** Whether a node may hold a NaN or an infinity (see `mayBeNaN`). */
export function mayBeNonFinite(n: Node): boolean {
  if (n.op === "fill") return !Number.isFinite(n.attrs.value);
  if (n.op === "literal") return !n.attrs.values.every(Number.isFinite);
  return true;
}
