/**
 * TensorFlow's convolution, transposed convolution and pooling, spelled out with plain loops over
 * flat row-major arrays (NHWC images, HWIO kernels, 1 to 3 spatial axes), for the tests of the
 * public API. "same" padding follows tf.nn: ⌈size/stride⌉ outputs, the total padding
 * max((out−1)·stride + span − size, 0) split with the smaller half before.
 */

export interface Image {
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

export type TfPadding = "same" | "valid" | readonly (readonly [number, number])[];

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Row-major index of `idx` in `shape`. */
const flat = (shape: readonly number[], idx: readonly number[]): number => idx.reduce((acc, v, i) => acc * (shape[i] as number) + v, 0);

/** Every index of `shape`, row-major. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const idx = new Array<number>(shape.length).fill(0);
  if (shape.some((d) => d === 0)) return;
  for (;;) {
    yield [...idx];
    let a = shape.length - 1;
    for (; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (shape[a] as number)) break;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

/** [lo, hi] per axis for a padding option (TF's rule for "same"). */
export function tfPads(padding: TfPadding, sizes: readonly number[], spans: readonly number[], strides: readonly number[]): [number, number][] {
  if (padding === "valid") return sizes.map(() => [0, 0]);
  if (padding === "same") {
    return sizes.map((s, i) => {
      const out = Math.ceil(s / (strides[i] as number));
      const total = Math.max((out - 1) * (strides[i] as number) + (spans[i] as number) - s, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return padding.map((p) => [p[0], p[1]]);
}

/** tf.nn.convolution (NHWC, HWIO), with dilations and feature groups. */
export function tfConv(x: Image, w: Image, o: { strides: readonly number[]; dilation: readonly number[]; padding: TfPadding; groups: number }): Image {
  const d = x.shape.length - 2;
  const n = x.shape[0] as number;
  const S = x.shape.slice(1, 1 + d);
  const K = w.shape.slice(0, d);
  const [cg, O] = [w.shape[d] as number, w.shape[d + 1] as number];
  const spans = K.map((k, i) => (k - 1) * (o.dilation[i] as number) + 1);
  const pads = tfPads(o.padding, S, spans, o.strides);
  const T = S.map((s, i) => Math.floor((s + (pads[i] as [number, number])[0] + (pads[i] as [number, number])[1] - (spans[i] as number)) / (o.strides[i] as number)) + 1);
  const shape = [n, ...T, O];
  const values = new Array<number>(sizeOf(shape)).fill(0);
  const og = O / o.groups;
  for (const idx of indices(shape)) {
    const [b, t, out] = [idx[0] as number, idx.slice(1, 1 + d), idx[d + 1] as number];
    const g = Math.floor(out / og);
    let acc = 0;
    for (const k of indices(K)) {
      const pos = t.map((ti, i) => ti * (o.strides[i] as number) + (k[i] as number) * (o.dilation[i] as number) - (pads[i] as [number, number])[0]);
      if (pos.some((p, i) => p < 0 || p >= (S[i] as number))) continue;
      for (let ci = 0; ci < cg; ci++) acc += (x.values[flat(x.shape, [b, ...pos, g * cg + ci])] as number) * (w.values[flat(w.shape, [...k, ci, out])] as number);
    }
    values[flat(shape, idx)] = acc;
  }
  return { shape, values };
}

/**
 * tf.nn.conv_transpose: every input element scattered through the kernel, x[b, t, in]·w[k, out, in]
 * added at output position t·stride + k·dilation − lo (dropped outside the output).
 */
export function tfConvTranspose(x: Image, w: Image, o: { strides: readonly number[]; dilation: readonly number[]; padding: TfPadding; outSizes: readonly number[] }): Image {
  const d = x.shape.length - 2;
  const T = x.shape.slice(1, 1 + d);
  const K = w.shape.slice(0, d);
  const [cout, cin] = [w.shape[d] as number, w.shape[d + 1] as number];
  const spans = K.map((k, i) => (k - 1) * (o.dilation[i] as number) + 1);
  const pads = tfPads(o.padding, o.outSizes, spans, o.strides);
  const shape = [x.shape[0] as number, ...o.outSizes, cout];
  const values = new Array<number>(sizeOf(shape)).fill(0);
  for (const idx of indices(x.shape)) {
    const [b, t, ci] = [idx[0] as number, idx.slice(1, 1 + d), idx[d + 1] as number];
    for (const k of indices(K)) {
      const pos = t.map((ti, i) => ti * (o.strides[i] as number) + (k[i] as number) * (o.dilation[i] as number) - (pads[i] as [number, number])[0]);
      if (pos.some((p, i) => p < 0 || p >= (o.outSizes[i] as number))) continue;
      for (let co = 0; co < cout; co++) {
        const at = flat(shape, [b, ...pos, co]);
        values[at] = (values[at] as number) + (x.values[flat(x.shape, idx)] as number) * (w.values[flat(w.shape, [...k, co, ci])] as number);
      }
    }
  }
  return { shape, values };
}

/** tf.nn.max_pool / avg_pool (NHWC): windows over the input, padding ignored (avg: divided by the elements inside). */
export function tfPool(x: Image, o: { window: readonly number[]; strides: readonly number[]; padding: "same" | "valid"; kind: "max" | "avg" }): Image {
  const d = x.shape.length - 2;
  const S = x.shape.slice(1, 1 + d);
  const pads = tfPads(o.padding, S, o.window, o.strides);
  const T = S.map((s, i) => Math.floor((s + (pads[i] as [number, number])[0] + (pads[i] as [number, number])[1] - (o.window[i] as number)) / (o.strides[i] as number)) + 1);
  const shape = [x.shape[0] as number, ...T, x.shape[d + 1] as number];
  const values = new Array<number>(sizeOf(shape)).fill(0);
  for (const idx of indices(shape)) {
    const [b, t, c] = [idx[0] as number, idx.slice(1, 1 + d), idx[d + 1] as number];
    let acc = o.kind === "max" ? -Infinity : 0;
    let count = 0;
    for (const k of indices(o.window)) {
      const pos = t.map((ti, i) => ti * (o.strides[i] as number) + (k[i] as number) - (pads[i] as [number, number])[0]);
      if (pos.some((p, i) => p < 0 || p >= (S[i] as number))) continue;
      const v = x.values[flat(x.shape, [b, ...pos, c])] as number;
      acc = o.kind === "max" ? Math.max(acc, v) : acc + v;
      count++;
    }
    values[flat(shape, idx)] = o.kind === "max" ? acc : acc / count;
  }
  return { shape, values };
}

/** Channels-first to channels-last (perm [0, 2, ..., d+1, 1]) and back. */
export function moveChannels(x: Image, toLast: boolean): Image {
  const r = x.shape.length;
  const perm = toLast ? [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1] : [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
  const shape = perm.map((p) => x.shape[p] as number);
  const values = new Array<number>(x.values.length);
  for (const idx of indices(shape)) {
    const src = new Array<number>(r);
    perm.forEach((p, a) => (src[p] = idx[a] as number));
    values[flat(shape, idx)] = x.values[flat(x.shape, src)] as number;
  }
  return { shape, values };
}
