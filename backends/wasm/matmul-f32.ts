import type { Kernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { aBlockBytes, kBlocks, MR, NR, rowBlock } from "./matmul-blocking.js";
import { epilogueStore } from "./matmul-epilogue.js";
import { type Len, packA, packB, packLocals } from "./matmul-pack.js";
import type { MathImports } from "./emit-ops.js";

/**
 * The float32 matmul body (blocking in matmul-blocking.ts): for each k-block, the chunk's B panels
 * are packed; then for each block of A rows (packed into micro-panels), every panel of the chunk
 * passes over the block's row tiles. A 4×8 tile of C lives in 8 f32x4 accumulators while k runs
 * over the block (relaxed-SIMD fused multiply-add when the engine has it); they start from zero
 * in the first k-block and from C's stored partial sums in the others, and the epilogue (if any)
 * is applied when the last k-block stores them.
 */

type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;

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

/** A condition known when the code is made, or pushed as an i32 at run time. */
type When = boolean | (() => void);

function emitIf(f: FunctionBuilder, when: When, then: () => void, otherwise: () => void): void {
  if (when === true) then();
  else if (when === false) otherwise();
  else {
    when();
    f.ifThen(then, otherwise);
  }
}

/** Parameters: (a, b, c, panelBegin, panelEnd, scratch, tail); see genMatmulBody. */
export function genF32(k: MatmulKernel, o: MatmulOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [A, B, C, P0, P1, SCRATCH] = [0, 1, 2, 3, 4, 5];
  const { m, n } = k;
  const K = k.k;
  const kb = kBlocks(K);
  const mPad = Math.ceil(m / MR) * MR;
  const mTail = m % MR;
  const mFull = m - mTail;
  const tail = n % NR;
  const nFull = n - tail;
  const block = Math.min(rowBlock(k), Math.max(MR, mPad));
  const ldb = o.ldb ?? n;
  const ldc = o.ldc ?? n;
  const cRowBytes = ldc * 4;
  /** Bytes of a packed B panel and of a packed A micro-panel (for the longest k-block). */
  const panelBytes = kb.size * NR * 4;
  const microBytes = kb.size * MR * 4;
  const bChunkAt = aBlockBytes(k);

  const pl = packLocals(f);
  const [blk, pc, kcLen] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const [jBegin, jEnd, j0, panel] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [ib, iEnd, i0, apanel, cptr] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [p, pa, pb] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const s = f.local("v128");
  const b = Array.from({ length: NR / 4 }, () => f.local("v128"));
  const acc = Array.from({ length: MR * (NR / 4) }, () => f.local("v128"));
  const epi = k.epilogue === undefined ? undefined : epilogueStore(f, k.epilogue, k.outDtype ?? "float32", C, ldc, i0, j0, o);

  /** The k-block: its start and length as constants (one block) or locals. */
  const single = kb.count === 1;
  const pcLen: Len = single ? 0 : { local: pc };
  const kLen: Len = single ? K : { local: kcLen };
  const pushLen = (v: Len): void => void (typeof v === "number" ? f.i32(v) : f.get(v.local));

  /** Runs `body` for the rows of the tile that exist: a row past m only in the last, partial tile. */
  const row = (r: number, body: () => void): void => {
    if (mTail === 0 || r < mTail) body();
    else f.get(i0).i32(mFull).op(I.i32_lt_s).ifThen(body);
  };

  const zero = (): void => acc.forEach((a) => void f.f32(0).simd(V.f32x4_splat).set(a));
  /** The accumulators from C's partial sums (lanes past the last column, rows past m: zero). */
  const loadPartial = (cols: number): void => {
    zero();
    for (let r = 0; r < MR; r++) {
      row(r, () => {
        for (let h = 0; h < NR / 4; h++) {
          const a = acc[r * (NR / 4) + h] as number;
          if (cols === NR) {
            f.get(cptr).simdMem(V.v128_load, { align: 2, offset: r * cRowBytes + h * 16 }).set(a);
            continue;
          }
          for (let c = h * 4; c < Math.min(cols, h * 4 + 4); c++) {
            f.get(a).get(cptr).mem(I.f32_load, { align: 2, offset: r * cRowBytes + c * 4 }).simd(V.f32x4_replace_lane).op(c & 3).set(a);
          }
        }
      });
    }
  };
  /** C[tile] = accumulators, raw (a partial sum, or the product without epilogue). */
  const storeRaw = (cols: number): void => {
    for (let r = 0; r < MR; r++) {
      row(r, () => {
        for (let h = 0; h < NR / 4; h++) {
          const a = acc[r * (NR / 4) + h] as number;
          if (cols === NR) {
            f.get(cptr).get(a).simdMem(V.v128_store, { align: 2, offset: r * cRowBytes + h * 16 });
            continue;
          }
          for (let c = h * 4; c < Math.min(cols, h * 4 + 4); c++) {
            f.get(cptr).get(a).simd(V.f32x4_extract_lane).op(c & 3).mem(I.f32_store, { align: 2, offset: r * cRowBytes + c * 4 });
          }
        }
      });
    }
  };
  /** C[tile] = epilogue(accumulators). */
  const storeFinal = (cols: number): void => {
    if (epi === undefined) return storeRaw(cols);
    for (let r = 0; r < MR; r++) {
      row(r, () => {
        for (let h = 0; h < NR / 4; h++) {
          const a = acc[r * (NR / 4) + h] as number;
          if (cols === NR) epi.store(r, h * 4, true, () => void f.get(a));
          else for (let c = h * 4; c < Math.min(cols, h * 4 + 4); c++) epi.store(r, c, false, () => void f.get(a).simd(V.f32x4_extract_lane).op(c & 3));
        }
      });
    }
  };

  /** acc = s·b + acc */
  const fma = (a: number, bv: number): void => {
    if (o.fma) f.get(s).get(bv).get(a).simd(V.f32x4_relaxed_madd).set(a);
    else f.get(s).get(bv).simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
  };

  /** One 4×8 tile at (i0, j0) (C's at `cptr`): A micro-panel at `apanel`, B panel at `panel`. */
  const tile = (cols: number, first: When, last: When): void => {
    emitIf(f, first, zero, () => loadPartial(cols));
    f.get(apanel).set(pa);
    f.get(panel).set(pb);
    f.forRange(p, 0, kLen, 1, () => {
      b.forEach((bv, h) => void f.get(pb).simdMem(V.v128_load, { align: 4, offset: h * 16 }).set(bv));
      for (let r = 0; r < MR; r++) {
        f.get(pa).simdMem(V.v128_load32_splat, { align: 2, offset: r * 4 }).set(s);
        b.forEach((bv, h) => fma(acc[r * (NR / 4) + h] as number, bv));
      }
      f.get(pa).i32(MR * 4).op(I.i32_add).set(pa);
      f.get(pb).i32(NR * 4).op(I.i32_add).set(pb);
    });
    if (epi === undefined) storeRaw(cols);
    else emitIf(f, last, () => storeFinal(cols), () => storeRaw(cols));
  };

  /** `full()` for a full panel, `partial()` for the last, partial one (j0 = nFull), when there is one. */
  const byPanel = (full: () => void, partial: () => void): void => {
    if (tail === 0) full();
    else f.get(j0).i32(nFull).op(I.i32_eq).ifThen(partial, full);
  };
  /** The same for A's micro-panels (the last one partial when m % 4 != 0). */
  const byMicroPanel = (full: () => void, partial: () => void): void => {
    if (mTail === 0) full();
    else f.get(i0).i32(mFull).op(I.i32_eq).ifThen(partial, full);
  };

  const kBlock = (first: When, last: When): void => {
    // Pack the chunk's B panels: B[pc .., j0 ..] row-major at (pc·ldb + j0), column-major at (j0·K + pc).
    f.get(SCRATCH).i32(bChunkAt).op(I.i32_add).set(panel);
    f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
      f.get(B);
      if (k.transB) f.get(j0).i32(K * 4).op(I.i32_mul);
      else f.get(j0).i32(4).op(I.i32_mul);
      f.op(I.i32_add);
      pushLen(pcLen);
      f.i32(k.transB ? 4 : ldb * 4).op(I.i32_mul).op(I.i32_add).set(pl.src);
      f.get(panel).set(pl.dst);
      const layout = { transB: k.transB, rowBytes: ldb * 4, colBytes: K * 4 };
      byPanel(() => packB(f, pl, kLen, NR, layout), () => packB(f, pl, kLen, tail, layout));
      f.get(panel).i32(panelBytes).op(I.i32_add).set(panel);
    });
    f.forRange(ib, 0, mPad, block, () => {
      // iEnd = min(ib + block, mPad)
      f.get(ib).i32(block).op(I.i32_add).tee(iEnd).i32(mPad).get(iEnd).i32(mPad).op(I.i32_lt_s).op(I.select).set(iEnd);
      // Pack the block's A micro-panels: A[i0, pc ..] row-major at (i0·K + pc), column-major at (i0 + pc·m).
      f.forRange(i0, { local: ib }, { local: iEnd }, MR, () => {
        f.get(A).get(i0).i32(k.transA ? 4 : K * 4).op(I.i32_mul).op(I.i32_add);
        pushLen(pcLen);
        f.i32(k.transA ? m * 4 : 4).op(I.i32_mul).op(I.i32_add).set(pl.src);
        f.get(SCRATCH).get(i0).get(ib).op(I.i32_sub).i32(microBytes / MR).op(I.i32_mul).op(I.i32_add).set(pl.dst);
        const layout = { transA: k.transA, rowBytes: K * 4, stepBytes: m * 4 };
        byMicroPanel(() => packA(f, pl, kLen, MR, layout), () => packA(f, pl, kLen, mTail, layout));
      });
      f.get(SCRATCH).i32(bChunkAt).op(I.i32_add).set(panel);
      f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
        const rows = (cols: number): void => {
          f.get(SCRATCH).set(apanel);
          // cptr = &C[ib, j0]
          f.get(C).get(ib).i32(cRowBytes).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add).set(cptr);
          f.forRange(i0, { local: ib }, { local: iEnd }, MR, () => {
            tile(cols, first, last);
            f.get(apanel).i32(microBytes).op(I.i32_add).set(apanel);
            f.get(cptr).i32(MR * cRowBytes).op(I.i32_add).set(cptr);
          });
        };
        byPanel(() => rows(NR), () => rows(tail));
        f.get(panel).i32(panelBytes).op(I.i32_add).set(panel);
      });
    });
  };

  f.get(P0).i32(NR).op(I.i32_mul).set(jBegin);
  f.get(P1).i32(NR).op(I.i32_mul).set(jEnd);
  if (single) kBlock(true, true);
  else {
    f.forRange(blk, 0, kb.count, 1, () => {
      f.get(blk).i32(kb.size).op(I.i32_mul).set(pc);
      // kcLen = blk == count - 1 ? last : size
      f.i32(kb.last).i32(kb.size).get(blk).i32(kb.count - 1).op(I.i32_eq).op(I.select).set(kcLen);
      kBlock(
        () => void f.get(blk).op(I.i32_eqz),
        () => void f.get(blk).i32(kb.count - 1).op(I.i32_eq),
      );
    });
  }
  return f;
}
