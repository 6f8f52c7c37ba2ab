import type { Kernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I } from "./opcodes.js";
import { BYTES } from "./expr.js";
import { chunkPanels, MR, panelsWithTail } from "./matmul-blocking.js";
import { genF32, type MatmulOptions } from "./matmul-f32.js";

export { chunkPanels, MR, NR, packBytes, panels, panelsWithTail, reductionLength } from "./matmul-blocking.js";
export { epilogueSupported } from "./matmul-epilogue.js";
export { genPackA, genPackB, type MatmulOptions, packedABytes, packedBBytes } from "./matmul-f32.js";

/**
 * Matrix multiplication kernels. float32 uses a packed, cache-blocked SIMD micro-kernel
 * (matmul-f32.ts, blocking in matmul-blocking.ts): 4×8 tiles of C in f32x4 accumulators
 * (relaxed-SIMD fused multiply-add when the engine has it). float64 and int32 use the JS
 * reference's loop order (row accumulation over p), so they match it exactly.
 */

type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;


/**
 * A function (aAddr, bAddr, cAddr, panelBegin, panelEnd, scratch, tail) computing one
 * [m,k] x [k,n] product. float32: restricted to the 8-column panels [panelBegin, panelEnd) (at
 * most one chunk: they are packed together; the last panel may be partial, n % 8 columns padded
 * with zeros), so threads can share one product. float64 / int32: all of it when `tail`.
 */
export function genMatmulBody(k: MatmulKernel, o: MatmulOptions): FunctionBuilder {
  return k.dtype === "float32" ? genF32(k, o) : genRowAccumulate(k);
}

/**
 * Part `part` of `parts` of a matmul kernel, for every batch index. One part walks the panels
 * chunk by chunk. Several parts share them dynamically: each takes the next chunk from the
 * batch's counter (an i32 at `counters` + 4·batch, zeroed by the host before the parts start)
 * with an atomic add, so a slower thread simply takes fewer chunks. The result does not depend on
 * which thread computed which panel.
 */
export function genMatmulKernel(k: MatmulKernel, addr: (b: number) => number, body: number, part: number, parts: number, scratch: number, counters: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const size = BYTES[k.dtype];
  const total = panelsWithTail(k);
  const chunk = chunkPanels(k, parts);
  const c = f.local("i32");
  const end = f.local("i32");
  k.aOffsets.forEach((ao, i) => {
    const call = (begin: () => void, stop: () => void, tail: number): void => {
      f.i32(addr(k.a) + ao * size).i32(addr(k.b) + (k.bOffsets[i] as number) * size).i32(addr(k.out) + i * k.m * k.n * size);
      begin();
      stop();
      f.i32(scratch).i32(tail).call(body);
    };
    const chunkCall = (): void => {
      // end = min(c + chunk, total)
      f.get(c).i32(chunk).op(I.i32_add).tee(end).i32(total).get(end).i32(total).op(I.i32_lt_s).op(I.select).set(end);
      call(() => void f.get(c), () => void f.get(end), 0);
    };
    if (k.dtype !== "float32" || total === 0) {
      if (part === 0) call(() => void f.i32(0), () => void f.i32(0), 1);
      return;
    }
    if (parts === 1) f.forRange(c, 0, total, chunk, chunkCall);
    else f.counterLoop(c, counters + 4 * i, chunk, total, chunkCall);
  });
  return f;
}

/**
 * Part of a one-batch float32 product split between threads by rows (module.ts splitsByRows): each
 * thread takes the next chunk of `rowChunk` rows (a multiple of MR) from the counter at `counters`
 * and calls the row-range body (MatmulOptions.rowRange, B packed beforehand) on every panel.
 */
export function genMatmulRowsKernel(k: MatmulKernel, addr: (b: number) => number, body: number, rowChunk: number, scratch: number, counters: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const mPad = Math.ceil(k.m / MR) * MR;
  const [r, end] = [f.local("i32"), f.local("i32")];
  f.counterLoop(r, counters, rowChunk, mPad, () => {
    // end = min(r + rowChunk, mPad)
    f.get(r).i32(rowChunk).op(I.i32_add).tee(end).i32(mPad).get(end).i32(mPad).op(I.i32_lt_s).op(I.select).set(end);
    f.i32(addr(k.a) + (k.aOffsets[0] ?? 0) * 4).i32(addr(k.b) + (k.bOffsets[0] ?? 0) * 4).i32(addr(k.out));
    f.i32(0).i32(panelsWithTail(k)).i32(scratch).i32(0).get(r).get(end).call(body);
  });
  return f;
}

/** C[i, :] = Σ_p A[i, p]·B[p, :], p ascending (the JS reference's order): float64 and int32. */
function genRowAccumulate(k: MatmulKernel): FunctionBuilder {
  // (a, b, c, _, _, _, tail): not split between threads; the part with `tail` does it all.
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const body = (): void => rowAccumulate(f, k);
  f.get(6);
  f.ifThen(body);
  return f;
}

function rowAccumulate(f: FunctionBuilder, k: MatmulKernel): void {
  const [A, B, C] = [0, 1, 2];
  const size = k.dtype === "float64" ? 8 : 4;
  const [load, store, mul, add] = k.dtype === "float64" ? [I.f64_load, I.f64_store, I.f64_mul, I.f64_add] : [I.i32_load, I.i32_store, I.i32_mul, I.i32_add];
  const align = size === 8 ? 3 : 2;
  const i = f.local("i32");
  const p = f.local("i32");
  const j = f.local("i32");
  const crow = f.local("i32");
  const brow = f.local("i32");
  const av = f.local(k.dtype === "float64" ? "f64" : "i32");
  f.forRange(i, 0, k.m, 1, () => {
    f.get(C).get(i).i32(k.n * size).op(I.i32_mul).op(I.i32_add).set(crow);
    f.get(crow).i32(0).i32(k.n * size).memoryFill(); // zero the row
    f.forRange(p, 0, k.k, 1, () => {
      // A[i, p] at (i·k + p) or, column-major, (i + p·m); B[p, j] at (p·n + j) or (p + j·k).
      const [ai, ap] = k.transA ? [size, k.m * size] : [k.k * size, size];
      f.get(A).get(i).i32(ai).op(I.i32_mul).op(I.i32_add).get(p).i32(ap).op(I.i32_mul).op(I.i32_add).mem(load, { align, offset: 0 }).set(av);
      f.get(B).get(p).i32(k.transB ? size : k.n * size).op(I.i32_mul).op(I.i32_add).set(brow);
      f.forRange(j, 0, k.n, 1, () => {
        const addr = (): void => void f.get(j).i32(size).op(I.i32_mul);
        f.get(crow);
        addr();
        f.op(I.i32_add);
        f.get(crow);
        addr();
        f.op(I.i32_add).mem(load, { align, offset: 0 });
        f.get(av);
        f.get(brow);
        f.get(j).i32(k.transB ? k.k * size : size).op(I.i32_mul);
        f.op(I.i32_add).mem(load, { align, offset: 0 });
        f.op(mul).op(add).mem(store, { align, offset: 0 });
      });
    });
  });
}
