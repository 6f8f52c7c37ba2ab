import type { NodeOf } from "../node.js";
import { sizeOf } from "../shape.js";
import { broadcastStridesOf } from "../view.js";
import type { LowerContext } from "./lowerings.js";
import type { Access, ConvKernel } from "./program.js";
import type { BufferView, Value } from "./values.js";

/**
 * How the reduction of a convolution (over the kernel taps and the input channels of a group)
 * reads the kernel as a matrix: its rows in tap-major (`taps-channels`) or channel-major order,
 * `rowStride` elements apart, each row's output channels contiguous. A kernel read another way
 * is copied by the lowering, so every backend may read it as such a matrix.
 */
export interface KernelMatrix {
  readonly order: "taps-channels" | "channels-taps";
  readonly rowStride: number;
}

/** Axes (sizes and strides, outermost first) that nest into one uniform stride; that stride, or undefined. */
function nested(sizes: readonly number[], strides: readonly number[]): number | undefined {
  const axes = sizes.map((s, i) => [s, strides[i] as number] as const).filter(([s]) => s !== 1);
  if (axes.length === 0) return 0;
  let expect = (axes[axes.length - 1] as readonly [number, number])[1];
  const unit = expect;
  for (let i = axes.length - 1; i >= 0; i--) {
    const [size, stride] = axes[i] as readonly [number, number];
    if (stride !== expect) return undefined;
    expect = stride * size;
  }
  return unit;
}

/** The kernel matrix of a kernel view over [...kernelSpatial, channelsPerGroup, outChannels] (its batch axes ignored), if it is one. */
export function kernelMatrix(spatial: readonly number[], channels: number, outChannels: number, strides: readonly number[]): KernelMatrix | undefined {
  const d = spatial.length;
  const inner = strides.slice(strides.length - d - 2);
  if (outChannels > 1 && inner[d + 1] !== 1) return undefined;
  const tapsFirst = nested([...spatial, channels], inner.slice(0, d + 1));
  if (tapsFirst !== undefined) return { order: "taps-channels", rowStride: tapsFirst };
  const channelsFirst = nested([channels, ...spatial], [inner[d] as number, ...inner.slice(0, d)]);
  return channelsFirst === undefined ? undefined : { order: "channels-taps", rowStride: channelsFirst };
}

/** The kernel matrix of a conv kernel (the lowering guarantees one). */
export function convKernelMatrix(k: ConvKernel): KernelMatrix {
  const m = kernelMatrix(k.kernelSpatial, k.channels / k.geometry.groups, k.outChannels, k.w.strides);
  if (m === undefined) throw new Error("conv: the kernel operand is not a matrix view (a bug in the lowering)");
  return m;
}

/**
 * conv as one kernel: the input read through its view (transposes and slices are not copied),
 * the kernel too when it reads as a matrix (otherwise copied), broadcast batch axes at stride 0.
 */
export function lowerConv(n: NodeOf<"conv">, c: LowerContext): Value {
  const a = n.attrs;
  const d = a.strides.length;
  const shape = c.shape;
  const nb = shape.length - d - 2;
  const batch = shape.slice(0, nb);
  const asView = (v: Value): BufferView => (v.kind === "view" ? v : c.materialize(v));
  const x0 = asView(c.args[0] as Value);
  const w0 = asView(c.args[1] as Value);
  const xb = x0.shape.length - d - 2;
  const wb = w0.shape.length - d - 2;
  const spatial = w0.shape.slice(wb, wb + d);
  const [cg, o] = [w0.shape[wb + d] as number, w0.shape[wb + d + 1] as number];
  const matrix = kernelMatrix(spatial, cg, o, w0.strides);
  const access = (v: BufferView, own: number): Access => ({
    buffer: v.buffer,
    offset: v.offset,
    strides: [...broadcastStridesOf({ shape: v.shape.slice(0, own), strides: v.strides.slice(0, own) }, batch), ...v.strides.slice(own)],
  });
  const kernelOf = (x: BufferView, w: BufferView, out: number): ConvKernel => ({
    kind: "conv",
    x: access(x, xb),
    w: access(w, wb),
    out,
    batch,
    n: shape[nb] as number,
    inSpatial: x.shape.slice(xb + 1, xb + 1 + d),
    kernelSpatial: spatial,
    outSpatial: shape.slice(nb + 1, nb + 1 + d),
    channels: x.shape[xb + d + 1] as number,
    outChannels: o,
    geometry: { strides: a.strides, lo: a.lo, hi: a.hi, lhsDilation: a.lhsDilation, rhsDilation: a.rhsDilation, groups: a.groups },
    dtype: n.dtype,
  });
  const inPlace = matrix !== undefined && c.convInPlace !== undefined && c.convInPlace(kernelOf(x0, w0, -1));
  // A patch (one output position's inputs) is a run of contiguous channels per tap when the input's
  // channel axis has stride 1 and the kernel is a tap-major matrix. The kernel gradient's operands
  // are transposed views; unless the backend reads them in place as fast, when its patches
  // outnumber their elements, copying them costs less than gathering every patch element by element.
  const patches = sizeOf(batch) * (shape[nb] as number) * sizeOf(shape.slice(nb + 1, nb + 1 + d)) * sizeOf(spatial) * cg * a.groups;
  const regroup = !inPlace && x0.strides[x0.strides.length - 1] !== 1 && cg > 1 && 2 * (sizeOf(x0.shape) + sizeOf(w0.shape)) < patches;
  const x = regroup ? c.copy(x0) : x0;
  const w = matrix === undefined || (regroup && matrix.order !== "taps-channels") ? c.copy(w0) : w0;
  const out = c.output(n.dtype);
  c.emit(kernelOf(x, w, out.buffer));
  return out;
}
