/**
 * The index arithmetic of the convolution primitive (XLA's conv_general_dilated, channels last),
 * per spatial axis, shared by its shape rule, its transform rules, the reference kernel and the
 * kernel lowering.
 *
 * Along one spatial axis of size S, the input is dilated by `lhs` (lhs − 1 zeros between
 * elements: (S−1)·lhs + 1 positions), then padded by `lo` before and `hi` after (a negative pad
 * crops), giving P positions. The kernel of size K, dilated by `rhs`, spans (K−1)·rhs + 1 of them;
 * it moves by `stride`, giving T = ⌊(P − span)/stride⌋ + 1 outputs. Output t, kernel tap k reads
 * padded position t·stride + k·rhs, which is input element (t·stride + k·rhs − lo)/lhs when that
 * is an integer in [0, S), and a zero otherwise.
 */
export interface ConvAttrs {
  readonly strides: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly lhsDilation: readonly number[];
  readonly rhsDilation: readonly number[];
  readonly groups: number;
}

/** Positions of an axis of size s dilated by d. */
export const dilatedSize = (s: number, d: number): number => (s === 0 ? 0 : (s - 1) * d + 1);

/** The padded, dilated input's size along spatial axis i. */
export function paddedSize(a: ConvAttrs, i: number, s: number): number {
  return dilatedSize(s, a.lhsDilation[i] as number) + (a.lo[i] as number) + (a.hi[i] as number);
}

/** The dilated kernel's span along spatial axis i. */
export function kernelSpan(a: ConvAttrs, i: number, k: number): number {
  return dilatedSize(k, a.rhsDilation[i] as number);
}

/** Output size along spatial axis i (negative when the window does not fit: the caller reports it). */
export function outputSize(a: ConvAttrs, i: number, s: number, k: number): number {
  const room = paddedSize(a, i, s) - kernelSpan(a, i, k);
  return room < 0 ? -1 : Math.floor(room / (a.strides[i] as number)) + 1;
}

/** The input element output t and tap k read along axis i, or -1 where they read a zero (padding or a dilation hole). */
export function inputIndex(a: ConvAttrs, i: number, s: number, t: number, k: number): number {
  const p = t * (a.strides[i] as number) + k * (a.rhsDilation[i] as number) - (a.lo[i] as number);
  const lhs = a.lhsDilation[i] as number;
  if (p < 0 || p % lhs !== 0) return -1;
  const at = p / lhs;
  return at < s ? at : -1;
}

/** The attributes of an ungrouped convolution of d spatial axes with no dilation, stride or padding. */
export function plainAttrs(d: number): ConvAttrs {
  const ones = new Array<number>(d).fill(1);
  const zeros = new Array<number>(d).fill(0);
  return { strides: ones, lo: zeros, hi: zeros, lhsDilation: ones, rhsDilation: ones, groups: 1 };
}

/**
 * The convolution whose result is the cotangent of the input (a transposed convolution): the
 * cotangent dilated by the strides, padded so that every input position sees the taps that read
 * it, convolved with the flipped kernel at the input's dilation as stride. `s`, `k`, `t`: the
 * forward's input, kernel and output sizes.
 */
export function inputGradAttrs(a: ConvAttrs, s: readonly number[], k: readonly number[], t: readonly number[]): ConvAttrs {
  const d = a.strides.length;
  const lo = Array.from({ length: d }, (_, i) => kernelSpan(a, i, k[i] as number) - 1 - (a.lo[i] as number));
  // Padded size − span = (S−1)·lhs, so that there are exactly S outputs.
  const hi = Array.from({ length: d }, (_, i) => ((s[i] as number) - 1) * (a.lhsDilation[i] as number) + (a.lo[i] as number) - ((t[i] as number) - 1) * (a.strides[i] as number));
  return { strides: a.lhsDilation, lo, hi, lhsDilation: a.strides, rhsDilation: a.rhsDilation, groups: a.groups };
}

/**
 * The convolution whose result is the cotangent of the kernel: the input (channels as the batch)
 * convolved with the cotangent (as the kernel), the forward's kernel dilation as stride and its
 * stride as kernel dilation; the high padding loses the positions past the forward's last window,
 * so that there are exactly K outputs.
 */
export function kernelGradAttrs(a: ConvAttrs, s: readonly number[], k: readonly number[], t: readonly number[]): ConvAttrs {
  const d = a.strides.length;
  const hi = Array.from({ length: d }, (_, i) => {
    const unused = paddedSize(a, i, s[i] as number) - kernelSpan(a, i, k[i] as number) - ((t[i] as number) - 1) * (a.strides[i] as number);
    return (a.hi[i] as number) - unused;
  });
  return { strides: a.rhsDilation, lo: a.lo, hi, lhsDilation: a.lhsDilation, rhsDilation: a.strides, groups: 1 };
}
