import type { Kernel } from "../../ir/kernel/index.js";

/**
 * The blocking of the float32 matmul (see matmul-f32.ts), in the manner of GotoBLAS / BLIS:
 *
 * - C is computed in MR×NR register tiles (4 rows × 8 columns: 8 f32x4 accumulators, which V8
 *   keeps in registers; larger tiles spill on x64's 16 SIMD registers);
 * - a reduction longer than KC_SINGLE is cut into k-blocks of at most KC_MAX (so a packed B
 *   panel, KC×8 floats, stays in L1 while the row tiles pass over it); a tile's accumulators start from the C value
 *   the previous k-block stored, so every element is still one fused multiply-add chain over k in
 *   ascending order: the k-blocking does not change a single bit of the result;
 * - B is packed a chunk of column panels at a time (KC×8 contiguous floats per panel; the chunk
 *   stays in L2), A a block of rows at a time (micro-panels of MR rows: MR contiguous floats per
 *   k), so the micro-kernel reads both sequentially.
 */

type MatmulKernel = Extract<Kernel, { kind: "matmul" }>;

export const MR = 4;
export const NR = 8;

/** Longest reduction kept in one block (its packed B panel, 32 KiB, still fits L1 beside a micro-panel of A). */
const KC_SINGLE = 1024;
/** Longest k-block of a longer reduction. */
const KC_MAX = 512;
/** Bytes of packed B per chunk (kept in L2 while every row block passes over it). */
const B_CHUNK_BYTES = 512 << 10;
/** Bytes of packed A per row block (kept in L2 while every panel of the chunk passes over it). */
const A_BLOCK_BYTES = 256 << 10;
/** Bytes of C's partial sums for one chunk (kept in L2 from one k-block to the next). */
const C_CHUNK_BYTES = 1 << 20;
/**
 * Chunks each thread takes of a split product, on average: more balance the threads better (a
 * worker woken from sleep starts late; the other takes more, smaller chunks meanwhile), fewer
 * stream A less often. Measured on 2 threads, 8 against 2 (medians of 3 interleaved rounds):
 * 1024³ 72 → 80 GFLOP/s, [400,10000]·[10000,200]ᵀ 58 → 60; chunks of one panel were slower.
 */
const CHUNKS_PER_THREAD = 8;

/** The reduction length of a matmul kernel, its terms' included (a sum of products is one long reduction). */
export function reductionLength(k: Pick<MatmulKernel, "k"> & Partial<Pick<MatmulKernel, "terms">>): number {
  return (k.terms ?? []).reduce((a, t) => a + t.k, k.k);
}

/** What the blocking depends on (a convolution's matmul body gives only k and n). */
type Dims = Pick<MatmulKernel, "k" | "n"> & Partial<Pick<MatmulKernel, "m" | "terms">>;

/** How the reduction axis is cut: `count` blocks of `size`, the last one `last` long. */
export interface KBlocks {
  readonly count: number;
  readonly size: number;
  readonly last: number;
}

export function kBlocks(k: number): KBlocks {
  const count = k <= KC_SINGLE ? 1 : Math.ceil(k / KC_MAX);
  const size = Math.ceil(k / count);
  return { count, size, last: k - (count - 1) * size };
}

/** Number of full 8-column panels of a float32 product. */
export function panels(k: Pick<MatmulKernel, "n">): number {
  return Math.floor(k.n / NR);
}

/** Panels including the last, partial one (n % 8 columns). */
export function panelsWithTail(k: Pick<MatmulKernel, "n">): number {
  return Math.ceil(k.n / NR);
}

/** Panels per chunk: what fits B_CHUNK_BYTES, and (split between threads) about 1 / CHUNKS_PER_THREAD of a thread's share. */
export function chunkPanels(k: Dims, threads: number): number {
  const total = Math.max(1, panelsWithTail(k));
  const kb = kBlocks(reductionLength(k));
  const byCache = Math.max(1, Math.floor(B_CHUNK_BYTES / (Math.max(1, kb.size) * NR * 4)));
  // Several k-blocks: C's partial sums for the chunk stay in L2 between them.
  const byPartials = kb.count > 1 && k.m !== undefined ? Math.max(1, Math.floor(C_CHUNK_BYTES / (k.m * NR * 4))) : total;
  const byBalance = threads === 1 ? total : Math.max(1, Math.ceil(total / (threads * CHUNKS_PER_THREAD)));
  return Math.min(byCache, byPartials, byBalance, total);
}

/** Rows of A per packed block (a multiple of MR). */
export function rowBlock(k: Omit<Dims, "n">): number {
  return Math.max(MR, Math.floor(A_BLOCK_BYTES / (Math.max(1, kBlocks(reductionLength(k)).size) * 4) / MR) * MR);
}

/** Bytes of a packed block of A rows: the start of a thread's scratch (the packed B chunk follows). */
export function aBlockBytes(k: Omit<Dims, "n">): number {
  return rowBlock(k) * kBlocks(reductionLength(k)).size * 4;
}

/** Scratch bytes one thread needs for a matmul split `threads` ways: a packed block of A rows, then a packed B chunk. */
export function packBytes(k: Dims, threads: number): number {
  return aBlockBytes(k) + chunkPanels(k, threads) * kBlocks(reductionLength(k)).size * NR * 4;
}
