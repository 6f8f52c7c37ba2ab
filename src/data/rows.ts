import { allocate } from "../../ir/dtype.js";
import { describe } from "../../ir/check.js";
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
  checkRows("data.sliceRows", t);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > (t.shape[0] as number)) {
    throw new GraphgradError("data.sliceRows", `rows [${describe(start)}, ${describe(end)}) are not a range within [0, ${t.shape[0] as number}]`);
  }
  const r = rowSize(t);
  return new Tensor(t.dtype, [end - start, ...t.shape.slice(1)], t.data.subarray(start * r, end * r));
}

/** The rows at `indices`, in that order, copied into a new tensor. */
export function gatherRows(t: Tensor, indices: ArrayLike<number>): Tensor {
  checkRows("data.gatherRows", t);
  if (!Array.isArray(indices) && !ArrayBuffer.isView(indices)) throw new GraphgradError("data.gatherRows", `the row indices must be an array, got ${describe(indices)}`);
  const rows = t.shape[0] as number;
  const r = rowSize(t);
  const out = allocate(t.dtype, indices.length * r);
  const src = t.data;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new GraphgradError("data", `row index ${describe(i)} out of range [0, ${rows})`);
    if (r === 1) out[k] = src[i] as number;
    else out.set(src.subarray(i * r, i * r + r), k * r);
  }
  return new Tensor(t.dtype, [indices.length, ...t.shape.slice(1)], out);
}

function checkRows(where: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor) || t.rank === 0) throw new GraphgradError(where, `expected a Tensor with a row axis, got ${t instanceof Tensor ? `a ${t.dtype}[] scalar` : describe(t)}`);
}
