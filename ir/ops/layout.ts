import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type { Node } from "../node.js";
import type { BatchedArg, OpDef, TypeInfo } from "../op.js";
import { type Dim, formatShape, type Shape, ShapeCodec } from "../shape.js";
import { alignBatched, shifted, withBatchAxis } from "./batching.js";
import { Axes, Int } from "./codecs.js";

/** Shape and layout primitives: reshape, transpose, broadcast, slice, pad, concat. Any dtype. */
export const layoutAttrs = {
  reshape: t.type({ shape: ShapeCodec }, "ReshapeAttrs"),
  transpose: t.type({ perm: Axes }, "TransposeAttrs"),
  broadcast: t.type({ shape: ShapeCodec }, "BroadcastAttrs"),
  slice: t.type({ begin: Axes, size: ShapeCodec }, "SliceAttrs"),
  pad: t.type({ lo: Axes, hi: Axes }, "PadAttrs"),
  concat: t.type({ axis: Int }, "ConcatAttrs"),
};

const fmt = (s: Shape): string => formatShape(s);

/** Splits a shape into the product of its sizes and the multiset of its symbols. */
function factor(s: Shape): { known: number; symbols: string[] } {
  let known = 1;
  const symbols: string[] = [];
  for (const d of s) {
    if (typeof d === "number") known *= d;
    else symbols.push(d);
  }
  return { known, symbols: symbols.sort() };
}

/**
 * reshape: the target may hold one -1 (inferred) and symbols. The known sizes must multiply to
 * the same product and the symbols correspond one to one; a symbol may be renamed (reshaping
 * [?x.0,3] to [?y.0,3] asserts x.0 = y.0, which is checked when the graph runs, like every
 * symbolic dimension).
 */
export function reshapeTarget(from: Shape, to: Shape): Either<string, Shape> {
  const bad = `cannot reshape ${fmt(from)} to ${fmt(to)}`;
  const holes = to.filter((d) => d === -1).length;
  if (holes > 1) return left(`${bad}: at most one -1`);
  if (to.some((d) => typeof d === "number" && (d < -1 || !Number.isInteger(d)))) return left(`${bad}: sizes must be integers >= -1`);
  const src = factor(from);
  const dst = factor(to.filter((d) => d !== -1));
  if (holes === 1) {
    if (dst.symbols.length > src.symbols.length || src.symbols.length - dst.symbols.length > 1) {
      return left(`${bad}: the symbolic dimensions do not correspond`);
    }
    if (dst.known === 0 || src.known % dst.known !== 0) return left(`${bad}: ${src.known} elements do not divide by ${dst.known}`);
    const rest = src.known / dst.known;
    let fillIn: Dim = rest;
    if (src.symbols.length > dst.symbols.length) {
      if (rest !== 1) return left(`${bad}: -1 would be a multiple of a symbolic dimension`);
      fillIn = src.symbols.find((s) => !dst.symbols.includes(s)) ?? (src.symbols[0] as string);
    }
    return right(to.map((d) => (d === -1 ? fillIn : d)));
  }
  if (src.symbols.length !== dst.symbols.length || src.known !== dst.known) return left(`${bad}: element counts differ`);
  return right(to);
}

function isPermutation(perm: readonly number[], rank: number): boolean {
  return perm.length === rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
}

/** numpy.broadcast_to: `from` right-aligned against `to`, each dim 1 or equal. */
function broadcastTarget(from: Shape, to: Shape): Either<string, Shape> {
  const bad = `cannot broadcast ${fmt(from)} to ${fmt(to)}`;
  if (from.length > to.length) return left(`${bad}: the target has lower rank`);
  const lead = to.length - from.length;
  for (let i = 0; i < from.length; i++) {
    const f = from[i] as Dim;
    const t = to[lead + i] as Dim;
    const ok = f === t || f === 1 || typeof f === "string" || typeof t === "string";
    if (!ok) return left(`${bad}: axis ${lead + i} has ${f}, target ${t}`);
    if (typeof t === "number" && t < 0) return left(`${bad}: negative size`);
  }
  return right(to);
}

