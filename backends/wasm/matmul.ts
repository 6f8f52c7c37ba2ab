import type { Kernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V, VOID } from "./opcodes.js";
import type { Access, ScalarExpr } from "../../ir/kernel/index.js";
import type { MathImports } from "./emit-ops.js";
import { accessKey, BYTES, canSimd, emitScalar, emitStoreOp, emitVector, exprAccesses } from "./expr.js";

/**
 * Matrix multiplication kernels. float32 uses a register-blocked SIMD micro-kernel: B is packed
 * into column panels of 8 (contiguous k×8), and each 4×8 tile of C is kept in 8 f32x4
 * accumulators while p runs over k (relaxed-SIMD fused multiply-add when the engine has it).
 * float64 and int32 use the JS reference's loop order (row accumulation over p), so they match it
 * exactly.
 */

type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;

export const MR = 4;
export const NR = 8;

export interface MatmulOptions {
  /** Use f32x4.relaxed_madd (FMA) in the micro-kernel. */
  readonly fma: boolean;
  /** Buffer addresses and host math (for epilogues). */
  readonly addr: (buffer: number) => number;
  readonly math: MathImports;
  /** Elements from one row of B (not transposed) to the next, and of C: n by default (a convolution's kernel matrix and output may have longer rows). */
  readonly ldb?: number;
  readonly ldc?: number;
}

/**
 * Whether this backend applies an expression as a float32 matmul epilogue: it must have a SIMD
 * form, a 4-byte result, and read its other operands along the output row contiguously or as a
 * broadcast (a bias).
 */
export function epilogueSupported(e: ScalarExpr, dtype: string, math: MathImports): boolean {
  if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") return false;
  if (!canSimd(e, math) || !accsAreFloat32(e)) return false;
  return [...exprAccesses(e).values()].every(({ access }) => access.strides.length === 2 && (access.strides[1] === 0 || access.strides[1] === 1));
}

/**
 * Cache blocking of the float32 kernel. B is packed a chunk of panels at a time (the chunk stays
 * in L2: about B_CHUNK_BYTES), and A is swept in blocks of rows of about A_BLOCK_BYTES (kept in L2
 * while every panel of the chunk passes over it), so A is streamed from memory once per chunk
 * instead of once per panel.
 */
const B_CHUNK_BYTES = 256 << 10;
const A_BLOCK_BYTES = 1 << 20;

/** Panels per chunk: what fits B_CHUNK_BYTES, and at most a quarter of one thread's share (so threads balance). */
export function chunkPanels(k: Pick<MatmulKernel, "k" | "n">, threads: number): number {
  const total = Math.max(1, panelsWithTail(k));
  const byCache = Math.max(1, Math.floor(B_CHUNK_BYTES / (k.k * NR * 4)));
  const byBalance = Math.max(1, Math.ceil(total / (threads * 4)));
  return Math.min(byCache, byBalance, total);
}

/** Scratch bytes one thread needs for a matmul's packed B chunk. */
export function packBytes(k: Pick<MatmulKernel, "k" | "n">, threads: number): number {
  return chunkPanels(k, threads) * k.k * NR * 4;
}

/** Rows of A per block (a multiple of MR). */
function rowBlock(k: Pick<MatmulKernel, "k">): number {
  return Math.max(MR, Math.floor(A_BLOCK_BYTES / (k.k * 4) / MR) * MR);
}

/**
 * A function (aAddr, bAddr, cAddr, panelBegin, panelEnd, scratch, tail) computing one
 * [m,k] x [k,n] product. float32: restricted to the 8-column panels [panelBegin, panelEnd) (at
 * most one chunk: they are packed together; the last panel may be partial, n % 8 columns padded
 * with zeros), so threads can share one product. float64 / int32: all of it when `tail`.
 */
export function genMatmulBody(k: MatmulKernel, o: MatmulOptions): FunctionBuilder {
  return k.dtype === "float32" ? genF32(k, o) : genRowAccumulate(k);
}

/** Number of full 8-column panels of a float32 product. */
export function panels(k: Pick<MatmulKernel, "n">): number {
  return Math.floor(k.n / NR);
}

