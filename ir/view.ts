import { sizeOf, stridesOf } from "./shape.js";

/**
 * The one view algebra: how every layout op reads or places its operand, as offset/stride
 * arithmetic over row-major data. Element `index` of a view is `data[offset + Σ index[i]·strides[i]]`.
 * The JS reference kernels copy through these views, constant folding computes with them, and
 * the kernel lowering fuses them into the loads of the kernels that read them.
 */
export interface View {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** A contiguous row-major tensor of `shape`. */
export function contiguous(shape: readonly number[], offset = 0): View {
  return { shape, strides: stridesOf(shape), offset };
}

/** Whether v reads its elements in row-major order without gaps (axes of size 1 may have any stride). */
export function isContiguous(v: View): boolean {
  const st = stridesOf(v.shape);
  return v.shape.every((d, i) => d === 1 || v.strides[i] === st[i]);
}

/** Strides of `v` read over `space` under numpy broadcasting (right-aligned; 0 on added or stretched axes). */
export function broadcastStridesOf(v: Pick<View, "shape" | "strides">, space: readonly number[]): number[] {
  const lead = space.length - v.shape.length;
  return space.map((d, i) => {
    if (i < lead) return 0;
    return v.shape[i - lead] === 1 && d !== 1 ? 0 : (v.strides[i - lead] as number);
  });
}

/** broadcast: v read as `shape`. */
export function broadcastView(v: View, shape: readonly number[]): View {
  return { shape, strides: broadcastStridesOf(v, shape), offset: v.offset };
}

/** transpose: axis i of the result is axis perm[i] of v. */
export function transposeView(v: View, perm: readonly number[]): View {
  return { shape: perm.map((p) => v.shape[p] as number), strides: perm.map((p) => v.strides[p] as number), offset: v.offset };
}

/** slice: the box of `size` starting at `begin`. */
export function sliceView(v: View, begin: readonly number[], size: readonly number[]): View {
  return { shape: size, strides: v.strides, offset: v.offset + begin.reduce((acc, b, i) => acc + b * (v.strides[i] as number), 0) };
}

/** reverse: v read backwards along `axes` (negative strides, the offset at each axis's last element). */
export function reverseView(v: View, axes: readonly number[]): View {
  const flip = (i: number): boolean => axes.includes(i) && (v.shape[i] as number) > 1;
  const offset = v.shape.reduce<number>((acc, d, i) => (flip(i) ? acc + (d - 1) * (v.strides[i] as number) : acc), v.offset);
  return { shape: v.shape, strides: v.strides.map((s, i) => (flip(i) ? -s : s)), offset };
}

/** reshape: v with a new shape, when v is contiguous (otherwise it must be copied first: undefined). */
export function reshapeView(v: View, shape: readonly number[]): View | undefined {
  return isContiguous(v) ? contiguous(shape, v.offset) : undefined;
}

/**
 * Where pad writes its operand: the region of the (contiguous) padded result of `outShape` that
 * holds the operand of `inShape`, `lo` elements in on each axis. The rest of the result is zero.
 */
export function padRegion(outShape: readonly number[], inShape: readonly number[], lo: readonly number[]): View {
  const st = stridesOf(outShape);
  return { shape: inShape, strides: st, offset: lo.reduce((acc, l, i) => acc + l * (st[i] as number), 0) };
}

/** Where concat writes each operand: its region of the result, `at` elements along `axis` (the sizes of the operands before it). */
export function concatRegions(outShape: readonly number[], inShapes: readonly (readonly number[])[], axis: number): View[] {
  const st = stridesOf(outShape);
  let at = 0;
  return inShapes.map((shape) => {
    const region = { shape, strides: st, offset: at * (st[axis] as number) };
    at += shape[axis] as number;
    return region;
  });
}

/** iota: element `i` (row-major) of a tensor of `shape` holds its index along `axis`. */
export function iotaAt(shape: readonly number[], axis: number): (i: number) => number {
  const stride = stridesOf(shape)[axis] as number;
  const n = shape[axis] as number;
  return (i) => Math.floor(i / stride) % n;
}

/** The number of elements a view addresses (its shape's size). */
export function viewSize(v: View): number {
  return sizeOf(v.shape);
}
