import type { Access, Kernel, ScalarExpr } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { accessKey, BYTES, canSimd, emitScalar, emitStoreOp, emitVector, exprWalked, INDEX_COUNTER, rampLocal, startOf, vectorStep } from "./expr.js";
import type { GenContext } from "./kernels.js";
import { emitNest, startLocals } from "./nest.js";
import { byRows, layout, sumRows } from "./reduce-rows.js";

export { accumulatorBytes } from "./reduce-rows.js";

type ReduceKernel = Extract<Kernel, { kind: "reduce" }>;

/** Outputs whose reductions run interleaved, at most (independent chains hide the adds' latency). */
const GROUP = 8;

/** Reduced elements along the innermost axis from which they are taken 4 at a time (see `alongReduced`). */
const ALONG_R_MIN = 16;

/**
 * Ops in a summed expression from which evaluating it 4 elements at a time pays for adding its
 * lanes one by one (a sum of plain loads is faster one element at a time: [400,10000]'s rows on 2
 * threads 0.70 ms against 0.80; of squares, 0.92 against 0.79).
 */
const ALONG_R_MIN_OPS = 1;

/** The number of ops in an expression. */
const opsIn = (e: ScalarExpr): number => (e.kind === "op" ? 1 + e.args.reduce((n, a) => n + opsIn(a), 0) : 0);

/**
 * out[o] = sum/max over r of expr(o, r), r in row-major order, accumulated in float64 for floats
 * (wrapping int32 for int32 sums), as the JS reference does, so results match it bit for bit.
 * Consecutive outputs along the innermost output axis are computed together, up to GROUP at a
 * time: their chains are interleaved in one pass over r (each output is still one sequential
 * chain, so the result does not change), which keeps the float64 adder busy instead of waiting on
 * one chain; a sum over the rows of a matrix runs row by row instead (`byRows`). `rows` restricts
 * the kernel to rows [begin, end) of the first output axis (part `part` of a kernel split between
 * threads).
 */
