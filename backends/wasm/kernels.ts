import type { DType } from "../../ir/dtype.js";
import type { Access, CheckKernel, Kernel, StepCopy } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import type { MathImports } from "./emit-ops.js";
import { BYTES, INDEX_COUNTER, accessKey, canSimd, emitLoad, emitScalar, emitStoreOp, emitVector, exprWalked, rampLocal, startOf, vectorStep, type Walked } from "./expr.js";
import { coalesce, emitNest, startLocals } from "./nest.js";

/** Code generation for every kernel kind but matmul (see matmul.ts). */

export interface GenContext {
  /** Byte address of a buffer in the arena. */
  readonly addr: (buffer: number) => number;
  readonly math: MathImports;
  /** The imported host function running `random` kernels: (key, out, size per key, keys, dist, dtype) -> (). */
  readonly randomImport: number;
  /** A kernel generated as a function of the module (on the calling thread): its index. */
  readonly kernel: (k: Kernel) => number;
  /** Byte address of scratch memory a kernel may use while it runs (`kernelScratch` bytes; a split kernel's chunks use disjoint parts). */
  readonly scratch: number;
}

type MapKernel = Extract<Kernel, { kind: "map" }>;

/** out[i] = expr(i): nested loops, the innermost vectorized (4 lanes) when every access allows. */
export function genMap(k: MapKernel, g: GenContext): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const walked: Walked[] = [{ access: k.out, dtype: k.dtype, unit: BYTES[k.dtype] }, ...exprWalked(k.expr)];
  const { shape, strides } = coalesce(k.shape, walked.map((w) => w.access.strides.map((s) => s * w.unit)));
  const starts = startLocals(f, walked.map((w) => startOf(w, g.addr)));
  const index = new Map(walked.map((w, i) => [accessKey(w.access), i] as const));
  const inner = shape.length === 0 ? 1 : (shape[shape.length - 1] as number);
  const innerStrides = strides.map((s) => (s.length === 0 ? 0 : (s[s.length - 1] as number)));
  const vector =
    inner >= 4 &&
    canSimd(k.expr, g.math) &&
    (k.dtype === "float32" || k.dtype === "int32" || k.dtype === "bool") &&
    innerStrides[0] === 4 &&
    walked.every((w, i) => vectorStep(w, innerStrides[i] as number));
  const ramp = vector && walked.some((w, i) => w.access.buffer === INDEX_COUNTER && innerStrides[i] !== 0) ? rampLocal(f) : undefined;

  emitNest(f, shape.slice(0, -1), strides.map((s) => s.slice(0, -1)), starts, (rowPtrs) => {
    const ptrs = rowPtrs.map((p) => {
      const l = f.local("i32");
      f.get(p).set(l);
      return l;
    });
    const ptrOf = (a: Access): number => ptrs[index.get(accessKey(a)) as number] as number;
    const advance = (factor: number): void =>
      ptrs.forEach((p, i) => {
        const s = (innerStrides[i] as number) * factor;
        if (s !== 0) f.get(p).i32(s).op(I.i32_add).set(p);
      });
    const j = f.local("i32");
    let done = 0;
    if (vector) {
      done = inner - (inner % 4);
      f.forRange(j, 0, done, 4, () => {
        f.get(ptrs[0] as number);
        emitVector(f, k.expr, ptrOf, (a) => innerStrides[index.get(accessKey(a)) as number] === 0, g.math, undefined, undefined, ramp);
        if (k.dtype === "bool") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
        advance(4);
      });
    }
    if (done < inner) {
      f.forRange(j, done, inner, 1, () => {
        f.get(ptrs[0] as number);
        emitScalar(f, k.expr, ptrOf, g.math);
        emitStoreOp(f, k.dtype);
        advance(1);
      });
    }
  });
  return f;
}

type GatherKernel = Extract<Kernel, { kind: "gather" }>;
type ScatterKernel = Extract<Kernel, { kind: "scatterAdd" }>;

/** Emits idx = clamp(indices[r], 0, rows - 1) into local `idx` (indices at pointer local `ip`). */
function clampedIndex(f: FunctionBuilder, ip: number, idx: number, rows: number): void {
  emitLoad(f, ip, "int32");
  f.set(idx);
  f.i32(0).get(idx).get(idx).i32(0).op(I.i32_lt_s).op(I.select).set(idx); // idx < 0 ? 0 : idx
  f.i32(rows - 1).get(idx).get(idx).i32(rows - 1).op(I.i32_gt_s).op(I.select).set(idx); // idx > rows-1 ? rows-1 : idx
}

