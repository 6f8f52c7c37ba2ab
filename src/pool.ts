import { GraphgradError } from "../ir/errors.js";
import { formatShape } from "../ir/shape.js";
import { checkLayout, type Layout, perAxis, resolvePadding, spatialRank, spatialSizes, toChannelsLast } from "./conv.js";
import { Expr } from "./expr.js";
import { cast, concat, div, fill, max, pad, reshape, slice, sum, where } from "./ops.js";

/**
 * Max and average pooling as composites (no primitive of their own, so their gradients are those of
 * the ops they are made of): the padded input is cut into its windows by views — when the window
 * fits in the stride (2×2 pooling by 2), one reshape [..., T, stride, ...] and a slice; otherwise
 * one strided view per window offset, stacked — and reduced by `max` or `sum`. A max's gradient
 * goes to the window's maximum (shared evenly among ties, as `gg.max`).
 */

export interface PoolOptions {
  /** The window, per spatial axis or one for all. */
  readonly window: number | readonly number[];
  /** Per spatial axis or one for all; the window by default (Keras's pooling layers). */
  readonly strides?: number | readonly number[];
  /** "valid" (default): whole windows only; "same": TF's, ⌈size/stride⌉ outputs, windows over the padding ignore it. */
  readonly padding?: "same" | "valid";
  readonly layout?: Layout;
}

interface Geometry {
  readonly d: number;
  readonly window: readonly number[];
  readonly strides: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Output spatial sizes. */
  readonly out: readonly number[];
  readonly sizes: readonly number[];
}

function geometry(op: string, x: Expr, o: PoolOptions): Geometry {
  if (typeof o !== "object" || o === null) throw new GraphgradError(op, "needs options { window, strides?, padding?, layout? }");
  checkLayout(op, o.layout);
  if (o.padding !== undefined && o.padding !== "same" && o.padding !== "valid") throw new GraphgradError(op, `padding must be "same" or "valid", got ${JSON.stringify(o.padding)}`);
  const d = spatialRank(op, x);
  const window = perAxis(op, "window", o.window, d, 1);
  const strides = perAxis(op, "strides", o.strides ?? window, d, 1);
  const sizes = spatialSizes(op, toChannelsLast(x, o.layout), d);
  const { lo, hi } = resolvePadding(op, o.padding, sizes, window, strides);
  const out = sizes.map((s, i) => Math.floor((s + (lo[i] as number) + (hi[i] as number) - (window[i] as number)) / (strides[i] as number)) + 1);
  if (out.some((t) => t < 1)) throw new GraphgradError(op, `the window [${window.join(",")}] does not fit the input ${formatShape(x.shape)} with ${o.padding ?? "valid"} padding`);
  return { d, window, strides, lo, hi, out, sizes };
}

/**
 * The windows of a channels-last x (padded with `padValue` where `padding` says, cropped or padded
 * further to what the views read), reduced by `reduce` over each window: [batch, ...out, channels].
 */
function pooled(x: Expr, g: Geometry, padValue: number, reduce: (e: Expr, axes: number[]) => Expr): Expr {
  const { d, window, strides, out } = g;
  const fits = window.every((k, i) => k <= (strides[i] as number));
  // The extent the views read along each axis: T·stride (fitting windows), or the last offset's too.
  const extent = out.map((t, i) => t * (strides[i] as number) + (fits ? 0 : (window[i] as number) - 1));
  const padded = padTo(x, g, extent, padValue);
  const split = (e: Expr): Expr => reshape(e, [e.shape[0] ?? null, ...out.flatMap((t, i) => [t, strides[i] as number]), e.shape[d + 1] ?? null]);
  const tail = [0, 0];
  if (fits) {
    // [N, T1, s1, ..., C] with the first `window` of each stride taken.
    const s = split(padded);
    const windows = slice(s, [0, ...out.flatMap(() => tail), 0], [-1, ...out.flatMap((t, i) => [t, window[i] as number]), -1]);
    return reduce(windows, out.map((_, i) => 2 + 2 * i));
  }
  // One view per window offset: elements offset + t·stride, stacked on a new axis 1.
  const views: Expr[] = [];
  const offsets = window.reduce<number[][]>((acc, k) => acc.flatMap((o) => Array.from({ length: k }, (_, j) => [...o, j])), [[]]);
  for (const offset of offsets) {
    const shifted = slice(padded, [0, ...offset, 0], [-1, ...out.map((t, i) => t * (strides[i] as number)), -1]);
    const strided = slice(split(shifted), [0, ...out.flatMap(() => tail), 0], [-1, ...out.flatMap((t) => [t, 1]), -1]);
    views.push(reshape(strided, [padded.shape[0] ?? null, 1, ...out, padded.shape[d + 1] ?? null]));
  }
  return reduce(concat(views, 1), [1]);
}

