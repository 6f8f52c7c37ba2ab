import { sizeOf, stridesOf } from "./shape.js";
function contiguous(shape, offset = 0) {
  return { shape, strides: stridesOf(shape), offset };
}
function isContiguous(v) {
  const st = stridesOf(v.shape);
  return v.shape.every((d, i) => d === 1 || v.strides[i] === st[i]);
}
function broadcastStridesOf(v, space) {
  const lead = space.length - v.shape.length;
  return space.map((d, i) => {
    if (i < lead) return 0;
    return v.shape[i - lead] === 1 && d !== 1 ? 0 : v.strides[i - lead];
  });
}
function broadcastView(v, shape) {
  return { shape, strides: broadcastStridesOf(v, shape), offset: v.offset };
}
function transposeView(v, perm) {
  return { shape: perm.map((p) => v.shape[p]), strides: perm.map((p) => v.strides[p]), offset: v.offset };
}
function sliceView(v, begin, size) {
  return { shape: size, strides: v.strides, offset: v.offset + begin.reduce((acc, b, i) => acc + b * v.strides[i], 0) };
}
function reshapeView(v, shape) {
  return isContiguous(v) ? contiguous(shape, v.offset) : void 0;
}
function padRegion(outShape, inShape, lo) {
  const st = stridesOf(outShape);
  return { shape: inShape, strides: st, offset: lo.reduce((acc, l, i) => acc + l * st[i], 0) };
}
function concatRegions(outShape, inShapes, axis) {
  const st = stridesOf(outShape);
  let at = 0;
  return inShapes.map((shape) => {
    const region = { shape, strides: st, offset: at * st[axis] };
    at += shape[axis];
    return region;
  });
}
function iotaAt(shape, axis) {
  const stride = stridesOf(shape)[axis];
  const n = shape[axis];
  return (i) => Math.floor(i / stride) % n;
}
function viewSize(v) {
  return sizeOf(v.shape);
}
export {
  broadcastStridesOf,
  broadcastView,
  concatRegions,
  contiguous,
  iotaAt,
  isContiguous,
  padRegion,
  reshapeView,
  sliceView,
  transposeView,
  viewSize
};
