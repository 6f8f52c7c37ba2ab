import type { NodeOf } from "../node.js";
import { sizeOf } from "../shape.js";
import type { LowerContext } from "./lowerings.js";
import type { Kernel, StepCopy } from "./program.js";
import type { BufferView, Value } from "./values.js";

/**
 * A scan as a loop kernel (no unrolling): the body lowered once into kernels over buffers of its
 * own, run `length` times. Each step copies x[t] into the body's x buffers and the carry into the
 * carry stacks, runs the body, then copies each y into ys[t] and the new carry back into the
 * carry buffers (reused every step). All result nodes of one scan share the one loop.
 */
const groupKey = (n: NodeOf<"scan">): string =>
  `scan:${n.inputs.map((x) => x.id).join(",")}:${n.attrs.body.params.map((p) => p.id).join(",")}:${n.attrs.body.results.map((r) => r.id).join(",")}:${String(n.attrs.length)}:${n.attrs.reverse}:${n.attrs.consts}:${n.attrs.carry}`;

export function lowerScan(n: NodeOf<"scan">, c: LowerContext): Value {
  const key = groupKey(n);
  const done = c.memo.get(key) as readonly (BufferView | undefined)[] | undefined;
  if (done !== undefined) return done[n.attrs.output] as BufferView;
  // The results of this scan the graph reads: ys and carry stacks nobody reads are neither stored nor copied.
  const used = new Set(c.nodes.flatMap((m) => (m.op === "scan" && groupKey(m) === key ? [m.attrs.output] : [])));
  const a = n.attrs;
  const [C, K] = [a.consts, a.carry];
  const X = c.args.length - C - K;
  const length = X > 0 ? ((c.argShapes[C + K] as readonly number[])[0] as number) : (a.length as number);
  const consts = c.args.slice(0, C).map((v) => c.materialize(v));
  // The carry lives in buffers of its own (the init is copied in), reused at every step.
  const carry = c.args.slice(C, C + K).map((v) => c.copy(v));
  const xs = c.args.slice(C + K).map((v) => c.materialize(v));
  const slices = xs.map((x) => c.temp(x.dtype, x.shape.slice(1)));
  const body = c.lowerSubgraph(a.body, [...consts, ...carry, ...slices]);
  const kernels: Kernel[] = [...body.kernels];
  // A new carry held in another carry's buffer (carries swapped) would be overwritten by the copies back: copy it aside first.
  const carryBuffers = new Set(carry.map((h) => h.buffer));
  const carryOut = body.results.slice(0, K).map((r, j) => {
    if (r.buffer === (carry[j] as BufferView).buffer || !carryBuffers.has(r.buffer)) return r;
    const aside = c.temp(r.dtype, r.shape);
    kernels.push({ kind: "map", shape: r.shape, out: { buffer: aside.buffer, offset: 0, strides: aside.strides }, expr: { kind: "load", dtype: r.dtype, access: { buffer: r.buffer, offset: 0, strides: r.strides } }, dtype: r.dtype });
    return aside;
  });
  const Y = body.results.length - K;
  const ys = body.results.slice(K).map((y, j) => (used.has(K + j) ? c.temp(y.dtype, [length, ...y.shape]) : undefined));
  const stacks = carry.map((h, j) => (used.has(K + Y + j) ? c.temp(h.dtype, [length, ...h.shape]) : undefined));
  // Element t·size of a stacked buffer at step i: t = i, or length − 1 − i backwards.
  const stepped = (size: number): { offset: number; step: number } => (a.reverse ? { offset: (length - 1) * size, step: -size } : { offset: 0, step: size });
  const fromStack = (src: BufferView, dst: BufferView): StepCopy => {
    const size = sizeOf(dst.shape);
    const s = stepped(size);
    return { src: src.buffer, srcOffset: s.offset, srcStep: s.step, dst: dst.buffer, dstOffset: 0, dstStep: 0, size, dtype: dst.dtype };
  };
  const toStack = (src: BufferView, dst: BufferView): StepCopy => {
    const size = sizeOf(src.shape);
    const s = stepped(size);
    return { src: src.buffer, srcOffset: 0, srcStep: 0, dst: dst.buffer, dstOffset: s.offset, dstStep: s.step, size, dtype: src.dtype };
  };
  const before = [...xs.map((x, i) => fromStack(x, slices[i] as BufferView)), ...carry.flatMap((h, j) => (stacks[j] === undefined ? [] : [toStack(h, stacks[j])]))];
  // The ys first: a y may be read from a carry buffer that the carry copies then overwrite.
  const after = [
    ...body.results.slice(K).flatMap((y, j) => (ys[j] === undefined ? [] : [toStack(y, ys[j])])),
    ...carryOut.flatMap((r, j) => (r.buffer === (carry[j] as BufferView).buffer ? [] : [{ src: r.buffer, srcOffset: 0, srcStep: 0, dst: (carry[j] as BufferView).buffer, dstOffset: 0, dstStep: 0, size: sizeOf(r.shape), dtype: r.dtype }])),
  ];
  c.emit({ kind: "loop", count: length, before, body: kernels, after });
  const results = [...carry, ...ys, ...stacks];
  c.memo.set(key, results);
  return results[a.output] as BufferView;
}