/** out[r] = params[clamp(indices[r])], whole rows with memory.copy. */
export function genGather(k: GatherKernel, g: GenContext): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const rowBytes = k.width * BYTES[k.dtype];
  const [ip, op] = startLocals(f, [g.addr(k.indices), g.addr(k.out)]) as [number, number];
  const idx = f.local("i32");
  const r = f.local("i32");
  f.forRange(r, 0, k.count, 1, () => {
    clampedIndex(f, ip, idx, k.rows);
    if (rowBytes > 0) {
      f.get(op).i32(g.addr(k.params)).get(idx).i32(rowBytes).op(I.i32_mul).op(I.i32_add).i32(rowBytes);
      f.memoryCopy();
    }
    f.get(ip).i32(4).op(I.i32_add).set(ip);
    f.get(op).i32(rowBytes).op(I.i32_add).set(op);
  });
  return f;
}

/** out = 0; out[clamp(indices[r])] += updates[r], row by row. */
export function genScatterAdd(k: ScatterKernel, g: GenContext): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const size = BYTES[k.dtype];
  const rowBytes = k.width * size;
  f.i32(g.addr(k.out)).i32(0).i32(k.rows * rowBytes).memoryFill();
  const [ip, up] = startLocals(f, [g.addr(k.indices), g.addr(k.updates)]) as [number, number];
  const idx = f.local("i32");
  const dst = f.local("i32");
  const r = f.local("i32");
  const j = f.local("i32");
  const add = k.dtype === "float32" ? I.f32_add : k.dtype === "float64" ? I.f64_add : I.i32_add;
  f.forRange(r, 0, k.count, 1, () => {
    clampedIndex(f, ip, idx, k.rows);
    f.i32(g.addr(k.out)).get(idx).i32(rowBytes).op(I.i32_mul).op(I.i32_add).set(dst);
    f.forRange(j, 0, k.width, 1, () => {
      f.get(dst);
      emitLoad(f, dst, k.dtype);
      emitLoad(f, up, k.dtype);
      f.op(add);
      emitStoreOp(f, k.dtype);
      f.get(dst).i32(size).op(I.i32_add).set(dst);
      f.get(up).i32(size).op(I.i32_add).set(up);
    });
    f.get(ip).i32(4).op(I.i32_add).set(ip);
  });
  return f;
}

/**
 * At the first index outside [0, size), unless the status words (zeroed by the host before the
 * run) already hold a failure: status = [1 + its position, its value], and the kernel returns.
 */
export function genCheckIndex(k: CheckKernel, g: GenContext): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const status = g.addr(k.status);
  const [ip] = startLocals(f, [g.addr(k.indices)]) as [number];
  const v = f.local("i32");
  const r = f.local("i32");
  f.block(() => {
    // An earlier step of the loop this check is in failed already: its failure is the first.
    f.i32(status).mem(I.i32_load, { align: 2, offset: 0 }).op(I.br_if, 0);
    f.forRange(r, 0, k.shape.reduce((a, b) => a * b, 1), 1, () => {
      emitLoad(f, ip, "int32");
      // Unsigned: a negative index compares as 2³² + v >= size.
      f.tee(v).i32(k.size).op(I.i32_ge_u);
      f.ifThen(() => {
        f.i32(status).get(r).i32(1).op(I.i32_add).mem(I.i32_store, { align: 2, offset: 0 });
        f.i32(status).get(v).mem(I.i32_store, { align: 2, offset: 4 });
        f.op(I.return);
      });
      f.get(ip).i32(4).op(I.i32_add).set(ip);
    });
  });
  return f;
}

type IotaKernel = Extract<Kernel, { kind: "iota" }>;

/**
 * out[i] = (i / stride(axis)) % shape[axis], for rows [begin, end) of the first axis (default:
 * all). Along the last axis, 4 at a time: each row is 0, 1, 2, … (a vector stepped by 4).
 */
