import { allocate } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { sizeOf } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
function rowSize(t) {
  return sizeOf(t.shape.slice(1));
}
function sliceRows(t, start, end) {
  const r = rowSize(t);
  return new Tensor(t.dtype, [end - start, ...t.shape.slice(1)], t.data.subarray(start * r, end * r));
}
function gatherRows(t, indices) {
  const rows = t.shape[0];
  const r = rowSize(t);
  const out = allocate(t.dtype, indices.length * r);
  const src = t.data;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < rows)) throw new GraphgradError("data", `row index ${i} out of range [0, ${rows})`);
    if (r === 1) out[k] = src[i];
    else out.set(src.subarray(i * r, i * r + r), k * r);
  }
  return new Tensor(t.dtype, [indices.length, ...t.shape.slice(1)], out);
}
export {
  gatherRows,
  rowSize,
  sliceRows
};
