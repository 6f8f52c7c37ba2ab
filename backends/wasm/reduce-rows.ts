import type { Access, Kernel } from "../../ir/kernel/index.js";
import type { FunctionBuilder } from "./encoder.js";
import { PROBE_MATH } from "./emit-ops.js";
import { accessKey, BYTES, canSimd, emitScalar, emitVector, exprWalked, INDEX_COUNTER, vectorStep } from "./expr.js";
import type { GenContext } from "./kernels.js";
import { coalesce, emitNest } from "./nest.js";
import { I, V } from "./opcodes.js";

/**
 * Reductions over the rows of a matrix, row by row (`byRows`), and the iteration space every
 * reduction kernel walks (`layout`).
 */

type ReduceKernel = Extract<Kernel, { kind: "reduce" }>;

/** Outputs from which a reduction over an outer axis runs row by row (see `byRows`). */
const BY_ROWS_MIN_OUTPUTS = 64;

/** The iteration space of a reduction's output rows [begin, end) of its first output axis: coalesced output and reduced axes, with byte strides (out, then each load). */
export function layout(k: ReduceKernel, begin: number, end: number) {
  const loads = exprWalked(k.expr);
  const rank = k.outShape.length;
  const outStrides = k.outShape.map((_, i) => k.outShape.slice(i + 1).reduce((a, b) => a * b, 1) * BYTES[k.dtype]);
  const loadBytes = loads.map((l) => l.access.strides.map((s) => s * l.unit));
  const outShape = rank === 0 ? [] : [end - begin, ...k.outShape.slice(1)];
  const outer = coalesce(outShape, [outStrides, ...loadBytes.map((s) => s.slice(0, rank))]);
  const red = coalesce(k.redShape, loadBytes.map((s) => s.slice(rank)));
  return { loads, outStrides, loadBytes, outer, red };
}

/**
 * Whether a float32 reduction runs row by row: its outputs one contiguous run (a single output axis
 * once coalesced, of at least BY_ROWS_MIN_OUTPUTS), each operand a load contiguous or broadcast
 * along it, its expression with a SIMD form — a sum over the rows of a matrix, such as a bias's
 * gradient. Each step over the reduced elements then adds a whole row into float64 partial sums
 * kept in scratch memory (4 outputs at a time), reading memory in order, where outputs taken 8 at
 * a time would walk down 8 columns (a cache line and a page per element). Every output is still
 * one chain in the reduced order: the same result.
 */
export function byRows(k: ReduceKernel): boolean {
  if (k.dtype !== "float32" || k.outShape.length === 0) return false;
  const { loads, outer } = layout(k, 0, k.outShape[0] as number);
  const along = outer.strides.map((s) => s[0] as number);
  return (
    outer.shape.length === 1 &&
    (outer.shape[0] as number) >= BY_ROWS_MIN_OUTPUTS &&
    along[0] === 4 &&
    loads.every((l, i) => l.access.buffer !== INDEX_COUNTER && vectorStep(l, along[i + 1] as number)) &&
    canSimd(k.expr, PROBE_MATH)
  );
}

/** The float64 scratch bytes a reduction needs (its partial sums when it runs row by row), or 0. */
export function accumulatorBytes(k: ReduceKernel): number {
  return byRows(k) ? 8 * k.outShape.reduce((a, b) => a * b, 1) : 0;
}

/**
 * `count` consecutive outputs row by row (see `byRows`): partial sums at `accumulators` (float64,
 * one per output) start at the reduction's initial value; each step over the reduced elements adds
 * its row into them (f32x4 evaluations of the expression, each lane promoted into its own output's
 * sum; the last count % 4 outputs one at a time); then the outputs are stored, rounded to float32.
 */
export function sumRows(
  f: FunctionBuilder,
  k: ReduceKernel,
  g: GenContext,
  o: { count: number; along: readonly number[]; red: { shape: number[]; strides: number[][] }; starts: readonly number[]; accumulators: number },
): void {
  const { count, along, red, starts, accumulators } = o;
  const vectors = Math.floor(count / 4);
  const init = k.op === "sum" ? 0 : -Infinity;
  const combine = k.op === "sum" ? V.f64x2_add : V.f64x2_max;
  const index = new Map(exprWalked(k.expr).map((l, i) => [accessKey(l.access), i] as const));
  const at = (a: Access): number => index.get(accessKey(a)) as number;
  const [j, acc, vec] = [f.local("i32"), f.local("i32"), f.local("v128")];
  f.forRange(j, 0, count * 8, 8, () => void f.get(j).f64(init).mem(I.f64_store, { align: 3, offset: accumulators }));
  emitNest(f, red.shape, red.strides, starts.slice(1), (inner) => {
    const ptrs = inner.map(() => f.local("i32"));
    ptrs.forEach((p, i) => f.get(inner[i] as number).set(p));
    f.i32(accumulators).set(acc);
    const advance = (lanes: number): void => {
      ptrs.forEach((p, i) => {
        const step = (along[i + 1] as number) * lanes;
        if (step !== 0) f.get(p).i32(step).op(I.i32_add).set(p);
      });
      f.get(acc).i32(8 * lanes).op(I.i32_add).set(acc);
    };
    const ptrOf = (a: Access): number => ptrs[at(a)] as number;
    f.forRange(j, 0, vectors, 1, () => {
      emitVector(f, k.expr, ptrOf, (a) => along[1 + at(a)] === 0, g.math);
      f.set(vec);
      f.get(acc).get(acc).simdMem(V.v128_load, { align: 3, offset: 0 }).get(vec).simd(V.f64x2_promote_low_f32x4).simd(combine).simdMem(V.v128_store, { align: 3, offset: 0 });
      f.get(acc).get(acc).simdMem(V.v128_load, { align: 3, offset: 16 }).get(vec).get(vec).shuffle32([2, 3, 0, 1]).simd(V.f64x2_promote_low_f32x4).simd(combine).simdMem(V.v128_store, { align: 3, offset: 16 });
      advance(4);
    });
    f.forRange(j, vectors * 4, count, 1, () => {
      f.get(acc).get(acc).mem(I.f64_load, { align: 3, offset: 0 });
      emitScalar(f, k.expr, ptrOf, g.math);
      f.op(I.f64_promote_f32).op(k.op === "sum" ? I.f64_add : I.f64_max).mem(I.f64_store, { align: 3, offset: 0 });
      advance(1);
    });
  });
  // out[j] = acc[j] rounded to float32, 4 at a time, then the rest.
  const out = starts[0] as number;
  f.forRange(j, 0, vectors * 4, 4, () => {
    f.get(out).get(j).i32(4).op(I.i32_mul).op(I.i32_add);
    f.get(j).i32(8).op(I.i32_mul).simdMem(V.v128_load, { align: 3, offset: accumulators }).simd(V.f32x4_demote_f64x2_zero);
    f.get(j).i32(8).op(I.i32_mul).simdMem(V.v128_load, { align: 3, offset: accumulators + 16 }).simd(V.f32x4_demote_f64x2_zero);
    f.shuffle32([0, 1, 4, 5]).simdMem(V.v128_store, { align: 2, offset: 0 });
  });
  f.forRange(j, vectors * 4, count, 1, () => {
    f.get(out).get(j).i32(4).op(I.i32_mul).op(I.i32_add);
    f.get(j).i32(8).op(I.i32_mul).mem(I.f64_load, { align: 3, offset: accumulators }).op(I.f32_demote_f64).mem(I.f32_store, { align: 2, offset: 0 });
  });
}