export function genIota(k: IotaKernel, g: GenContext, rows?: readonly [number, number]): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const rowSize = k.shape.slice(1).reduce((a, b) => a * b, 1);
  const [begin, end] = rows ?? [0, k.shape.length === 0 ? 1 : (k.shape[0] as number)];
  const stride = k.shape.slice(k.axis + 1).reduce((a, b) => a * b, 1);
  const n = k.shape[k.axis] as number;
  const [op] = startLocals(f, [g.addr(k.out) + begin * rowSize * BYTES[k.dtype]]) as [number];
  const i = f.local("i32");
  const vector = k.axis === k.shape.length - 1 && k.shape.length > 0 && n >= 4 && (k.dtype === "int32" || k.dtype === "float32");
  if (vector) {
    // Every row (all axes but the last) is 0 .. n-1: a vector of 4 consecutive values, then the n % 4 left.
    const rowsIn = ((end - begin) * rowSize) / n;
    const r = f.local("i32");
    const lanes = f.local("v128");
    const full = n - (n % 4);
    f.forRange(r, 0, rowsIn, 1, () => {
      // lanes = (0, 1, 2, 3)
      f.i32(0).simd(V.i32x4_splat).i32(1).simd(V.i32x4_replace_lane).op(1).i32(2).simd(V.i32x4_replace_lane).op(2).i32(3).simd(V.i32x4_replace_lane).op(3).set(lanes);
      f.forRange(i, 0, full, 4, () => {
        f.get(op).get(lanes);
        if (k.dtype === "float32") f.simd(V.f32x4_convert_i32x4_s);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
        f.get(lanes).i32(4).simd(V.i32x4_splat).simd(V.i32x4_add).set(lanes);
        f.get(op).i32(16).op(I.i32_add).set(op);
      });
      f.forRange(i, full, n, 1, () => {
        f.get(op).get(i);
        if (k.dtype === "float32") f.op(I.f32_convert_i32_s);
        emitStoreOp(f, k.dtype);
        f.get(op).i32(4).op(I.i32_add).set(op);
      });
    });
    return f;
  }
  f.forRange(i, begin * rowSize, end * rowSize, 1, () => {
    f.get(op);
    f.get(i).i32(stride).op(I.i32_div_u).i32(n).op(I.i32_rem_u); // (i / stride) % n, unsigned
    if (k.dtype === "float32") f.op(I.f32_convert_i32_s);
    else if (k.dtype === "float64") f.op(I.f64_convert_i32_s);
    emitStoreOp(f, k.dtype);
    f.get(op).i32(BYTES[k.dtype]).op(I.i32_add).set(op);
  });
  return f;
}

/** The random kernel passes its distribution and dtype to the host as their index in these lists (read by both sides). */
export const RANDOM_DISTS = ["uniform", "normal", "bits"] as const;
export const RANDOM_DTYPES = ["float32", "float64", "int32", "bool"] as const satisfies readonly DType[];

type RandomKernel = Extract<Kernel, { kind: "random" }>;

/** Calls the host's Threefry implementation (ir/random.ts), the one definition of the numbers. */
export function genRandom(k: RandomKernel, g: GenContext): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  f.i32(g.addr(k.key)).i32(g.addr(k.out)).i32(k.size).i32(k.keys).i32(RANDOM_DISTS.indexOf(k.dist)).i32(RANDOM_DTYPES.indexOf(k.dtype)).call(g.randomImport);
  return f;
}

type LoopKernel = Extract<Kernel, { kind: "loop" }>;

/**
 * A loop (a scan): for i < count, the step's copies in (memory.copy at addresses moving by i),
 * the body's kernels (each a function of its own, generated once), the copies out.
 */
export function genLoop(k: LoopKernel, g: GenContext): FunctionBuilder {
  const body = k.body.map(g.kernel);
  const f = new FunctionBuilder([], []);
  const i = f.local("i32");
  const address = (buffer: number, offset: number, step: number, bytes: number): void => {
    f.i32(g.addr(buffer) + offset * bytes);
    if (step !== 0) f.get(i).i32(step * bytes).op(I.i32_mul).op(I.i32_add);
  };
  const copy = (c: StepCopy): void => {
    if (c.size === 0) return;
    const bytes = BYTES[c.dtype];
    address(c.dst, c.dstOffset, c.dstStep, bytes);
    address(c.src, c.srcOffset, c.srcStep, bytes);
    f.i32(c.size * bytes).memoryCopy();
  };
  f.forRange(i, 0, k.count, 1, () => {
    k.before.forEach(copy);
    for (const fn of body) f.call(fn);
    k.after.forEach(copy);
  });
  return f;
}
