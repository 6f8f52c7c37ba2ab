/**
 * Naive reference implementations of the primitives, written independently of the backends: nested
 * arrays indexed with plain loops over every output index (no strides, no fast paths), values in
 * float64. Each returns the result's shape and its values in row-major order; rounding to the
 * result dtype is the caller's (see `store`).
 */

export type Nested = number | readonly Nested[];

export interface Result {
  readonly shape: number[];
  readonly values: number[];
}

/** Nested arrays of `shape` from row-major values. */
export function nest(shape: readonly number[], flat: readonly number[]): Nested {
  let next = 0;
  const build = (axis: number): Nested =>
    axis === shape.length ? (flat[next++] as number) : Array.from({ length: shape[axis] as number }, () => build(axis + 1));
  return build(0);
}

/** Every index of `shape`, in row-major order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const visit = (prefix: number[]): void => {
    if (prefix.length === shape.length) {
      out.push(prefix);
      return;
    }
    for (let i = 0; i < (shape[prefix.length] as number); i++) visit([...prefix, i]);
  };
  visit([]);
  return out;
}

export function at(a: Nested, idx: readonly number[]): number {
  let cur: Nested = a;
  for (const i of idx) {
    if (typeof cur === "number") throw new Error("index has more axes than the array");
    cur = cur[i] as Nested;
  }
  if (typeof cur !== "number") throw new Error("index has fewer axes than the array");
  return cur;
}

/** The tensor of `shape` whose element at idx is f(idx). */
export function tabulate(shape: readonly number[], f: (idx: number[]) => number): Result {
  return { shape: [...shape], values: indices(shape).map(f) };
}

/** The stored value of v in dtype d: what a tensor of that dtype holds. int32 wraps modulo 2^32. */
export function store(d: "bool" | "int32" | "float32" | "float64", v: number): number {
  switch (d) {
    case "float64":
      return v;
    case "float32":
      return Math.fround(v);
    case "int32":
      return v | 0;
    case "bool":
      return v;
  }
}

/** Numpy broadcasting, spelled out: per axis (right-aligned) all sizes are 1 or one common size. */
export function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const sizes = shapes.map((s) => s[s.length - rank + i] ?? 1);
    const big = sizes.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) throw new Error("shapes do not broadcast");
    out.push(big[0] ?? 1);
  }
  return out;
}

/** The element of an operand of `shape` that broadcasting reads for the output index `idx`. */
export function align(idx: readonly number[], shape: readonly number[]): number[] {
  const lead = idx.length - shape.length;
  return shape.map((d, i) => (d === 1 ? 0 : (idx[lead + i] as number)));
}

/** f applied elementwise to operands broadcast together. */
export function elementwise(operands: readonly { shape: readonly number[]; data: Nested }[], f: (xs: number[]) => number): Result {
  const shape = broadcastShape(operands.map((o) => o.shape));
  return tabulate(shape, (idx) => f(operands.map((o) => at(o.data, align(idx, o.shape)))));
}

/**
 * A reduction over `axes`: each output element folds `step` over the reduced indices in row-major
 * order, starting from `init`. Also returns, per output element, the sum of the magnitudes it saw
 * (for error bounds) and how many values it combined.
 */
export function reduce(
  x: { shape: readonly number[]; data: Nested },
  axes: readonly number[],
  keepdims: boolean,
  init: number,
  step: (acc: number, v: number) => number,
): Result & { magnitudes: number[]; counts: number[] } {
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reducedShape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
  const values: number[] = [];
  const magnitudes: number[] = [];
  const counts: number[] = [];
  for (const outIdx of indices(keptShape)) {
    let acc = init;
    let mag = 0;
    let count = 0;
    for (const r of indices(reducedShape)) {
      const v = at(x.data, outIdx.map((o, i) => (axes.includes(i) ? (r[i] as number) : o)));
      acc = step(acc, v);
      mag += Math.abs(v);
      count++;
    }
    values.push(acc);
    magnitudes.push(mag);
    counts.push(count);
  }
  const shape = keepdims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, values, magnitudes, counts };
}