export const layoutOps: { readonly [K in keyof typeof layoutAttrs]: OpDef<K> } = {
  reshape: {
    arity: 1,
    infer: (xs, { shape }) => {
      const x = xs[0] as TypeInfo;
      const r = reshapeTarget(x.shape, shape);
      return r._tag === "Left" ? r : right({ shape: r.right, dtype: x.dtype });
    },
    vjp: (n, g, b) => [b.emit("reshape", [g], { shape: (n.inputs[0] as Node).shape })],
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.emit("reshape", [t], n.attrs)),
    batch: (n, [x], b) => b.emit("reshape", [(x as BatchedArg).node], { shape: [b.size, ...n.shape] }),
  },
  transpose: {
    arity: 1,
    infer: (xs, { perm }) => {
      const x = xs[0] as TypeInfo;
      if (!isPermutation(perm, x.shape.length)) return left(`[${perm.join(",")}] is not a permutation of the axes of ${fmt(x.shape)}`);
      return right({ shape: perm.map((p) => x.shape[p] as Dim), dtype: x.dtype });
    },
    vjp: (n, g, b) => {
      const inv = new Array<number>(n.attrs.perm.length);
      n.attrs.perm.forEach((p, i) => (inv[p] = i));
      return [b.transpose(g, inv)];
    },
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.transpose(t, n.attrs.perm)),
    batch: (n, [x], b) => b.transpose((x as BatchedArg).node, [0, ...shifted(n.attrs.perm)]),
  },
  broadcast: {
    arity: 1,
    infer: (xs, { shape }) => {
      const x = xs[0] as TypeInfo;
      const r = broadcastTarget(x.shape, shape);
      return r._tag === "Left" ? r : right({ shape: r.right, dtype: x.dtype });
    },
    // The driver sums the cotangent back over the broadcast axes.
    vjp: (_n, g) => [g],
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.broadcastTo(t, n.shape)),
    batch: (n, [x], b) => b.broadcastTo(alignBatched(x as BatchedArg, n.shape.length, b), [b.size, ...n.shape]),
  },
  // slice: x[begin[i] : begin[i] + size[i]] on every axis. A symbolic axis can only be kept whole.
  slice: {
    arity: 1,
    infer: (xs, { begin, size }) => {
      const x = xs[0] as TypeInfo;
      const bad = `begin [${begin.join(",")}] size ${fmt(size)} do not fit ${fmt(x.shape)}`;
      if (begin.length !== x.shape.length || size.length !== x.shape.length) return left(`${bad}: one begin and size per axis`);
      for (let i = 0; i < x.shape.length; i++) {
        const d = x.shape[i] as Dim;
        const b = begin[i] as number;
        const s = size[i] as Dim;
        if (typeof d === "string" || typeof s === "string") {
          if (b !== 0 || s !== d) return left(`${bad}: axis ${i} is symbolic and can only be taken whole`);
        } else if (b < 0 || s < 0 || b + s > d) return left(`${bad}: axis ${i} out of range`);
      }
      return right({ shape: size, dtype: x.dtype });
    },
    vjp: (n, g, b) => {
      const x = n.inputs[0] as Node;
      const { begin, size } = n.attrs;
      const hi = x.shape.map((d, i) => (typeof d === "number" ? d - (begin[i] as number) - (size[i] as number) : 0));
      return [b.emit("pad", [g], { lo: begin, hi })];
    },
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.emit("slice", [t], n.attrs)),
    batch: (n, [x], b) => b.emit("slice", [(x as BatchedArg).node], { begin: [0, ...n.attrs.begin], size: [b.size, ...n.attrs.size] }),
  },
  // pad with zeros: lo[i] before and hi[i] after axis i.
  pad: {
    arity: 1,
    infer: (xs, { lo, hi }) => {
      const x = xs[0] as TypeInfo;
      const bad = `lo [${lo.join(",")}] hi [${hi.join(",")}] do not fit ${fmt(x.shape)}`;
      if (lo.length !== x.shape.length || hi.length !== x.shape.length) return left(`${bad}: one lo and hi per axis`);
      if ([...lo, ...hi].some((p) => p < 0)) return left(`${bad}: padding must be >= 0`);
      const shape: Dim[] = [];
      for (let i = 0; i < x.shape.length; i++) {
        const d = x.shape[i] as Dim;
        const p = (lo[i] as number) + (hi[i] as number);
        if (typeof d === "string" && p !== 0) return left(`${bad}: axis ${i} is symbolic and cannot be padded`);
        shape.push(typeof d === "string" ? d : d + p);
      }
      return right({ shape, dtype: x.dtype });
    },
    vjp: (n, g, b) => [b.emit("slice", [g], { begin: n.attrs.lo, size: (n.inputs[0] as Node).shape })],
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.emit("pad", [t], n.attrs)),
    batch: (n, [x], b) => b.emit("pad", [(x as BatchedArg).node], { lo: [0, ...n.attrs.lo], hi: [0, ...n.attrs.hi] }),
  },
  concat: {
    arity: "variadic",
    infer: (xs, { axis }) => {
      const first = xs[0];
      if (first === undefined) return left("needs at least one operand");
      const rank = first.shape.length;
      const all = xs.map((x) => fmt(x.shape)).join(", ");
      if (!Number.isInteger(axis) || axis < 0 || axis >= rank) return left(`axis ${axis} is out of range for rank ${rank} (normalized axes)`);
      let total: Dim = 0;
      for (const x of xs) {
        if (x.dtype !== first.dtype) return left(`operand dtypes differ: ${xs.map((y) => y.dtype).join(", ")}`);
        if (x.shape.length !== rank) return left(`operand ranks differ: ${all}`);
        for (let i = 0; i < rank; i++) {
          if (i !== axis && x.shape[i] !== first.shape[i]) return left(`shapes differ off the concat axis ${axis}: ${all}`);
        }
        const d = x.shape[axis] as Dim;
        if (typeof d === "string" || typeof total === "string") {
          if (xs.length !== 1) return left(`cannot concatenate along a symbolic axis: ${all}`);
          total = d;
        } else total += d;
      }
      const shape = [...first.shape];
      shape[axis] = total;
      return right({ shape, dtype: first.dtype });
    },
    vjp: (n, g, b) => {
      let offset = 0;
      return n.inputs.map((x) => {
        const begin = x.shape.map((_, i) => (i === n.attrs.axis ? offset : 0));
        offset += x.shape[n.attrs.axis] as number;
        return b.emit("slice", [g], { begin, size: x.shape });
      });
    },
    jvp: (n, ts, b) => (ts.every((t) => t === null) ? null : b.emit("concat", n.inputs.map((x, i) => ts[i] ?? b.fill(0, x.shape, n.dtype)), n.attrs)),
    batch: (n, args, b) => b.emit("concat", args.map((a) => withBatchAxis(a, b)), { axis: n.attrs.axis + 1 }),
  },
};