/** Panels including the last, partial one (n % 8 columns). */
function panelsWithTail(k: Pick<MatmulKernel, "n">): number {
  return Math.ceil(k.n / NR);
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

function genF32(k: MatmulKernel, o: MatmulOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [A, B, C, P0, P1, SCRATCH] = [0, 1, 2, 3, 4, 5];
  const { m, n } = k;
  const K = k.k;
  const nFull = n - (n % NR);
  const mFull = m - (m % MR);
  const j0 = f.local("i32");
  const i0 = f.local("i32");
  const p = f.local("i32");
  const pa = f.local("i32");
  const pb = f.local("i32");
  const src = f.local("i32");
  const s = f.local("v128");
  const b0 = f.local("v128");
  const b1 = f.local("v128");
  const acc = Array.from({ length: MR * 2 }, () => f.local("v128"));
  const panel = f.local("i32");
  const rowBytes = K * 4;
  /** Bytes of one packed panel. */
  const rowPanelBytes = K * NR * 4;
  /** Bytes from A[i, p] to A[i, p+1], and from B[p, j] to B[p+1, j] / B[p, j+1]. */
  const aStepP = k.transA ? m * 4 : 4;
  const bStepP = k.transB ? 4 : (o.ldb ?? n) * 4;
  const cRowBytes = (o.ldc ?? n) * 4;
  const bStepJ = k.transB ? K * 4 : 4;

  /** acc = s * b + acc */
  const fma = (a: number, b: number): void => {
    if (o.fma) f.get(s).get(b).get(a).simd(V.f32x4_relaxed_madd).set(a);
    else f.get(s).get(b).simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
  };

  /** A tile of `rows` rows × `cols` (8, or n % 8 in the last panel) columns at (i0, j0), its B panel packed at `panel`. */
  const tile = (rows: number, cols: number): void => {
    for (let q = 0; q < rows * 2; q++) f.f32(0).simd(V.f32x4_splat).set(acc[q] as number);
    // pa = &A[i0, 0]: A + i0*K*4, or A + i0*4 when A is column-major
    f.get(A).get(i0).i32(k.transA ? 4 : rowBytes).op(I.i32_mul).op(I.i32_add).set(pa);
    f.get(panel).set(pb);
    f.forRange(p, 0, K, 1, () => {
      f.get(pb).simdMem(V.v128_load, { align: 4, offset: 0 }).set(b0);
      f.get(pb).simdMem(V.v128_load, { align: 4, offset: 16 }).set(b1);
      for (let r = 0; r < rows; r++) {
        f.get(pa).simdMem(V.v128_load32_splat, { align: 2, offset: r * (k.transA ? 4 : rowBytes) }).set(s);
        fma(acc[2 * r] as number, b0);
        fma(acc[2 * r + 1] as number, b1);
      }
      f.get(pa).i32(aStepP).op(I.i32_add).set(pa);
      f.get(pb).i32(32).op(I.i32_add).set(pb);
    });
    // C[i0 + r, j0 .. j0+8] = acc (through the epilogue, if any)
    for (let r = 0; r < rows; r++) {
      if (cols < NR) {
        // The partial last panel: lane by lane, only the columns that exist.
        for (let c = 0; c < cols; c++) {
          const lane = (): void => void f.get(acc[2 * r + (c >> 2)] as number).simd(V.f32x4_extract_lane).op(c & 3);
          if (epi === undefined) {
            f.get(C).get(i0).i32(r).op(I.i32_add).i32(cRowBytes).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add);
            lane();
            f.mem(I.f32_store, { align: 2, offset: c * 4 });
          } else epi.store(r, c, false, lane);
        }
        continue;
      }
      for (let h = 0; h < 2; h++) {
        const value = acc[2 * r + h] as number;
        if (epi === undefined) {
          f.get(C).get(i0).i32(r).op(I.i32_add).i32(cRowBytes).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add);
          f.get(value).simdMem(V.v128_store, { align: 2, offset: h * 16 });
        } else epi.store(r, h * 4, true, () => void f.get(value));
      }
    }
  };
  const tail = n % NR;
  /** Emits `full()` for a full panel and `partial()` for the partial last one (j0 = nFull), when there is one. */
  const byPanel = (full: () => void, partial: () => void): void => {
    if (tail === 0) full();
    else f.get(j0).i32(nFull).op(I.i32_eq).ifThen(partial, full);
  };

  const epi = k.epilogue === undefined ? undefined : epilogueStore(f, k.epilogue, k.outDtype ?? "float32", C, o.ldc ?? n, i0, j0, o);
  const jBegin = f.local("i32");
  const jEnd = f.local("i32");
  f.get(P0).i32(NR).op(I.i32_mul).set(jBegin);
  f.get(P1).i32(NR).op(I.i32_mul).set(jEnd);
  // Pack B[:, jBegin .. jEnd] into the scratch, panel after panel (k rows of 8 contiguous floats each).
  f.get(SCRATCH).set(pb);
  f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
    f.get(B).get(j0).i32(bStepJ).op(I.i32_mul).op(I.i32_add).set(src);
    const pack = (cols: number): void =>
      void f.forRange(p, 0, K, 1, () => {
        if (k.transB || cols < NR) {
          // Column by column (B column-major, or the partial last panel: zeros past column n).
          for (let c = 0; c < NR; c++) {
            f.get(pb);
            if (c < cols) f.get(src).mem(I.f32_load, { align: 2, offset: c * bStepJ });
            else f.f32(0);
            f.mem(I.f32_store, { align: 2, offset: c * 4 });
          }
        } else {
          f.get(pb).get(src).simdMem(V.v128_load, { align: 2, offset: 0 }).simdMem(V.v128_store, { align: 4, offset: 0 });
          f.get(pb).get(src).simdMem(V.v128_load, { align: 2, offset: 16 }).simdMem(V.v128_store, { align: 4, offset: 16 });
        }
        f.get(src).i32(bStepP).op(I.i32_add).set(src);
        f.get(pb).i32(32).op(I.i32_add).set(pb);
      });
    byPanel(() => pack(NR), () => pack(tail));
  });
  // Every panel of the chunk over one block of rows of A, block after block.
  const ib = f.local("i32");
  const iEnd = f.local("i32");
  const block = rowBlock(k);
  const sweep = (rows: number, from: () => void, to: () => void): void => {
    f.get(SCRATCH).set(panel);
    f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
      const rowsLoop = (cols: number): void => {
        from();
        f.set(i0);
        f.block(() => {
          f.get(i0);
          to();
          f.op(I.i32_ge_s).op(I.br_if, 0); // i0 >= end: skip
          f.op(I.loop, VOID);
          tile(rows, cols);
          f.get(i0).i32(rows).op(I.i32_add).tee(i0);
          to();
          f.op(I.i32_lt_s).op(I.br_if, 0);
          f.op(I.end);
        });
      };
      byPanel(() => rowsLoop(NR), () => rowsLoop(tail));
      f.get(panel).i32(rowPanelBytes).op(I.i32_add).set(panel);
    });
  };
  f.forRange(ib, 0, mFull, block, () => {
    // iEnd = min(ib + block, mFull)
    f.get(ib).i32(block).op(I.i32_add).tee(iEnd).i32(mFull).get(iEnd).i32(mFull).op(I.i32_lt_s).op(I.select).set(iEnd);
    sweep(MR, () => void f.get(ib), () => void f.get(iEnd));
  });
  if (mFull < m) sweep(1, () => void f.i32(mFull), () => void f.i32(m));

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

