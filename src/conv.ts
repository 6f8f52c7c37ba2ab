import { BUILDERS } from "../ir/builders.js";
import { promote } from "../ir/dtype.js";
import { GraphgradError } from "../ir/errors.js";
import { type ConvAttrs, dilatedSize, outputSize } from "../ir/ops/conv-geometry.js";
import { convInputGrad } from "../ir/ops/conv-rules.js";
import { type Dim, formatShape } from "../ir/shape.js";
import { Expr } from "./expr.js";
import { axesOf, cast, prim, transpose } from "./ops.js";

/**
 * Convolutions as TensorFlow writes them: images NHWC (channels last; `layout: "NCHW"` for
 * channels first), kernels [...spatial, in/groups, out] (HWIO), 1 to 3 spatial axes. All are the
 * one `conv` primitive (ir/ops/conv.ts).
 */

/** "valid": no padding; "same": TF's (output ⌈size/stride⌉, the extra padding after); or [lo, hi] per spatial axis. */
export type Padding = "same" | "valid" | readonly (readonly [number, number])[];

/** Where the channels are: last (TensorFlow's default) or after the batch axis. */
export type Layout = "NHWC" | "NCHW";

export interface ConvOptions {
  /** Per spatial axis, or one for all (default 1). */
  readonly strides?: number | readonly number[];
  readonly padding?: Padding;
  /** The kernel's dilation (atrous convolution), per spatial axis or one for all (default 1). */
  readonly dilation?: number | readonly number[];
  /** Feature groups: input and output channels split into this many independent convolutions (default 1; depthwise: the input channels). */
  readonly groups?: number;
  readonly layout?: Layout;
}

export interface ConvTransposeOptions {
  readonly strides?: number | readonly number[];
  readonly padding?: Padding;
  readonly dilation?: number | readonly number[];
  /**
   * The result's shape: [...spatial], or the whole [batch, ...spatial, channels] (TF's output_shape).
   * By default Keras's: T·stride ("same"), T·stride + max(span − stride, 0) ("valid"), or
   * (T−1)·stride + span − lo − hi (explicit padding), for T input positions and the kernel's span.
   */
  readonly outputShape?: readonly (number | string | null)[];
  readonly layout?: Layout;
}

/** The number of spatial axes of an image: its rank minus the batch and channel axes, 1 to 3. */
export function spatialRank(op: string, x: Expr): number {
  const d = x.rank - 2;
  if (d < 1 || d > 3) throw new GraphgradError(op, `the input needs rank 3, 4 or 5 ([batch, ...spatial, channels]), got ${formatShape(x.shape)}`);
  return d;
}

/** A per-axis option: one positive integer for every axis, or a list of d. */
export function perAxis(op: string, name: string, v: number | readonly number[] | undefined, d: number, fallback: number): number[] {
  const list = v === undefined ? new Array<number>(d).fill(fallback) : typeof v === "number" ? new Array<number>(d).fill(v) : [...v];
  if (list.length !== d || !list.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new GraphgradError(op, `${name} must be a positive integer or ${d} of them (one per spatial axis), got ${JSON.stringify(v)}`);
  }
  return list;
}

/** Channels-first images to channels-last (and back with `back`). */
export function toChannelsLast(x: Expr, layout: Layout | undefined, back = false): Expr {
  if (layout === undefined || layout === "NHWC") return x;
  const d = x.rank - 2;
  const spatial = Array.from({ length: d }, (_, i) => i + (back ? 1 : 2));
  return transpose(x, back ? [0, d + 1, ...spatial] : [0, ...spatial, 1]);
}

/** Checks the layout option. */
export function checkLayout(op: string, layout: unknown): void {
  if (layout !== undefined && layout !== "NHWC" && layout !== "NCHW") throw new GraphgradError(op, `layout must be "NHWC" or "NCHW", got ${JSON.stringify(layout)}`);
}

/** Known spatial sizes of a channels-last image. */
export function spatialSizes(op: string, x: Expr, d: number): number[] {
  const s = x.shape.slice(1, 1 + d);
  if (!s.every((v): v is number => typeof v === "number")) throw new GraphgradError(op, `spatial sizes must be known, got ${formatShape(x.shape)}`);
  return s;
}

