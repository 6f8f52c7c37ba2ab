import type { TypedArray } from "../../ir/dtype.js";
import { stridesOf } from "../../ir/shape.js";

/**
 * Strided loops shared by the JS kernels. Every layout op (broadcast, transpose, slice, pad,
 * concat) is one strided copy; elementwise ops walk their operands with broadcast strides.
 */

/** Strides of `inShape` read as `outShape` under numpy broadcasting (0 on broadcast axes). */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const lead = outShape.length - inShape.length;
  const st = stridesOf(inShape);
  return outShape.map((d, i) => (i < lead ? 0 : inShape[i - lead] === 1 && d !== 1 ? 0 : (st[i - lead] as number)));
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

/** dst[dstOff + Σ i·dstStrides] = src[srcOff + Σ i·srcStrides] over every index i of `shape`. */
export function stridedCopy(
  shape: readonly number[],
  src: TypedArray,
  srcStrides: readonly number[],
  srcOff: number,
  dst: TypedArray,
  dstStrides: readonly number[],
  dstOff: number,
): void {
  walk(shape, [srcStrides, dstStrides], [srcOff, dstOff], (o) => {
    dst[o[1] as number] = src[o[0] as number] as number;
  });
}
