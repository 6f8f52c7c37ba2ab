import { allocate } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { sizeOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";

/**
 * Row operations on tensors (a row = everything below axis 0), on the typed arrays directly:
 * a contiguous range of rows is a view (no copy), a gather copies one row at a time.
 */

/** Elements per row of a tensor of rank >= 1. */
export function rowSize(t: Tensor): number {
  return sizeOf(t.shape.slice(1));
}

/** Rows [start, end) as a view on the same data (tensors are never written after creation). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const r = rowSize(t);
  return new Tensor(t.dtype, [end - start, ...t.shape.slice(1)], t.data.subarray(start * r, end * r));
}

/** The rows at `indices`, in that order, copied into a new tensor. */
export function gatherRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  const rows = t.shape[0] as number;
  const r = rowSize(t);
  const out = allocate(t.dtype, indices.length * r);
  const src = t.data;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new GraphgradError("data", `row index ${i} out of range [0, ${rows})`);
    if (r === 1) out[k] = src[i] as number;
    else out.set(src.subarray(i * r, i * r + r), k * r);
  }
  return new Tensor(t.dtype, [indices.length, ...t.shape.slice(1)], out);
}