/** [lo, hi] per spatial axis for a padding option, given the input sizes, the windows' spans and the strides. */
export function resolvePadding(op: string, padding: Padding | undefined, sizes: readonly number[], spans: readonly number[], strides: readonly number[]): { lo: number[]; hi: number[] } {
  const d = sizes.length;
  if (padding === undefined || padding === "valid") return { lo: new Array<number>(d).fill(0), hi: new Array<number>(d).fill(0) };
  if (padding === "same") {
    const total = sizes.map((s, i) => Math.max((Math.ceil(s / (strides[i] as number)) - 1) * (strides[i] as number) + (spans[i] as number) - s, 0));
    const lo = total.map((t) => Math.floor(t / 2));
    return { lo, hi: total.map((t, i) => t - (lo[i] as number)) };
  }
  if (!Array.isArray(padding) || padding.length !== d || !padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new GraphgradError(op, `padding must be "same", "valid" or ${d} pairs [lo, hi] of non-negative integers, got ${JSON.stringify(padding)}`);
  }
  return { lo: padding.map((p) => p[0] as number), hi: padding.map((p) => p[1] as number) };
}

/** The kernel's window (its first d axes), which must be known and positive. */
function kernelWindow(op: string, w: Expr, d: number, x: Expr): number[] {
  const window = w.shape.slice(0, d);
  if (!window.every((k): k is number => typeof k === "number" && k >= 1)) throw new GraphgradError(op, `the kernel's window must be known and non-empty, got kernel ${formatShape(w.shape)} for input ${formatShape(x.shape)}`);
  return window;
}

function checkOperands(op: string, x: unknown, w: unknown): asserts x is Expr {
  if (!(x instanceof Expr)) throw new GraphgradError(op, `the input must be an Expr, got ${typeof x}`);
  if (!(w instanceof Expr)) throw new GraphgradError(op, `the kernel must be an Expr, got ${typeof w}`);
}

/** Both operands in their common dtype. */
function common(x: Expr, w: Expr): [Expr, Expr] {
  const d = promote(x.dtype, w.dtype);
  return [cast(x, d), cast(w, d)];
}

/**
 * gg.conv(x, w, options): the convolution of images x [batch, ...spatial, in] (NHWC) with the
 * kernel w [...window, in/groups, out] (HWIO), as TensorFlow's tf.nn.convolution (a
 * cross-correlation: the kernel is not flipped). The result is [batch, ...outSpatial, out].
 */