/**
 * Batched matrix product with broadcast batch axes: out[..., i, j] = Σ_q a[..., i, q]·b[..., q, j],
 * accumulated with `madd(acc, a, b)` in order of q. Also returns Σ_q |a·b| per element.
 */
export function matmul(
  a: { shape: readonly number[]; data: Nested },
  b: { shape: readonly number[]; data: Nested },
  madd: (acc: number, x: number, y: number) => number,
): Result & { magnitudes: number[]; k: number } {
  const m = a.shape[a.shape.length - 2] as number;
  const k = a.shape[a.shape.length - 1] as number;
  const n = b.shape[b.shape.length - 1] as number;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShape([aBatch, bBatch]);
  const shape = [...batch, m, n];
  const values: number[] = [];
  const magnitudes: number[] = [];
  for (const idx of indices(shape)) {
    const bi = idx.slice(0, -2);
    const i = idx[idx.length - 2] as number;
    const j = idx[idx.length - 1] as number;
    let acc = 0;
    let mag = 0;
    for (let q = 0; q < k; q++) {
      const x = at(a.data, [...align(bi, aBatch), i, q]);
      const y = at(b.data, [...align(bi, bBatch), q, j]);
      acc = madd(acc, x, y);
      mag += Math.abs(x * y);
    }
    values.push(acc);
    magnitudes.push(mag);
  }
  return { shape, values, magnitudes, k };
}

/** out[i_0, ..., i_r] = x[j] with j[perm[a]] = i_a. */
export function transpose(x: { shape: readonly number[]; data: Nested }, perm: readonly number[]): Result {
  const shape = perm.map((p) => x.shape[p] as number);
  return tabulate(shape, (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, a) => (src[p] = idx[a] as number));
    return at(x.data, src);
  });
}

export function broadcastTo(x: { shape: readonly number[]; data: Nested }, shape: readonly number[]): Result {
  return tabulate(shape, (idx) => at(x.data, align(idx, x.shape)));
}

export function slice(x: { data: Nested }, begin: readonly number[], size: readonly number[]): Result {
  return tabulate(size, (idx) => at(x.data, idx.map((i, a) => i + (begin[a] as number))));
}

export function pad(x: { shape: readonly number[]; data: Nested }, lo: readonly number[], hi: readonly number[]): Result {
  const shape = x.shape.map((d, a) => d + (lo[a] as number) + (hi[a] as number));
  return tabulate(shape, (idx) => {
    const src = idx.map((i, a) => i - (lo[a] as number));
    return src.every((s, a) => s >= 0 && s < (x.shape[a] as number)) ? at(x.data, src) : 0;
  });
}

export function concat(xs: readonly { shape: readonly number[]; data: Nested }[], axis: number): Result {
  const first = xs[0];
  if (first === undefined) throw new Error("concat of nothing");
  const shape = [...first.shape];
  shape[axis] = xs.reduce((acc, x) => acc + (x.shape[axis] as number), 0);
  return tabulate(shape, (idx) => {
    let i = idx[axis] as number;
    for (const x of xs) {
      const d = x.shape[axis] as number;
      if (i < d) return at(x.data, idx.map((v, a) => (a === axis ? i : v)));
      i -= d;
    }
    throw new Error("index past the end of the concatenation");
  });
}

const clamp = (i: number, n: number): number => Math.min(Math.max(i, 0), n - 1);

/** out[i..., r...] = params[clamp(indices[i...]), r...]. */
export function gather(params: { shape: readonly number[]; data: Nested }, idx: { shape: readonly number[]; data: Nested }): Result {
  const rows = params.shape[0] as number;
  const rowShape = params.shape.slice(1);
  const p = idx.shape.length;
  return tabulate([...idx.shape, ...rowShape], (o) => at(params.data, [clamp(at(idx.data, o.slice(0, p)), rows), ...o.slice(p)]));
}