/**
 * Stores epilogue(acc) at C[i + r, j + c .. (+4 when vector)]: each operand of the epilogue is
 * addressed at (row, column) through its strides, loaded as a vector (stride 1) or splatted (0).
 */
function epilogueStore(f: FunctionBuilder, e: ScalarExpr, outDtype: string, C: number, n: number, iLocal: number, jLocal: number, o: MatmulOptions) {
  const loads = [...exprAccesses(e).values()];
  const ptrs = new Map(loads.map((l) => [accessKey(l.access), f.local("i32")] as const));
  const out = f.local("i32");
  const dtype = outDtype as "float32" | "int32" | "bool";
  return {
    store: (r: number, c: number, vector: boolean, push: () => void): void => {
      for (const l of loads) {
        const bytes = BYTES[l.dtype];
        const [si, sj] = [l.access.strides[0] as number, l.access.strides[1] as number];
        f.i32(o.addr(l.access.buffer) + (l.access.offset + r * si + c * sj) * bytes);
        f.get(iLocal).i32(si * bytes).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(sj * bytes).op(I.i32_mul).op(I.i32_add);
        f.set(ptrs.get(accessKey(l.access)) as number);
      }
      f.get(C).get(iLocal).i32(r).op(I.i32_add).i32(n * 4).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(c).op(I.i32_add).i32(4).op(I.i32_mul).op(I.i32_add).set(out);
      const ptrOf = (a: Access): number => ptrs.get(accessKey(a)) as number;
      f.get(out);
      if (vector) {
        emitVector(f, e, ptrOf, (a) => a.strides[1] === 0, o.math, push);
        if (dtype === "bool") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
      } else {
        emitScalar(f, e, ptrOf, o.math, push);
        emitStoreOp(f, dtype);
      }
    },
  };
}

/** Only the float32 micro-kernel applies epilogues. */
function accsAreFloat32(e: ScalarExpr): boolean {
  if (e.kind === "acc") return e.dtype === "float32";
  return e.kind === "op" ? e.args.every(accsAreFloat32) : true;
}
