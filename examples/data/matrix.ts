import * as gg from "../../src/index.js";

/**
 * A row-major table of float32 numbers (examples × features), the host-side form of a data set.
 * Rows are gathered, split and batched on the host; a batch becomes a Tensor when fed.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function matrix(rows: number, cols: number, data: ArrayLike<number>): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix: ${data.length} values for ${rows}×${cols}`);
  return Object.freeze({ rows, cols, data: Float32Array.from(data) });
}

/** The rows at `indices`, in that order. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] as number;
    if (!(r >= 0 && r < m.rows)) throw new Error(`takeRows: row ${r} out of 0..${m.rows - 1}`);
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return Object.freeze({ rows: indices.length, cols: m.cols, data: out });
}

/** Rows start..end-1. */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  const s = Math.max(0, Math.min(start, m.rows));
  const e = Math.max(s, Math.min(end, m.rows));
  return Object.freeze({ rows: e - s, cols: m.cols, data: m.data.slice(s * m.cols, e * m.cols) });
}

export function toTensor(m: Matrix): gg.Tensor {
  return new gg.Tensor("float32", [m.rows, m.cols], m.data);
}
