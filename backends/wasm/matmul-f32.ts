import type { Kernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { aBlockBytes, kBlocks, MR, NR, reductionLength, rowBlock } from "./matmul-blocking.js";
import { epilogueStore } from "./matmul-epilogue.js";
import { type Len, packA, packB, packLocals, type PackLocals } from "./matmul-pack.js";
import type { MathImports } from "./emit-ops.js";

/**
 * The float32 matmul body (blocking in matmul-blocking.ts): for each k-block, the chunk's B panels
 * are packed (unless the products sharing B packed it once beforehand: genPackB); then for each
 * block of A rows (packed into micro-panels, or packed once for the whole product beforehand:
 * genPackA), every panel of the chunk passes over the block's row tiles. A 4×8 tile of C lives in
 * 8 f32x4 accumulators while k runs over the block (relaxed-SIMD fused multiply-add when the engine has it); they start from zero
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
  /**
   * Where A is already packed, for every k-block (see genPackA; one batch only): the body then
   * packs only B. Absent: the body packs a block of A rows into its scratch before using it.
   */
  readonly packedA?: number;
  /** Where B is already packed, every panel for every k-block (see genPackB; one batch, no terms): the body packs no B. */
  readonly packedB?: number;
  /**
   * The body takes two more parameters, rows [r0, r1) (multiples of MR; r1 at most m rounded up to
   * MR), and computes only those: a part of a product split between threads by rows (see
   * splitsByRows in module.ts; B packed beforehand).
   */
  readonly rowRange?: boolean;
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

/** One product of a sum: pushes its operands' addresses; its reduction length, layouts, B's row length (elements). */
interface Segment {
  readonly a: () => void;
  readonly b: () => void;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly ldb: number;
}

/** The part of a segment a k-block packs: its k-steps [from, from + len), at row `row` of the block. */
interface Piece {
  readonly segment: Segment;
  readonly from: Len;
  readonly len: Len;
  readonly row: number;
}

/** A k-block as the code sees it: the pieces it packs, its length and index (constants or locals), whether it is the first / last. */
interface KBlock {
  readonly pieces: readonly Piece[];
  readonly len: Len;
  readonly index: Len;
  readonly first: When;
  readonly last: When;
}

const pushLen = (f: FunctionBuilder, v: Len): void => void (typeof v === "number" ? f.i32(v) : f.get(v.local));

/** The products summed by a kernel: its terms (at their buffers), then its own product (at the addresses `a`, `b` push). */
function segmentsOf(f: FunctionBuilder, k: MatmulKernel, o: MatmulOptions, a: () => void, b: () => void): Segment[] {
  return [
    ...(k.terms ?? []).map((t): Segment => ({ a: () => void f.i32(o.addr(t.a)), b: () => void f.i32(o.addr(t.b)), k: t.k, transA: t.transA, transB: t.transB, ldb: k.n })),
    { a, b, k: k.k, transA: k.transA, transB: k.transB, ldb: o.ldb ?? k.n },
  ];
}

/**
 * Emits `each` for every k-block: one block, or several products (blocks laid out now, each
 * packed from the segments it covers) as constants; otherwise a loop over the blocks.
 */
function forKBlocks(f: FunctionBuilder, segments: readonly Segment[], each: (blk: KBlock) => void): void {
  const K = segments.reduce((s, sg) => s + sg.k, 0);
  const kb = kBlocks(K);
  const main = segments[segments.length - 1] as Segment;
  if (segments.length === 1 && kb.count === 1) return each({ pieces: [{ segment: main, from: 0, len: K, row: 0 }], len: K, index: 0, first: true, last: true });
  if (segments.length > 1) {
    for (let blk = 0; blk < kb.count; blk++) {
      const from = blk * kb.size;
      const len = blk === kb.count - 1 ? kb.last : kb.size;
      let start = 0;
      const pieces: Piece[] = [];
      for (const segment of segments) {
        const lo = Math.max(from, start);
        const hi = Math.min(from + len, start + segment.k);
        if (hi > lo) pieces.push({ segment, from: lo - start, len: hi - lo, row: lo - from });
        start += segment.k;
      }
      each({ pieces, len, index: blk, first: blk === 0, last: blk === kb.count - 1 });
    }
    return;
  }
  const [blk, pc, kcLen] = [f.local("i32"), f.local("i32"), f.local("i32")];
  f.forRange(blk, 0, kb.count, 1, () => {
    f.get(blk).i32(kb.size).op(I.i32_mul).set(pc);
    // kcLen = blk == count - 1 ? last : size
    f.i32(kb.last).i32(kb.size).get(blk).i32(kb.count - 1).op(I.i32_eq).op(I.select).set(kcLen);
    each({
      pieces: [{ segment: main, from: { local: pc }, len: { local: kcLen }, row: 0 }],
      len: { local: kcLen },
      index: { local: blk },
      first: () => void f.get(blk).op(I.i32_eqz),
      last: () => void f.get(blk).i32(kb.count - 1).op(I.i32_eq),
    });
  });
}

/**
 * Packs the A micro-panels of rows [from, to) (multiples of MR; the last micro-panel may be
 * partial: zero rows past m) for one k-block: the micro-panel at row i0 goes to the address `dst`
 * pushes (it may read the local `i0`).
 */
function packAMicroPanels(f: FunctionBuilder, pl: PackLocals, m: number, pieces: readonly Piece[], i0: number, from: Len, to: Len, dst: () => void): void {
  const mTail = m % MR;
  const mFull = m - mTail;
  f.forRange(i0, from, to, MR, () => {
    for (const piece of pieces) {
      // A[i0, p ..] row-major at (i0·k + p), column-major at (i0 + p·m).
      const sg = piece.segment;
      sg.a();
      f.get(i0).i32(sg.transA ? 4 : sg.k * 4).op(I.i32_mul).op(I.i32_add);
      pushLen(f, piece.from);
      f.i32(sg.transA ? m * 4 : 4).op(I.i32_mul).op(I.i32_add).set(pl.src);
      dst();
      f.i32(piece.row * MR * 4).op(I.i32_add).set(pl.dst);
      const layout = { transA: sg.transA, rowBytes: sg.k * 4, stepBytes: m * 4 };
      const full = (): void => packA(f, pl, piece.len, MR, layout);
      if (mTail === 0) full();
      else f.get(i0).i32(mFull).op(I.i32_eq).ifThen(() => packA(f, pl, piece.len, mTail, layout), full);
    }
  });
}

/**
 * Packs B's 8-column panels starting at columns [from, to) (multiples of NR; the last panel may be
 * partial: zero columns past n) for one k-block: the panel at column j0 goes to the address `dst`
 * pushes (it may read the local `j0`).
 */
function packBPanels(f: FunctionBuilder, pl: PackLocals, n: number, pieces: readonly Piece[], j0: number, from: Len, to: Len, dst: () => void): void {
  const tail = n % NR;
  const nFull = n - tail;
  f.forRange(j0, from, to, NR, () => {
    for (const piece of pieces) {
      // B[p .., j0 ..] row-major at (p·ldb + j0), column-major at (j0·k + p).
      const sg = piece.segment;
      sg.b();
      f.get(j0).i32(sg.transB ? sg.k * 4 : 4).op(I.i32_mul).op(I.i32_add);
      pushLen(f, piece.from);
      f.i32(sg.transB ? 4 : sg.ldb * 4).op(I.i32_mul).op(I.i32_add).set(pl.src);
      dst();
      f.i32(piece.row * NR * 4).op(I.i32_add).set(pl.dst);
      const layout = { transB: sg.transB, rowBytes: sg.ldb * 4, colBytes: sg.k * 4 };
      const full = (): void => packB(f, pl, piece.len, NR, layout);
      if (tail === 0) full();
      else f.get(j0).i32(nFull).op(I.i32_eq).ifThen(() => packB(f, pl, piece.len, tail, layout), full);
    }
  });
}

/** Bytes of a kernel's B packed for every panel and k-block (genPackB's layout: k-block after k-block, panels within). */
export function packedBBytes(k: MatmulKernel): number {
  const kb = kBlocks(reductionLength(k));
  return kb.count * Math.ceil(k.n / NR) * kb.size * NR * 4;
}

/**
 * A function () packing panels [first, end) (of NR columns each) of a one-batch kernel's B, for
 * every k-block, at `packedB` (see MatmulOptions.packedB), so products sharing B (a weight used
 * at every step of an unrolled network) pack it once.
 */
export function genPackB(k: MatmulKernel, o: MatmulOptions, packedB: number, first: number, end: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const pl = packLocals(f);
  const j0 = f.local("i32");
  const kb = kBlocks(reductionLength(k));
  const blockBytes = Math.ceil(k.n / NR) * kb.size * NR * 4;
  const segments = segmentsOf(f, k, o, () => void f.i32(o.addr(k.a)), () => void f.i32(o.addr(k.b) + (k.bOffsets[0] ?? 0) * 4));
  forKBlocks(f, segments, (blk) => {
    packBPanels(f, pl, k.n, blk.pieces, j0, first * NR, end * NR, () => {
      // packedB + blk·blockBytes + j0·size·4 (panel j0 / NR of size·NR floats)
      f.i32(packedB);
      pushLen(f, blk.index);
      f.i32(blockBytes).op(I.i32_mul).op(I.i32_add).get(j0).i32(kb.size * 4).op(I.i32_mul).op(I.i32_add);
    });
  });
  return f;
}

/** Bytes of a kernel's A packed for every k-block (genPackA's layout: k-block after k-block, micro-panels of MR rows within). */
export function packedABytes(k: MatmulKernel): number {
  const kb = kBlocks(reductionLength(k));
  return kb.count * Math.ceil(k.m / MR) * kb.size * MR * 4;
}

/** Byte offset of k-block `blk`'s micro-panels in genPackA's layout. */
function packedBlockBytes(k: MatmulKernel): number {
  const kb = kBlocks(reductionLength(k));
  return Math.ceil(k.m / MR) * kb.size * MR * 4;
}

/**
 * A function () packing micro-panels [first, end) (of MR rows each) of a one-batch kernel's A,
 * for every k-block, at `packedA` (see MatmulOptions.packedA), so the product's threads share one
 * packed A instead of each packing it for every chunk of panels.
 */
export function genPackA(k: MatmulKernel, o: MatmulOptions, packedA: number, first: number, end: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const pl = packLocals(f);
  const i0 = f.local("i32");
  const size = kBlocks(reductionLength(k)).size;
  const blockBytes = packedBlockBytes(k);
  const segments = segmentsOf(f, k, o, () => void f.i32(o.addr(k.a) + (k.aOffsets[0] ?? 0) * 4), () => void f.i32(o.addr(k.b)));
  forKBlocks(f, segments, (blk) => {
    packAMicroPanels(f, pl, k.m, blk.pieces, i0, first * MR, Math.min(end * MR, Math.ceil(k.m / MR) * MR), () => {
      // packedA + blk·blockBytes + i0·size·4 (micro-panel i0 / MR of size·MR floats)
      f.i32(packedA);
      pushLen(f, blk.index);
      f.i32(blockBytes).op(I.i32_mul).op(I.i32_add).get(i0).i32(size * 4).op(I.i32_mul).op(I.i32_add);
    });
  });
  return f;
}

/** Parameters: (a, b, c, panelBegin, panelEnd, scratch, tail); see genMatmulBody. */
export function genF32(k: MatmulKernel, o: MatmulOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32", "i32", "i32", "i32", "i32", "i32", ...(o.rowRange === true ? (["i32", "i32"] as const) : [])], []);
  const [A, B, C, P0, P1, SCRATCH, R0, R1] = [0, 1, 2, 3, 4, 5, 7, 8];
  const { m, n } = k;
  const segments = segmentsOf(f, k, o, () => void f.get(A), () => void f.get(B));
  const kb = kBlocks(reductionLength(k));
  const mPad = Math.ceil(m / MR) * MR;
  const mTail = m % MR;
  const mFull = m - mTail;
  const tail = n % NR;
  const nFull = n - tail;
  const block = Math.min(rowBlock(k), Math.max(MR, mPad));
  const ldc = o.ldc ?? n;
  const cRowBytes = ldc * 4;
  /** Bytes of a packed B panel and of a packed A micro-panel (for the longest k-block). */
  const panelBytes = kb.size * NR * 4;
  const microBytes = kb.size * MR * 4;
  const bChunkAt = aBlockBytes(k);

  const pl = packLocals(f);
  const [jBegin, jEnd, j0, panel] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [ib, iEnd, i0, apanel, cptr] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [p, pa, pb] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const s = f.local("v128");
  const b = Array.from({ length: NR / 4 }, () => f.local("v128"));
  const acc = Array.from({ length: MR * (NR / 4) }, () => f.local("v128"));
  const epi = k.epilogue === undefined ? undefined : epilogueStore(f, k.epilogue, k.outDtype ?? "float32", C, ldc, i0, j0, o);

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

  /** One 4×8 tile at (i0, j0) (C's at `cptr`) over `len` k-steps: A micro-panel at `apanel`, B panel at `panel`. */
  const tile = (cols: number, len: Len, first: When, last: When): void => {
    emitIf(f, first, zero, () => loadPartial(cols));
    f.get(apanel).set(pa);
    f.get(panel).set(pb);
    f.forRange(p, 0, len, 1, () => {
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
  /** A k-block: pack the chunk's B panels and, block of A rows after block, A (unless packed already); then every tile. */
  /** Pushes the address of the chunk's first B panel (column jBegin) in this k-block. */
  const bChunk = (blk: KBlock): void => {
    if (o.packedB === undefined) return void f.get(SCRATCH).i32(bChunkAt).op(I.i32_add);
    // packedB + blk·blockBytes + jBegin·size·4
    f.i32(o.packedB);
    pushLen(f, blk.index);
    f.i32(Math.ceil(n / NR) * panelBytes).op(I.i32_mul).op(I.i32_add).get(jBegin).i32(kb.size * 4).op(I.i32_mul).op(I.i32_add);
  };
  const kBlock = (blk: KBlock): void => {
    if (o.packedB === undefined) {
      // Pack the chunk's B panels, one after the other from the chunk's scratch.
      packBPanels(f, pl, n, blk.pieces, j0, { local: jBegin }, { local: jEnd }, () => void f.get(SCRATCH).i32(bChunkAt).op(I.i32_add).get(j0).get(jBegin).op(I.i32_sub).i32(kb.size * 4).op(I.i32_mul).op(I.i32_add));
    }
    /** Pushes the address of the block's first A micro-panel (row ib). */
    const aBlock = (): void => {
      if (o.packedA === undefined) return void f.get(SCRATCH);
      // packedA + blk·blockBytes + ib·size·4
      f.i32(o.packedA);
      pushLen(f, blk.index);
      f.i32(packedBlockBytes(k)).op(I.i32_mul).op(I.i32_add).get(ib).i32(kb.size * 4).op(I.i32_mul).op(I.i32_add);
    };
    const [rowsFrom, rowsTo] = o.rowRange === true ? [{ local: R0 }, { local: R1 }] : [0, mPad];
    f.forRange(ib, rowsFrom, rowsTo, block, () => {
      // iEnd = min(ib + block, rowsTo)
      const pushTo = (): void => void (typeof rowsTo === "number" ? f.i32(rowsTo) : f.get(rowsTo.local));
      f.get(ib).i32(block).op(I.i32_add).tee(iEnd);
      pushTo();
      f.get(iEnd);
      pushTo();
      f.op(I.i32_lt_s).op(I.select).set(iEnd);
      if (o.packedA === undefined) {
        packAMicroPanels(f, pl, m, blk.pieces, i0, { local: ib }, { local: iEnd }, () => void f.get(SCRATCH).get(i0).get(ib).op(I.i32_sub).i32(microBytes / MR).op(I.i32_mul).op(I.i32_add));
      }
      bChunk(blk);
      f.set(panel);
      f.forRange(j0, { local: jBegin }, { local: jEnd }, NR, () => {
        const rows = (cols: number): void => {
          aBlock();
          f.set(apanel);
          // cptr = &C[ib, j0]
          f.get(C).get(ib).i32(cRowBytes).op(I.i32_mul).op(I.i32_add).get(j0).i32(4).op(I.i32_mul).op(I.i32_add).set(cptr);
          f.forRange(i0, { local: ib }, { local: iEnd }, MR, () => {
            tile(cols, blk.len, blk.first, blk.last);
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
  forKBlocks(f, segments, kBlock);
  return f;
}
