import { stridesOf } from "./shape.js";
import { broadcastStridesOf, contiguous } from "./view.js";
function broadcastStrides(inShape, outShape) {
  return broadcastStridesOf(contiguous(inShape), outShape);
}
function walk(shape, strides, base, body) {
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
  const inner = shape[r - 1];
  const innerStrides = strides.map((s) => s[r - 1]);
  const idx = new Array(r).fill(0);
  const rows = total / inner;
  for (let row = 0; row < rows; row++) {
    const start = [...offs];
    for (let j = 0; j < inner; j++) {
      body(offs);
      for (let q = 0; q < k; q++) offs[q] = offs[q] + innerStrides[q];
    }
    for (let q = 0; q < k; q++) offs[q] = start[q];
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax] = idx[ax] + 1;
      for (let q = 0; q < k; q++) offs[q] = offs[q] + strides[q][ax];
      if (idx[ax] < shape[ax]) break;
      for (let q = 0; q < k; q++) offs[q] = offs[q] - strides[q][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
function copyView(src, from, dst, to) {
  stridedCopy(from.shape, src, from.strides, from.offset, dst, to.strides, to.offset);
}
function stridedCopy(shape, src, srcStrides, srcOff, dst, dstStrides, dstOff) {
  walk(shape, [srcStrides, dstStrides], [srcOff, dstOff], (o) => {
    dst[o[1]] = src[o[0]];
  });
}
function reduceInto(shape, values, axes, step, acc) {
  const kept = stridesOf(shape.map((d, i2) => axes.includes(i2) ? 1 : d));
  const outStrides = shape.map((_, i2) => axes.includes(i2) ? 0 : kept[i2]);
  let i = 0;
  walk(shape, [outStrides], [0], (p) => {
    const o = p[0];
    acc[o] = step(acc[o], values[i++]);
  });
}
function matmulInto(aShape, a, bShape, b, outShape, wrap, out) {
  const r = outShape.length;
  const m = outShape[r - 2];
  const n = outShape[r - 1];
  const k = aShape[aShape.length - 1];
  const batchShape = outShape.slice(0, r - 2);
  const row = new Float64Array(n);
  let o = 0;
  walk(batchShape, [broadcastStrides(aShape.slice(0, -2), batchShape), broadcastStrides(bShape.slice(0, -2), batchShape)], [0, 0], (p) => {
    const aOff = p[0] * m * k;
    const bOff = p[1] * k * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const av = a[aOff + i * k + q];
        const bRow = bOff + q * n;
        if (wrap) for (let j = 0; j < n; j++) row[j] = row[j] + Math.imul(av, b[bRow + j]) | 0;
        else for (let j = 0; j < n; j++) row[j] = row[j] + av * b[bRow + j];
      }
      for (let j = 0; j < n; j++) out[o++] = row[j];
    }
  });
}
export {
  broadcastStrides,
  copyView,
  matmulInto,
  reduceInto,
  stridedCopy,
  walk
};
