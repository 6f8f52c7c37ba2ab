import { isFloat } from "../../ir/dtype.js";
import type { Tensor } from "../../ir/tensor.js";

/** Scanning tensors for NaN and ±Infinity (integer and bool tensors are always finite). */

/** The flat index of the first non-finite element of a tensor, or -1. */
export function firstNonFinite(t: Tensor): number {
  if (!isFloat(t.dtype)) return -1;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i] as number)) return i;
  return -1;
}

/** The multi-index of a flat (row-major) index. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    const n = shape[a] as number;
    index[a] = flat % n;
    flat = Math.floor(flat / n);
  }
  return index;
}

/** `NaN at [2,1]`, `Infinity` (a scalar): the first non-finite element of a tensor that has one. */
export function describeFirstNonFinite(t: Tensor): string {
  const i = firstNonFinite(t);
  const at = t.shape.length > 0 ? ` at [${unravel(i, t.shape).join(",")}]` : "";
  return `${t.data[i] as number}${at}`;
}
