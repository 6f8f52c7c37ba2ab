import { GraphgradError } from "../../../ir/errors.js";
import type { DType } from "../../../ir/dtype.js";
import type { Node } from "../../../ir/node.js";
import { type ConvAttrs, dilatedSize } from "../../../ir/ops/conv-geometry.js";
import { type Dim, formatShape } from "../../../ir/shape.js";
import { intAttr, intsAttr } from "../attributes.js";
import type { OnnxContext } from "../context.js";
import type { OnnxRule } from "./rule.js";

/**
 * conv as ONNX's Conv, which is channels first (NCHW, kernels [out, in/group, ...window]): the
 * image and the kernel transposed in, the result transposed back. What Conv lacks is written
 * around it: input dilation (zeros inserted: each dilated axis unsqueezed, padded and merged),
 * negative padding (a Slice), leading batch axes: the image's merged into its batch, or, where the
 * kernel has them (vmap over kernels), each batch element's convolution as groups of one Conv
 * (refused when the batch size is symbolic). int32 convolutions are refused (Conv takes floats).
 *
 * reverse is a Slice with step −1.
 */

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/**
 * The image batch N as an int64[1] tensor: a constant where known, else (a symbol, or
 * UNKNOWN_BATCH where batch axes were merged) read at run time from `value`, whose first axis it is.
 */
function batchSize(cx: OnnxContext, n: Dim, value: string): string {
  return typeof n === "number" && n >= 0 ? cx.int64s([n]) : cx.op("Shape", [value], [intAttr("start", 0), intAttr("end", 1)]);
}

/**
 * `value` reshaped to `before`, the sizes in the int64 tensor `sizes`, then `after`. Every size is
 * given: no -1, which Reshape cannot infer where another size is 0 (allowzero: a 0 is a size).
 */
function reshapeTo(cx: OnnxContext, value: string, before: readonly number[], sizes: string, after: readonly number[]): string {
  const parts = [...(before.length > 0 ? [cx.int64s(before)] : []), sizes, ...(after.length > 0 ? [cx.int64s(after)] : [])];
  return cx.op("Reshape", [value, cx.op("Concat", parts, [intAttr("axis", 0)])], [intAttr("allowzero", 1)]);
}

/** The size of merged batch axes not all known: `batchSize` reads it at run time. */
const UNKNOWN_BATCH = -1;

/** x [N, ...S, C] with lhs − 1 zeros between the elements of spatial axis i: [N, ..., (S−1)·lhs + 1, ..., C]. */
function dilateAxis(cx: OnnxContext, x: string, shape: Dim[], i: number, lhs: number): { value: string; shape: Dim[] } {
  const axis = 1 + i;
  const size = shape[axis] as number;
  const spread = cx.op("Unsqueeze", [x, cx.int64s([axis + 1])]);
  const pads = new Array<number>(2 * (shape.length + 1)).fill(0);
  pads[shape.length + 1 + axis + 1] = lhs - 1;
  const padded = cx.op("Pad", [spread, cx.int64s(pads)]);
  const merged = shape.slice(1).map((d, k) => (k + 1 === axis ? size * lhs : (d as number)));
  const flat = reshapeTo(cx, padded, [], batchSize(cx, shape[0] as Dim, padded), merged);
  const dilated = dilatedSize(size, lhs);
  return { value: cx.op("Slice", [flat, cx.int64s([0]), cx.int64s([dilated]), cx.int64s([axis])]), shape: shape.map((d, k) => (k === axis ? dilated : d)) };
}

/**
 * The convolution as a MatMul of patches (ONNX Runtime has no float64 Conv): the padded image read
 * at each tap by a strided Slice, the taps stacked, each group's patches [..., taps·C/G] times its
 * kernel matrix [taps·C/G, O/G]: a MatMul of [G, N·T, taps·C/G] by [G, taps·C/G, O/G]. (The
 * groups lead and the other batch axes are merged: ONNX Runtime's MatMul does not broadcast an
 * axis of size 1 against one of size 0.)
 */