/** out[j, r...] = Σ of updates[i..., r...] over the i with clamp(indices[i...]) = j, in row-major order of i. */
export function scatterAdd(
  updates: { shape: readonly number[]; data: Nested },
  idx: { shape: readonly number[]; data: Nested },
  size: number,
  add: (acc: number, v: number) => number,
): Result & { magnitudes: number[]; counts: number[] } {
  const p = idx.shape.length;
  const rowShape = updates.shape.slice(p);
  const shape = [size, ...rowShape];
  const values: number[] = [];
  const magnitudes: number[] = [];
  const counts: number[] = [];
  for (const o of indices(shape)) {
    let acc = 0;
    let mag = 0;
    let count = 0;
    for (const i of indices(idx.shape)) {
      if (clamp(at(idx.data, i), size) !== o[0]) continue;
      const v = at(updates.data, [...i, ...o.slice(1)]);
      acc = add(acc, v);
      mag += Math.abs(v);
      count++;
    }
    values.push(acc);
    magnitudes.push(mag);
    counts.push(count);
  }
  return { shape, values, magnitudes, counts };
}

/**
 * The convolution by its definition (ir/ops/conv.ts), one output element at a time: the input
 * dilated and padded is read at t·stride + k·rhsDilation along each spatial axis (a zero where no
 * input element sits there), multiplied by the kernel at tap k, summed over the taps (row-major)
 * and the group's input channels, every product included.
 */
export function conv(
  x: { shape: readonly number[]; data: Nested },
  w: { shape: readonly number[]; data: Nested },
  a: { strides: readonly number[]; lo: readonly number[]; hi: readonly number[]; lhsDilation: readonly number[]; rhsDilation: readonly number[]; groups: number },
  madd: (acc: number, x: number, y: number) => number,
): Result & { magnitudes: number[]; terms: number } {
  const d = a.strides.length;
  const xb = x.shape.length - d - 2;
  const wb = w.shape.length - d - 2;
  const xBatch = x.shape.slice(0, xb);
  const wBatch = w.shape.slice(0, wb);
  const batch = broadcastShape([xBatch, wBatch]);
  const S = x.shape.slice(xb + 1, xb + 1 + d);
  const K = w.shape.slice(wb, wb + d);
  const cg = w.shape[wb + d] as number;
  const O = w.shape[wb + d + 1] as number;
  const og = O / a.groups;
  const T = S.map((s, i) => {
    const padded = (s - 1) * (a.lhsDilation[i] as number) + 1 + (a.lo[i] as number) + (a.hi[i] as number);
    return Math.floor((padded - ((K[i] as number) - 1) * (a.rhsDilation[i] as number) - 1) / (a.strides[i] as number)) + 1;
  });
  const shape = [...batch, x.shape[xb] as number, ...T, O];
  const values: number[] = [];
  const magnitudes: number[] = [];
  for (const idx of indices(shape)) {
    const bi = idx.slice(0, batch.length);
    const n = idx[batch.length] as number;
    const t = idx.slice(batch.length + 1, batch.length + 1 + d);
    const o = idx[idx.length - 1] as number;
    const group = Math.floor(o / og);
    let acc = 0;
    let mag = 0;
    for (const k of indices(K)) {
      // Position in the padded, dilated input, and the input element there (if any).
      const src = t.map((ti, i) => ti * (a.strides[i] as number) + (k[i] as number) * (a.rhsDilation[i] as number) - (a.lo[i] as number));
      const inside = src.every((p, i) => p >= 0 && p % (a.lhsDilation[i] as number) === 0 && p / (a.lhsDilation[i] as number) < (S[i] as number));
      for (let c = 0; c < cg; c++) {
        const xv = inside ? at(x.data, [...align(bi, xBatch), n, ...src.map((p, i) => p / (a.lhsDilation[i] as number)), group * cg + c]) : 0;
        const wv = at(w.data, [...align(bi, wBatch), ...k, c, o]);
        acc = madd(acc, xv, wv);
        mag += Math.abs(xv * wv);
      }
    }
    values.push(acc);
    magnitudes.push(mag);
  }
  return { shape, values, magnitudes, terms: K.reduce((p, q) => p * q, 1) * cg };
}

/** out[i] = x[j] with j = size − 1 − i along the reversed axes. */
export function reverse(x: { shape: readonly number[]; data: Nested }, axes: readonly number[]): Result {
  return tabulate(x.shape, (idx) => at(x.data, idx.map((v, i) => (axes.includes(i) ? (x.shape[i] as number) - 1 - v : v))));
}