export function genReduce(k: ReduceKernel, g: GenContext, rows?: readonly [number, number], part = 0): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const rank = k.outShape.length;
  const [begin, end] = rows ?? [0, rank === 0 ? 1 : (k.outShape[0] as number)];
  const { loads, outStrides, loadBytes, outer, red } = layout(k, begin, end);
  const starts = startLocals(f, [
    g.addr(k.out) + begin * (outStrides[0] ?? 0),
    ...loads.map((l, i) => startOf(l, g.addr) + begin * ((loadBytes[i] as number[])[0] ?? 0)),
  ]);
  if (byRows(k)) {
    // Partial sums of this part's outputs: their own slice of the scratch, a cache line past the previous part's.
    const first = (begin * (outStrides[0] as number)) / 4;
    sumRows(f, k, g, { count: outer.shape[0] as number, along: outer.strides.map((s) => s[0] as number), red, starts, accumulators: g.scratch + 8 * first + 64 * part });
    return f;
  }
  const isFloat = k.dtype === "float32" || k.dtype === "float64";
  const redSize = k.redShape.reduce((a, b) => a * b, 1);
  const index = new Map(loads.map((l, i) => [accessKey(l.access), i] as const));

  // The innermost output axis, along which outputs are grouped (byte strides: out, then each load).
  const axes = outer.shape.length;
  const length = axes === 0 ? 1 : (outer.shape[axes - 1] as number);
  const along = outer.strides.map((s) => (axes === 0 ? 0 : (s[axes - 1] as number)));
  // Load offsets must be non-negative constants: a reversed operand computes one output at a time.
  const group = along.every((s) => s >= 0) ? Math.min(GROUP, length) : 1;
  const accs = Array.from({ length: group }, () => f.local(isFloat ? "f64" : "i32"));
  const v = f.local("i32");
  // float32 outputs contiguous along the axis, every operand contiguous or broadcast there: 8 at a
  // time in f64x2 lanes (two f32x4 evaluations of the expression per step, each lane its own chain).
  const lanes = k.dtype === "float32" && length >= GROUP && along[0] === 4 && loads.every((l, i) => vectorStep(l, along[i + 1] as number)) && canSimd(k.expr, g.math);
  const laneAccs = lanes ? Array.from({ length: GROUP / 2 }, () => f.local("v128")) : [];
  const vec = lanes ? f.local("v128") : -1;
  const ramp = lanes && loads.some((l, i) => l.access.buffer === INDEX_COUNTER && along[i + 1] !== 0) ? rampLocal(f) : undefined;

  /** GROUP consecutive outputs in f64x2 lanes, the first one's pointers in `ptrs`. */
  const laneOutputs = (ptrs: readonly number[]): void => {
    for (const a of laneAccs) f.f64(k.op === "sum" ? 0 : -Infinity).simd(V.f64x2_splat).set(a);
    const combine = k.op === "sum" ? V.f64x2_add : V.f64x2_max;
    emitNest(f, red.shape, red.strides, ptrs.slice(1), (inner) => {
      const at = (a: Access): number => index.get(accessKey(a)) as number;
      const ptrOf = (a: Access): number => inner[at(a)] as number;
      for (let h = 0; h < GROUP / 4; h++) {
        // The h-th 4 outputs: 4 steps along the output axis further (16 bytes, or 4 for an index).
        emitVector(f, k.expr, ptrOf, (a) => along[1 + at(a)] === 0, g.math, undefined, (a) => h * 4 * (along[1 + at(a)] as number), ramp);
        f.set(vec);
        const [lo, hi] = [laneAccs[2 * h] as number, laneAccs[2 * h + 1] as number];
        f.get(lo).get(vec).simd(V.f64x2_promote_low_f32x4).simd(combine).set(lo);
        f.get(hi).get(vec).get(vec).shuffle32([2, 3, 0, 1]).simd(V.f64x2_promote_low_f32x4).simd(combine).set(hi);
      }
    });
    for (let h = 0; h < GROUP / 4; h++) {
      f.get(ptrs[0] as number);
      f.get(laneAccs[2 * h] as number).simd(V.f32x4_demote_f64x2_zero).get(laneAccs[2 * h + 1] as number).simd(V.f32x4_demote_f64x2_zero).shuffle32([0, 1, 4, 5]);
      f.simdMem(V.v128_store, { align: 2, offset: h * 16 });
    }
  };

  // float32 whose innermost reduced axis every operand walks contiguously (or not at all): the
  // expression 4 reduced elements at a time (f32x4), each lane then added into its output's float64
  // sum in order (or, for max, which any order gives, kept in f32x4 maxima).
  const rAxes = red.shape.length;
  const rLength = rAxes === 0 ? 0 : (red.shape[rAxes - 1] as number);
  const rStep = red.strides.map((s) => (rAxes === 0 ? 0 : (s[rAxes - 1] as number)));
  const alongR =
    !lanes && k.dtype === "float32" && rLength >= ALONG_R_MIN && (k.op === "max" || opsIn(k.expr) >= ALONG_R_MIN_OPS) && loads.every((l, i) => vectorStep(l, rStep[i] as number)) && canSimd(k.expr, g.math);
  const rRamp = alongR && loads.some((l, i) => l.access.buffer === INDEX_COUNTER && rStep[i] !== 0) ? rampLocal(f) : undefined;
  const maxima = alongR && k.op === "max" ? Array.from({ length: group }, () => f.local("v128")) : [];

  /** The reduced elements of `count` outputs (accumulators `accs`), 4 at a time along the innermost reduced axis, then the rest one by one. */
  const alongReduced = (ptrs: readonly number[], count: number, offsetOf: (c: number) => (a: Access) => number, scalarStep: (inner: readonly number[]) => void): void => {
    for (let c = 0; c < maxima.length; c++) f.f32(-Infinity).simd(V.f32x4_splat).set(maxima[c] as number);
    const at = (a: Access): number => index.get(accessKey(a)) as number;
    emitNest(f, red.shape.slice(0, -1), red.strides.map((s) => s.slice(0, -1)), ptrs.slice(1), (outerPtrs) => {
      const q = outerPtrs.map((p) => {
        const l = f.local("i32");
        f.get(p).set(l);
        return l;
      });
      const advance = (n: number): void =>
        q.forEach((p, i) => {
          if (rStep[i] !== 0) f.get(p).i32((rStep[i] as number) * n).op(I.i32_add).set(p);
        });
      const j = f.local("i32");
      f.forRange(j, 0, Math.floor(rLength / 4), 1, () => {
        for (let c = 0; c < count; c++) {
          emitVector(f, k.expr, (a) => q[at(a)] as number, (a) => rStep[at(a)] === 0, g.math, undefined, offsetOf(c), rRamp);
          if (k.op === "max") {
            f.get(maxima[c] as number).simd(V.f32x4_max).set(maxima[c] as number);
            continue;
          }
          f.set(vecR);
          for (let lane = 0; lane < 4; lane++) f.get(accs[c] as number).get(vecR).simd(V.f32x4_extract_lane).op(lane).op(I.f64_promote_f32).op(I.f64_add).set(accs[c] as number);
        }
        advance(4);
      });
      f.forRange(j, Math.floor(rLength / 4) * 4, rLength, 1, () => {
        scalarStep(q);
        advance(1);
      });
    });
    // A max's lanes into its accumulator (exact, in any order).
    for (let c = 0; c < maxima.length; c++) {
      for (let lane = 0; lane < 4; lane++) f.get(accs[c] as number).get(maxima[c] as number).simd(V.f32x4_extract_lane).op(lane).op(I.f64_promote_f32).op(I.f64_max).set(accs[c] as number);
    }
  };
  const vecR = alongR ? f.local("v128") : -1;

  /** `count` consecutive outputs, the first one's pointers (out, then each load) in `ptrs`. */
  const outputs = (ptrs: readonly number[], count: number): void => {
    for (let c = 0; c < count; c++) {
      // Initial value: 0 for sums; -inf for float max; for int32 max the JS reference's -inf stored as int32 is 0 when empty.
      if (isFloat) f.f64(k.op === "sum" ? 0 : -Infinity);
      else f.i32(k.op === "sum" || redSize === 0 ? 0 : -2147483648);
      f.set(accs[c] as number);
    }
    const offsetFor = (c: number) => (a: Access): number => c * (along[1 + (index.get(accessKey(a)) as number)] as number);
    const step = (inner: readonly number[]): void => {
      const ptrOf = (a: Access): number => inner[index.get(accessKey(a)) as number] as number;
      for (let c = 0; c < count; c++) {
        const acc = accs[c] as number;
        const offsetOf = offsetFor(c);
        if (isFloat) {
          f.get(acc);
          emitScalar(f, k.expr, ptrOf, g.math, undefined, offsetOf);
          if (k.dtype === "float32") f.op(I.f64_promote_f32);
          f.op(k.op === "sum" ? I.f64_add : I.f64_max).set(acc);
        } else {
          emitScalar(f, k.expr, ptrOf, g.math, undefined, offsetOf);
          f.set(v);
          if (k.op === "sum") f.get(acc).get(v).op(I.i32_add).set(acc);
          else f.get(v).get(acc).get(v).get(acc).op(I.i32_gt_s).op(I.select).set(acc);
        }
      }
    };
    if (alongR) alongReduced(ptrs, count, offsetFor, step);
    else emitNest(f, red.shape, red.strides, ptrs.slice(1), step);
    for (let c = 0; c < count; c++) {
      f.get(ptrs[0] as number).get(accs[c] as number);
      if (k.dtype === "float32") f.op(I.f32_demote_f64);
      emitStoreOp(f, k.dtype, c * (along[0] as number));
    }
  };

  const outerAxes = Math.max(0, axes - 1);
  emitNest(f, outer.shape.slice(0, outerAxes), outer.strides.map((s) => s.slice(0, outerAxes)), starts, (ptrs) => {
    const groups = Math.floor(length / group);
    const rest = length % group;
    const run = (at: readonly number[]): void => (lanes ? laneOutputs(at) : outputs(at, group));
    if (groups === 1 && rest === 0) return run(ptrs);
    const at = ptrs.map((p) => {
      const l = f.local("i32");
      f.get(p).set(l);
      return l;
    });
    const gi = f.local("i32");
    f.forRange(gi, 0, groups, 1, () => {
      run(at);
      at.forEach((p, i) => {
        const step = (along[i] as number) * group;
        if (step !== 0) f.get(p).i32(step).op(I.i32_add).set(p);
      });
    });
    if (rest > 0) outputs(at, rest);
  });
  return f;
}