function patchesTimesKernel(cx: OnnxContext, x: string, shape: readonly Dim[], w: string, window: readonly number[], o: number, a: ConvAttrs, pads: readonly number[], out: readonly number[]): string {
  const d = window.length;
  const padded = pads.every((p) => p === 0) ? x : cx.op("Pad", [x, cx.int64s([0, ...pads.slice(0, d), 0, 0, ...pads.slice(d), 0])]);
  const taps: string[] = [];
  const tapsOf = (prefix: number[]): void => {
    if (prefix.length === d) {
      const starts = prefix.map((k, i) => k * (a.rhsDilation[i] as number));
      const ends = starts.map((b, i) => b + ((out[i] as number) - 1) * (a.strides[i] as number) + 1);
      const cut = cx.op("Slice", [padded, cx.int64s(starts), cx.int64s(ends), cx.int64s(range(1, d)), cx.int64s(a.strides)]);
      taps.push(cx.op("Unsqueeze", [cut, cx.int64s([d + 1])]));
      return;
    }
    for (let k = 0; k < (window[prefix.length] as number); k++) tapsOf([...prefix, k]);
  };
  tapsOf([]);
  const stacked = taps.length === 1 ? (taps[0] as string) : cx.op("Concat", taps, [intAttr("axis", d + 1)]); // [N, T, taps, C]
  const [count, G] = [taps.length, a.groups];
  const cg = (shape[d + 1] as number) / G; // channels are known (the conv primitive's rule)
  const og = o / G;
  const positions = out.reduce((p, q) => p * q, 1);
  const n = batchSize(cx, shape[0] as Dim, x);
  const rowCount = typeof shape[0] === "number" && shape[0] >= 0 ? cx.int64s([shape[0] * positions]) : cx.op("Mul", [n, cx.int64s([positions])]);
  // [N, T, taps, C] -> [N, T, taps, G, Cg] -> [G, N, T, taps, Cg] -> [G, N·T, taps·Cg]
  const split = reshapeTo(cx, stacked, [], n, [...out, count, G, cg]);
  const grouped = cx.op("Transpose", [split], [intsAttr("perm", [d + 2, ...range(0, d + 2), d + 3])]);
  const rows = reshapeTo(cx, grouped, [G], rowCount, [count * cg]);
  // w [K, Cg, O] -> [taps, Cg, G, Og] -> [G, taps, Cg, Og] -> [G, taps·Cg, Og]
  const kernel = cx.op("Transpose", [cx.op("Reshape", [w, cx.int64s([count, cg, G, og])], [intAttr("allowzero", 1)])], [intsAttr("perm", [2, 0, 1, 3])]);
  const matrix = cx.op("Reshape", [kernel, cx.int64s([G, count * cg, og])], [intAttr("allowzero", 1)]);
  // [G, N·T, Og] -> [G, N, T, Og] -> [N, T, G, Og] -> [N, T, O]
  const products = reshapeTo(cx, cx.op("MatMul", [rows, matrix]), [G], n, [...out, og]);
  const byPosition = cx.op("Transpose", [products], [intsAttr("perm", [...range(1, d + 1), 0, d + 2])]);
  return reshapeTo(cx, byPosition, [], n, [...out, o]);
}

/** ONNX Conv of a channels-last image x (of `shape`) and an HWIO kernel w, with graphgrad's attributes. */
function convNhwc(cx: OnnxContext, xIn: string, shape0: readonly Dim[], w: string, window: readonly number[], a: ConvAttrs, dtype: DType, out: readonly number[], outChannels: number): string {
  const d = a.strides.length;
  let [x, shape] = [xIn, [...shape0]];
  for (let i = 0; i < d; i++) {
    if ((a.lhsDilation[i] as number) > 1) ({ value: x, shape } = dilateAxis(cx, x, shape, i, a.lhsDilation[i] as number));
  }
  // Negative padding crops.
  const crop = range(0, d).filter((i) => (a.lo[i] as number) < 0 || (a.hi[i] as number) < 0);
  if (crop.length > 0) {
    const starts = crop.map((i) => Math.max(0, -(a.lo[i] as number)));
    const ends = crop.map((i) => (shape[1 + i] as number) - Math.max(0, -(a.hi[i] as number)));
    x = cx.op("Slice", [x, cx.int64s(starts), cx.int64s(ends), cx.int64s(crop.map((i) => 1 + i))]);
  }
  const pads = [...a.lo.map((p) => Math.max(p, 0)), ...a.hi.map((p) => Math.max(p, 0))];
  if (dtype === "float64") return patchesTimesKernel(cx, x, shape, w, window, outChannels, a, pads, out);
  const nchw = cx.op("Transpose", [x], [intsAttr("perm", [0, d + 1, ...range(1, d)])]);
  const oihw = cx.op("Transpose", [w], [intsAttr("perm", [d + 1, d, ...range(0, d)])]);
  const attrs = [intsAttr("strides", a.strides), intsAttr("dilations", a.rhsDilation), intsAttr("pads", pads), intAttr("group", a.groups), intsAttr("kernel_shape", window)];
  const y = cx.op("Conv", [nchw, oihw], attrs);
  return cx.op("Transpose", [y], [intsAttr("perm", [0, ...range(2, d), 1])]);
}

/** The product of `dims` where all are known, else UNKNOWN_BATCH. */
function mergedSize(dims: readonly Dim[]): number {
  return dims.every((v): v is number => typeof v === "number") ? dims.reduce((p, q) => p * q, 1) : UNKNOWN_BATCH;
}