/** x padded by the option's padding (with `value`), then padded with zeros or cropped at the end to `extent`. */
function padTo(x: Expr, g: Geometry, extent: readonly number[], value: number): Expr {
  const { d, lo, hi, sizes } = g;
  let e = x;
  if ([...lo, ...hi].some((p) => p > 0)) {
    const pads: [number, number][] = [[0, 0], ...lo.map((l, i): [number, number] => [l, hi[i] as number]), [0, 0]];
    e = pad(e, pads);
    if (value !== 0) {
      const inside = pad(fill([1, ...sizes, 1], 1, "bool"), pads);
      e = where(inside, e, value);
    }
  }
  const now = sizes.map((s, i) => s + (lo[i] as number) + (hi[i] as number));
  if (now.some((n, i) => n > (extent[i] as number))) e = slice(e, new Array<number>(d + 2).fill(0), [-1, ...now.map((n, i) => Math.min(n, extent[i] as number)), -1]);
  if (now.some((n, i) => n < (extent[i] as number))) e = pad(e, [[0, 0], ...now.map((n, i): [number, number] => [0, Math.max(0, (extent[i] as number) - n)]), [0, 0]]);
  return e;
}

function checkInput(op: string, x: unknown): asserts x is Expr {
  if (!(x instanceof Expr)) throw new GraphgradError(op, `the input must be an Expr, got ${typeof x}`);
}

/** gg.maxPool(x, { window, strides, padding, layout }): the maximum over each window (TensorFlow's max_pool; padding never wins). */
export function maxPool(x: Expr, options: PoolOptions): Expr {
  checkInput("maxPool", x);
  const g = geometry("maxPool", x, options);
  if (x.dtype === "bool") throw new GraphgradError("maxPool", `needs a numeric input, got bool ${formatShape(x.shape)}`);
  const xl = toChannelsLast(x, options.layout);
  return toChannelsLast(pooled(xl, g, x.dtype === "int32" ? -2147483648 : -Infinity, (e, axes) => max(e, axes)), options.layout, true);
}

/** gg.avgPool(x, { window, strides, padding, layout }): the mean over each window; with "same" padding, over its elements inside the input (TensorFlow's avg_pool). */
export function avgPool(x: Expr, options: PoolOptions): Expr {
  checkInput("avgPool", x);
  const g = geometry("avgPool", x, options);
  const xl = toChannelsLast(x, options.layout);
  const xf = xl.dtype === "float32" || xl.dtype === "float64" ? xl : cast(xl, "float32");
  const total = pooled(xf, g, 0, (e, axes) => sum(e, axes));
  const padded = [...g.lo, ...g.hi].some((p) => p > 0);
  // Elements per window: the window's size, or (with padding) the window sums of ones inside the input.
  const count = padded ? pooled(fill([1, ...g.sizes, 1], 1, xf.dtype), g, 0, (e, axes) => sum(e, axes)) : g.window.reduce((a, b) => a * b, 1);
  return toChannelsLast(div(total, count), options.layout, true);
}