export function conv(x: Expr, w: Expr, options: ConvOptions = {}): Expr {
  checkOperands("conv", x, w);
  checkLayout("conv", options.layout);
  const d = spatialRank("conv", x);
  if (w.rank !== d + 2) throw new GraphgradError("conv", `the kernel ${formatShape(w.shape)} needs rank ${d + 2} ([...window, in/groups, out]) for the input ${formatShape(x.shape)}`);
  const strides = perAxis("conv", "strides", options.strides, d, 1);
  const dilation = perAxis("conv", "dilation", options.dilation, d, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new GraphgradError("conv", `groups must be a positive integer, got ${String(groups)}`);
  const xl = toChannelsLast(x, options.layout);
  const window = kernelWindow("conv", w, d, x);
  const spans = window.map((k, i) => dilatedSize(k, dilation[i] as number));
  const { lo, hi } = resolvePadding("conv", options.padding, spatialSizes("conv", xl, d), spans, strides);
  const attrs: ConvAttrs = { strides, lo, hi, lhsDilation: new Array<number>(d).fill(1), rhsDilation: dilation, groups };
  const [a, b] = common(xl, w);
  return toChannelsLast(prim("conv", [a, b], attrs), options.layout, true);
}

/**
 * gg.convTranspose(x, w, options): TensorFlow's conv_transpose (conv2d_transpose): the gradient of
 * gg.conv with respect to its input, for a kernel w [...window, out, in] (the forward kernel) and
 * x [batch, ...spatial, in]. The result y [batch, ...outSpatial, out] has a size that
 * conv(y, w, same options) maps back to x's (see `outputShape`).
 */
export function convTranspose(x: Expr, w: Expr, options: ConvTransposeOptions = {}): Expr {
  checkOperands("convTranspose", x, w);
  checkLayout("convTranspose", options.layout);
  const op = "convTranspose";
  const d = spatialRank(op, x);
  if (w.rank !== d + 2) throw new GraphgradError(op, `the kernel ${formatShape(w.shape)} needs rank ${d + 2} ([...window, out, in]) for the input ${formatShape(x.shape)}`);
  const strides = perAxis(op, "strides", options.strides, d, 1);
  const dilation = perAxis(op, "dilation", options.dilation, d, 1);
  const xl = toChannelsLast(x, options.layout);
  const inSizes = spatialSizes(op, xl, d);
  const window = kernelWindow(op, w, d, x);
  const spans = window.map((k, i) => dilatedSize(k, dilation[i] as number));
  const outSizes = transposeSizes(op, options, inSizes, spans, strides, x, w);
  const { lo, hi } = resolvePadding(op, options.padding, outSizes, spans, strides);
  const attrs: ConvAttrs = { strides, lo, hi, lhsDilation: new Array<number>(d).fill(1), rhsDilation: dilation, groups: 1 };
  const got = outSizes.map((s, i) => outputSize(attrs, i, s, window[i] as number));
  if (got.some((t, i) => t !== inSizes[i])) {
    throw new GraphgradError(op, `an output of spatial size [${outSizes.join(",")}] convolves (strides [${strides.join(",")}], padding ${JSON.stringify(options.padding ?? "valid")}) to [${got.join(",")}], not the input's [${inSizes.join(",")}] (input ${formatShape(x.shape)}, kernel ${formatShape(w.shape)})`);
  }
  const [a, b] = common(xl, w);
  const inC = b.shape[d + 1] as Dim;
  if (a.shape[d + 1] !== inC) throw new GraphgradError(op, `the input has ${String(a.shape[d + 1])} channels, the kernel ${String(inC)} (its last axis; input ${formatShape(x.shape)}, kernel ${formatShape(w.shape)})`);
  const outShape = [a.shape[0] as Dim, ...outSizes, b.shape[d] as Dim];
  return toChannelsLast(Expr.of(convInputGrad(a.node, b.node, outShape, attrs, BUILDERS)), options.layout, true);
}

/** The spatial sizes of a transposed convolution's result: given, or Keras's default for the padding. */
function transposeSizes(op: string, o: ConvTransposeOptions, inSizes: readonly number[], spans: readonly number[], strides: readonly number[], x: Expr, w: Expr): number[] {
  const d = inSizes.length;
  const given = o.outputShape;
  if (given !== undefined) {
    const spatial = given.length === d ? given : given.length === d + 2 ? (o.layout === "NCHW" ? given.slice(2) : given.slice(1, 1 + d)) : undefined;
    if (spatial === undefined || !spatial.every((v): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0)) {
      throw new GraphgradError(op, `outputShape must list ${d} spatial sizes or ${d + 2} sizes (known spatial ones), got ${JSON.stringify(given)} (input ${formatShape(x.shape)}, kernel ${formatShape(w.shape)})`);
    }
    return [...spatial];
  }
  const padding = o.padding ?? "valid";
  if (padding === "same") return inSizes.map((t, i) => t * (strides[i] as number));
  if (padding === "valid") return inSizes.map((t, i) => t * (strides[i] as number) + Math.max((spans[i] as number) - (strides[i] as number), 0));
  const pairs = resolvePadding(op, padding, inSizes, spans, strides);
  return inSizes.map((t, i) => (t - 1) * (strides[i] as number) + (spans[i] as number) - (pairs.lo[i] as number) - (pairs.hi[i] as number));
}

/** gg.reverse(x, axes): x read backwards along the axes (numpy's flip). */
export function reverse(x: Expr, axes: number | readonly number[]): Expr {
  if (!(x instanceof Expr)) throw new GraphgradError("reverse", `the operand must be an Expr, got ${typeof x}`);
  const list = axesOf("reverse", x, axes);
  return list.length === 0 ? x : prim("reverse", [x], { axes: list });
}