/** x's first `axes` axes merged into one (their product read at run time where a size is symbolic), the rest of `shape` after it. */
function mergeBatchAxes(cx: OnnxContext, x: string, axes: number, shape: readonly Dim[]): string {
  if (shape[0] !== UNKNOWN_BATCH) return cx.op("Reshape", [x, cx.shape(shape)], [intAttr("allowzero", 1)]);
  const leading = cx.op("Shape", [x], [intAttr("start", 0), intAttr("end", axes)]);
  const size = cx.op("ReduceProd", [leading], [intAttr("keepdims", 1)]);
  return cx.op("Reshape", [x, cx.op("Concat", [size, cx.shape(shape.slice(1))], [intAttr("axis", 0)])], [intAttr("allowzero", 1)]);
}

export const convRules: { readonly conv: OnnxRule<"conv">; readonly reverse: OnnxRule<"reverse"> } = {
  conv: (n, [xIn, wIn], cx) => {
    const d = n.attrs.strides.length;
    const [x0, w0] = n.inputs as [Node, Node];
    if (n.dtype !== "float32" && n.dtype !== "float64") throw new GraphgradError("conv", `not exportable to ONNX: ONNX's Conv takes floats, not ${n.dtype}`);
    const nb = n.shape.length - d - 2;
    const batch = n.shape.slice(0, nb);
    if (w0.shape.length === d + 2) {
      // The image's batch axes (if any) merged into its batch.
      const xb = x0.shape.length - d - 2;
      const shape: Dim[] = xb === 0 ? [...x0.shape] : [mergedSize(x0.shape.slice(0, xb + 1)), ...x0.shape.slice(xb + 1)];
      const x = xb === 0 ? (xIn as string) : mergeBatchAxes(cx, xIn as string, xb + 1, shape);
      const y = convNhwc(cx, x, shape, wIn as string, w0.shape.slice(0, d) as number[], n.attrs, n.dtype, n.shape.slice(nb + 1, nb + 1 + d) as number[], n.shape[n.shape.length - 1] as number);
      return xb === 0 ? y : cx.op("Reshape", [y, cx.shape(n.shape)], [intAttr("allowzero", 1)]);
    }
    // Kernels with batch axes: B convolutions side by side as B·G groups of one (both operands broadcast to the batch first).
    if (!batch.every((v): v is number => typeof v === "number")) {
      throw new GraphgradError("conv", `not exportable to ONNX: kernels batched over ${formatShape(batch)} (a vmap over kernels) are folded into Conv's groups, whose number must be known`);
    }
    const B = batch.reduce((p, q) => p * q, 1);
    const [xRest, wRest] = [x0.shape.slice(x0.shape.length - d - 2), w0.shape.slice(w0.shape.length - d - 2)];
    const flat = (v: string, rest: readonly Dim[]): string => cx.op("Reshape", [cx.op("Expand", [v, cx.shape([...batch, ...rest])]), cx.shape([B, ...rest])], [intAttr("allowzero", 1)]);
    // x [B, N, S, C] -> [N, S, B·C]; w [B, K, Cg, O] -> [K, Cg, B·O].
    const xs = cx.op("Transpose", [flat(xIn as string, xRest)], [intsAttr("perm", [1, ...range(2, d), 0, d + 2])]);
    const [c, o] = [xRest[d + 1] as number, wRest[d + 1] as number];
    const xShape: Dim[] = [xRest[0] as Dim, ...xRest.slice(1, d + 1), B * c];
    const x = cx.op("Reshape", [xs, cx.shape(xShape)], [intAttr("allowzero", 1)]);
    const ws = cx.op("Transpose", [flat(wIn as string, wRest)], [intsAttr("perm", [...range(1, d + 1), 0, d + 2])]);
    const w = cx.op("Reshape", [ws, cx.shape([...wRest.slice(0, d + 1), B * o])], [intAttr("allowzero", 1)]);
    const y = convNhwc(cx, x, xShape, w, wRest.slice(0, d) as number[], { ...n.attrs, groups: n.attrs.groups * B }, n.dtype, n.shape.slice(nb + 1, nb + 1 + d) as number[], B * o);
    // [N, T, B·O] -> [N, T, B, O] -> [B, N, T, O] -> [...batch, N, T, O]
    const out = n.shape.slice(nb);
    const split = cx.op("Reshape", [y, cx.shape([...out.slice(0, d + 1), B, o])], [intAttr("allowzero", 1)]);
    const back = cx.op("Transpose", [split], [intsAttr("perm", [d + 1, ...range(0, d + 1), d + 2])]);
    return cx.op("Reshape", [back, cx.shape(n.shape)], [intAttr("allowzero", 1)]);
  },
  reverse: (n, [x], cx) => {
    const axes = n.attrs.axes;
    if (axes.length === 0) return cx.op("Identity", [x as string]);
    return cx.op("Slice", [x as string, cx.int64s(axes.map(() => -1)), cx.int64s(axes.map(() => -(2 ** 63))), cx.int64s(axes), cx.int64s(axes.map(() => -1))]);
  },
};
