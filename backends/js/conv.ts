import { type ConvAttrs, inputIndex } from "../../ir/ops/conv-geometry.js";
import { broadcastStrides, walk, type Writable } from "../../ir/loops.js";
import { sizeOf, stridesOf } from "../../ir/shape.js";

/**
 * The reference convolution (see ir/ops/conv.ts): for every output position, a row of O
 * accumulators (float64; int32: wrapping, products by Math.imul) runs over the kernel taps in
 * row-major order, then the input channels of the group in order: out[o] += x̂·w[k, c, o]. Every
 * product is added, the zeros of padding and dilation holes included (0·∞ is NaN, as in matmul).
 */
export function convInto(
  x: { readonly shape: readonly number[]; readonly data: ArrayLike<number> },
  w: { readonly shape: readonly number[]; readonly data: ArrayLike<number> },
  outShape: readonly number[],
  a: ConvAttrs,
  wrap: boolean,
  out: Writable,
): void {
  const d = a.strides.length;
  const nb = outShape.length - d - 2;
  const batch = outShape.slice(0, nb);
  const xb = x.shape.length - d - 2;
  const wb = w.shape.length - d - 2;
  const n = outShape[nb] as number;
  const outSpatial = outShape.slice(nb + 1, nb + 1 + d);
  const inSpatial = x.shape.slice(xb + 1, xb + 1 + d);
  const kernel = w.shape.slice(wb, wb + d);
  const O = outShape[nb + d + 1] as number;
  const C = x.shape[xb + d + 1] as number;
  const G = a.groups;
  const [cg, og] = [C / G, O / G];
  const xs = stridesOf(x.shape).slice(xb);
  const ws = stridesOf(w.shape).slice(wb);
  const taps = kernel.length === 0 ? 1 : sizeOf(kernel);
  const outCount = sizeOf(outSpatial);
  const acc = new Float64Array(O);
  // Per output position and tap: the input's offset (from its batch start), or -1 for a zero.
  const tap = (t: readonly number[], k: readonly number[]): number => {
    let off = 0;
    for (let i = 0; i < d; i++) {
      const at = inputIndex(a, i, inSpatial[i] as number, t[i] as number, k[i] as number);
      if (at < 0) return -1;
      off += at * (xs[i + 1] as number);
    }
    return off;
  };
  const unravel = (flat: number, shape: readonly number[]): number[] => {
    const idx = new Array<number>(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = flat % (shape[i] as number);
      flat = Math.floor(flat / (shape[i] as number));
    }
    return idx;
  };
  const kIdx = Array.from({ length: taps }, (_, q) => unravel(q, kernel));
  const kOff = kIdx.map((k) => k.reduce((s, ki, i) => s + ki * (ws[i] as number), 0));
  let o = 0;
  walk(batch, [broadcastStrides(x.shape.slice(0, xb), batch), broadcastStrides(w.shape.slice(0, wb), batch)], [0, 0], (p) => {
    const [xBase, wBase] = [(p[0] as number) * sizeOf(x.shape.slice(xb)), (p[1] as number) * sizeOf(w.shape.slice(wb))];
    for (let b = 0; b < n; b++) {
      const xRow = xBase + b * (xs[0] as number);
      for (let q = 0; q < outCount; q++) {
        const t = unravel(q, outSpatial);
        acc.fill(0);
        for (let kq = 0; kq < taps; kq++) {
          const at = tap(t, kIdx[kq] as number[]);
          const wTap = wBase + (kOff[kq] as number);
          for (let g = 0; g < G; g++) {
            for (let c = 0; c < cg; c++) {
              const xv = at < 0 ? 0 : (x.data[xRow + at + g * cg + c] as number);
              const wRow = wTap + c * O + g * og;
              const o0 = g * og;
              if (wrap) for (let j = 0; j < og; j++) acc[o0 + j] = ((acc[o0 + j] as number) + Math.imul(xv, w.data[wRow + j] as number)) | 0;
              else for (let j = 0; j < og; j++) acc[o0 + j] = (acc[o0 + j] as number) + xv * (w.data[wRow + j] as number);
            }
          }
        }
        for (let j = 0; j < O; j++) out[o++] = acc[j] as number;
      }
    }
  });
}
