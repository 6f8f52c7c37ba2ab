import { stridesOf } from "./shape.js";
import { broadcastStridesOf, contiguous, type View } from "./view.js";

/**
 * Strided loops over row-major index spaces, shared by the JS reference kernels and constant
 * folding (so both visit elements in the same order). Every layout op (broadcast, transpose,
 * slice, pad, concat) is one strided copy; elementwise ops walk their operands with broadcast
 * strides.
 */

/** Values indexed by position: a typed array or a plain array. */
export interface Writable {
  readonly length: number;
  [i: number]: number;
}

/** Strides of a contiguous `inShape` read as `outShape` under numpy broadcasting (0 on broadcast axes). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  return broadcastStridesOf(contiguous(inShape), outShape);
}

/**
 * Visits every index of `shape` in row-major order, calling `body(offsets)` with one running
 * offset per operand (offsets[k] = base[k] + Σ index[i]·strides[k][i]). The innermost axis is a
 * plain loop; the outer axes advance like an odometer.
 */
export function walk(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  base: readonly number[],
  body: (offsets: number[]) => void,
): void {
  const r = shape.length;
  const k = strides.length;
  const offs = [...base];
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (r === 0) {
    body(offs);
    return;
  }
  const inner = shape[r - 1] as number;
  const innerStrides = strides.map((s) => s[r - 1] as number);
  const idx = new Array<number>(r).fill(0);
  const rows = total / inner;
  for (let row = 0; row < rows; row++) {
    const start = [...offs];
    for (let j = 0; j < inner; j++) {
      body(offs);
      for (let q = 0; q < k; q++) offs[q] = (offs[q] as number) + (innerStrides[q] as number);
    }
    for (let q = 0; q < k; q++) offs[q] = start[q] as number;
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax] = (idx[ax] as number) + 1;
      for (let q = 0; q < k; q++) offs[q] = (offs[q] as number) + ((strides[q] as number[])[ax] as number);
      if ((idx[ax] as number) < (shape[ax] as number)) break;
      for (let q = 0; q < k; q++) offs[q] = (offs[q] as number) - ((strides[q] as number[])[ax] as number) * (shape[ax] as number);
      idx[ax] = 0;
    }
  }
}

/** Copies the elements of view `from` of `src` into view `to` of `dst` (both of `from`'s shape). */
export function copyView(src: ArrayLike<number>, from: View, dst: Writable, to: View): void {
  stridedCopy(from.shape, src, from.strides, from.offset, dst, to.strides, to.offset);
}

/** dst[dstOff + Σ i·dstStrides] = src[srcOff + Σ i·srcStrides] over every index i of `shape`. */
export function stridedCopy(
  shape: readonly number[],
  src: ArrayLike<number>,
  srcStrides: readonly number[],
  srcOff: number,
  dst: Writable,
  dstStrides: readonly number[],
  dstOff: number,
): void {
  walk(shape, [srcStrides, dstStrides], [srcOff, dstOff], (o) => {
    dst[o[1] as number] = src[o[0] as number] as number;
  });
}

/**
 * The reference reduction: the elements of `values` (row-major, of `shape`) visited in row-major
 * order, each folded into the accumulator of its output element (`axes` reduced) by `step`.
 * `acc` holds one float64 accumulator per output element, initialized by the caller.
 */
export function reduceInto(shape: readonly number[], values: ArrayLike<number>, axes: readonly number[], step: (acc: number, v: number) => number, acc: Writable): void {
  const kept = stridesOf(shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  const outStrides = shape.map((_, i) => (axes.includes(i) ? 0 : (kept[i] as number)));
  let i = 0;
  walk(shape, [outStrides], [0], (p) => {
    const o = p[0] as number;
    acc[o] = step(acc[o] as number, values[i++] as number);
  });
}

/**
 * The reference matmul [...A, m, k] x [...B, k, n] (batch axes broadcast) into `out` (row-major,
 * of `outShape`): each output row accumulated in float64 over k in ascending order, every product
 * added, zeros included (0·∞ is NaN); int32 (`wrap`) adds products by Math.imul, wrapping.
 */
export function matmulInto(aShape: readonly number[], a: ArrayLike<number>, bShape: readonly number[], b: ArrayLike<number>, outShape: readonly number[], wrap: boolean, out: Writable): void {
  const r = outShape.length;
  const m = outShape[r - 2] as number;
  const n = outShape[r - 1] as number;
  const k = aShape[aShape.length - 1] as number;
  const batchShape = outShape.slice(0, r - 2);
  const row = new Float64Array(n);
  let o = 0;
  walk(batchShape, [broadcastStrides(aShape.slice(0, -2), batchShape), broadcastStrides(bShape.slice(0, -2), batchShape)], [0, 0], (p) => {
    const aOff = (p[0] as number) * m * k;
    const bOff = (p[1] as number) * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const av = a[aOff + i * k + q] as number;
        const bRow = bOff + q * n;
        if (wrap) for (let j = 0; j < n; j++) row[j] = ((row[j] as number) + Math.imul(av, b[bRow + j] as number)) | 0;
        else for (let j = 0; j < n; j++) row[j] = (row[j] as number) + av * (b[bRow + j] as number);
      }
      for (let j = 0; j < n; j++) out[o++] = row[j] as number;
    }
  });
}
