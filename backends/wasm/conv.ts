import type { DType } from "../../ir/dtype.js";
import { convKernelMatrix, type Kernel, type KernelMatrix } from "../../ir/kernel/index.js";
import { dilatedSize } from "../../ir/ops/conv-geometry.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { BYTES, emitLoad, emitStoreOp } from "./expr.js";
import { packBytes } from "./matmul.js";
import { genTiledBlock, planTiled, tiledApplies, tiledBlocks, type TiledLayout } from "./conv-tiled.js";
import { genWinogradBlock, genWinogradPrepare, planWinograd, winogradApplies, type WinogradLayout, winogradScratch } from "./conv-winograd.js";
import { genWinogradGradBlock, planWinogradGrad, winogradGradApplies, type WinogradGradLayout, winogradGradScratch } from "./conv-winograd-grad.js";

/**
 * Convolution kernels (ir/ops/conv.ts). The work is cut into blocks of output rows (an output row:
 * one batch element and output position, the O/G output channels of one group), for every batch
 * index and group; a block function `(block, scratch)` computes one, so the blocks can be shared
 * between threads like matmul panels.
 *
 * - direct: each output row accumulates over the kernel taps (row-major) and the group's input
 *   channels, out[o] += x·w[tap, c, o] over the row (f32x4 lanes for float32) — the JS reference's
 *   order, so float64 and int32 results are the reference's exactly.
 * - im2col (float32): the block's patches are gathered into a [rows, taps·C/G] matrix in the
 *   scratch (zeros for padding and dilation holes), multiplied by the kernel matrix with the packed
 *   float32 matmul micro-kernel (matmul.ts) straight into the output rows.
 * - tiled (float32, conv-tiled.ts): register tiles of output rows × channels over both operands in
 *   place, no patch matrix.
 * - winograd / winogradGrad (float32, conv-winograd.ts, conv-winograd-grad.ts): 3×3 kernels with
 *   stride 1, and 3×3 kernels' gradients, by Winograd's minimal filtering.
 * Which one a kernel gets: `planConv`.
 */

type ConvKernel = Extract<Kernel, { kind: "conv" }>;

export interface ConvPlan {
  readonly method: "direct" | "im2col" | "tiled" | "winograd" | "winogradGrad";
  /** Output rows per block. */
  readonly rows: number;
  /** Blocks per batch index and group. */
  readonly rowBlocks: number;
  /** Blocks in all. */
  readonly blocks: number;
  /** Scratch bytes a thread needs (im2col: the patch matrix and the matmul's packed panels). */
  readonly scratchBytes: number;
  readonly matrix: KernelMatrix;
  /** The tiled method's layout (conv-tiled.ts). */
  readonly tiled?: TiledLayout;
  /** The Winograd method's layout (conv-winograd.ts): each thread transforms the kernel into its scratch first. */
  readonly winograd?: WinogradLayout;
  /** The kernel-gradient Winograd method's layout (conv-winograd-grad.ts). */
  readonly winogradGrad?: WinogradGradLayout;
}

/** The sizes every part of the generator reads. */
function dims(k: ConvKernel) {
  const G = k.geometry.groups;
  const cg = k.channels / G;
  const taps = k.kernelSpatial.reduce((a, b) => a * b, 1);
  const positions = k.outSpatial.reduce((a, b) => a * b, 1);
  const batches = k.batch.reduce((a, b) => a * b, 1);
  return { G, cg, og: k.outChannels / G, taps, positions, rows: k.n * positions, reduction: taps * cg, batches };
}

/** Multiply-adds of a conv kernel. */
export function convMacs(k: ConvKernel): number {
  const d = dims(k);
  return d.batches * d.G * d.rows * d.reduction * d.og;
}

/** Patch matrices of about this many bytes (kept in cache while the micro-kernel sweeps them). */
const PATCH_BYTES = 256 << 10;
/** At least this many rows per patch block: each block packs the kernel matrix again. */
const MIN_PATCH_ROWS = 64;

/**
 * Which method, and how the rows are cut: Winograd for 3×3 kernels with stride 1 and for their
 * gradients (channels in fours); else the register-tiled kernel wherever it applies (float32
 * without input dilation, output channels in whole vectors); otherwise im2col where the matmul
 * micro-kernel has work for its 8-column panels and a reduction to run over; direct otherwise, and
 * for float64 and int32 (exact). Measured on W6's shapes (each method faster than the next on all
 * of them): see the README's Benchmarks. `threads`: how many share the kernel (a streaming
 * reduction gets one block per thread); `method` forces one (where it applies).
 */
export function planConv(k: ConvKernel, threads = 1, method: ConvPlan["method"] = defaultMethod(k)): ConvPlan {
  const d = dims(k);
  const matrix = convKernelMatrix(k);
  if (method === "winogradGrad" && winogradGradApplies(k)) {
    const winogradGrad = planWinogradGrad(k, threads);
    return { method: "winogradGrad", rows: 0, rowBlocks: 0, blocks: d.batches * winogradGrad.blocks, scratchBytes: winogradGradScratch(winogradGrad), matrix, winogradGrad };
  }
  if (method === "winograd" && winogradApplies(k)) {
    const winograd = planWinograd(k);
    return { method: "winograd", rows: 0, rowBlocks: 0, blocks: d.batches * winograd.blocks, scratchBytes: winogradScratch(winograd), matrix, winograd };
  }
  if (method === "tiled" && tiledApplies(k)) {
    const tiled = planTiled(k, threads);
    return { method: "tiled", rows: 0, rowBlocks: 0, blocks: d.batches * d.G * tiledBlocks(tiled), scratchBytes: 0, matrix, tiled };
  }
  const im2col = method !== "direct" && k.dtype === "float32" && d.og >= 8 && d.reduction >= 16 && d.rows > 0;
  if (!im2col) {
    const rows = Math.max(1, Math.ceil(d.rows / 16));
    const rowBlocks = Math.ceil(d.rows / rows);
    return { method: "direct", rows, rowBlocks, blocks: d.batches * d.G * rowBlocks, scratchBytes: 0, matrix };
  }
  const byCache = Math.floor(PATCH_BYTES / (d.reduction * 4) / 4) * 4;
  const rows = Math.min(Math.ceil(d.rows / 4) * 4, Math.max(MIN_PATCH_ROWS, byCache));
  const rowBlocks = Math.ceil(d.rows / rows);
  const scratchBytes = Math.ceil((rows * d.reduction * 4) / 64) * 64 + packBytes({ k: d.reduction, n: d.og }, 1);
  return { method: "im2col", rows, rowBlocks, blocks: d.batches * d.G * rowBlocks, scratchBytes, matrix };
}

/** Whether the method chosen for this kernel reads its operands through their views (no copies wanted: the lowering's `convInPlace`). */
export function convReadsInPlace(k: ConvKernel): boolean {
  const m = planConv(k).method;
  return m === "tiled" || m === "winograd" || m === "winogradGrad";
}

function defaultMethod(k: ConvKernel): ConvPlan["method"] {
  if (winogradApplies(k)) return "winograd";
  if (winogradGradApplies(k)) return "winogradGrad";
  return tiledApplies(k) ? "tiled" : "im2col";
}

export interface ConvGenOptions {
  readonly addr: (buffer: number) => number;
  /** The matmul micro-kernel for a patch block of `rows` rows (im2col): its function index. */
  readonly matmulBody: (rows: number) => number;
  /** Panels per call of the matmul body, and in all. */
  readonly panels: { readonly chunk: number; readonly total: number };
  readonly fma: boolean;
}

/** The block function (block index, scratch address) -> (). */
export function genConvBlock(k: ConvKernel, plan: ConvPlan, o: ConvGenOptions): FunctionBuilder {
  if (plan.tiled !== undefined) return genTiledBlock(k, plan.tiled, o);
  if (plan.winograd !== undefined) return genWinogradBlock(k, plan.winograd, o);
  if (plan.winogradGrad !== undefined) return genWinogradGradBlock(k, plan.winogradGrad, o);
  const f = new FunctionBuilder(["i32", "i32"], []);
  const [BLOCK, SCRATCH] = [0, 1];
  const d = dims(k);
  const sd = k.inSpatial.length;
  const bytes = BYTES[k.dtype];
  const nb = k.batch.length;
  const xs = k.x.strides;
  const ws = k.w.strides;
  const [xsN, xsC] = [xs[nb] as number, xs[nb + 1 + sd] as number];
  const [wsC, wsO] = [ws[nb + sd] as number, ws[nb + sd + 1] as number];
  const local = (): number => f.local("i32");
  const [rest, group, xg, wg, og, r, rEnd] = [local(), local(), local(), local(), local(), local(), local()];

  // Block -> (batch index, group, row block); the bases of x, w and out for that batch index and group.
  f.get(BLOCK).i32(plan.rowBlocks).op(I.i32_rem_u).i32(plan.rows).op(I.i32_mul).set(r);
  f.get(r).i32(plan.rows).op(I.i32_add).set(rEnd);
  f.get(rEnd).i32(d.rows).get(rEnd).i32(d.rows).op(I.i32_lt_s).op(I.select).set(rEnd); // min(r + rows, total)
  f.get(BLOCK).i32(plan.rowBlocks).op(I.i32_div_u).set(rest);
  f.get(rest).i32(d.G).op(I.i32_rem_u).set(group);
  f.get(rest).i32(d.G).op(I.i32_div_u).set(rest);
  f.i32(o.addr(k.out)).get(rest).i32(d.rows * k.outChannels * bytes).op(I.i32_mul).op(I.i32_add).get(group).i32(d.og * bytes).op(I.i32_mul).op(I.i32_add).set(og);
  f.i32(o.addr(k.x.buffer) + k.x.offset * bytes).get(group).i32(d.cg * xsC * bytes).op(I.i32_mul).op(I.i32_add).set(xg);
  f.i32(o.addr(k.w.buffer) + k.w.offset * bytes).get(group).i32(d.og * wsO * bytes).op(I.i32_mul).op(I.i32_add).set(wg);
  const idx = local();
  for (let j = nb - 1; j >= 0; j--) {
    const size = k.batch[j] as number;
    f.get(rest).i32(size).op(I.i32_rem_u).set(idx);
    f.get(rest).i32(size).op(I.i32_div_u).set(rest);
    if (xs[j] !== 0) f.get(xg).get(idx).i32((xs[j] as number) * bytes).op(I.i32_mul).op(I.i32_add).set(xg);
    if (ws[j] !== 0) f.get(wg).get(idx).i32((ws[j] as number) * bytes).op(I.i32_mul).op(I.i32_add).set(wg);
  }

  const row = local();
  const [xRow, outRow, tap, q] = [local(), local(), local(), local()];
  const t = k.outSpatial.map(() => local());
  const patch = plan.method === "im2col" ? local() : -1;
  // The patch rows are written where the input has elements; the rest stays zero.
  if (plan.method === "im2col") f.get(SCRATCH).i32(0).get(rEnd).get(r).op(I.i32_sub).i32(d.reduction * 4).op(I.i32_mul).memoryFill();
  f.forRange(row, { local: r }, { local: rEnd }, 1, () => {
    // n = row / positions; t = the position's coordinates.
    f.get(xg).get(row).i32(d.positions).op(I.i32_div_u).i32(xsN * bytes).op(I.i32_mul).op(I.i32_add).set(xRow);
    f.get(row).i32(d.positions).op(I.i32_rem_u).set(q);
    let inner = d.positions;
    k.outSpatial.forEach((size, i) => {
      inner /= size;
      f.get(q).i32(inner).op(I.i32_div_u).i32(size).op(I.i32_rem_u).set(t[i] as number);
    });
    if (plan.method === "direct") {
      f.get(og).get(row).i32(k.outChannels * bytes).op(I.i32_mul).op(I.i32_add).tee(outRow);
      f.i32(0).i32(d.og * bytes).memoryFill();
    } else {
      f.get(SCRATCH).get(row).get(r).op(I.i32_sub).i32(d.reduction * 4).op(I.i32_mul).op(I.i32_add).set(patch);
    }
    if (plan.method === "direct") {
      emitTaps(f, k, t, xRow, wg, (xAddr, valid, wTap) => directTap(f, k, d, { xAddr, valid, wTap, outRow, xsC, wsC, wsO, fma: o.fma }));
    } else if (plan.matrix.order === "taps-channels") {
      f.i32(0).set(tap);
      emitTaps(f, k, t, xRow, wg, (xAddr, valid) => {
        patchRun(f, d, { xAddr, valid, patch, tap, xsC });
        f.get(tap).i32(1).op(I.i32_add).set(tap);
      });
    } else {
      // Channel-major columns: for each input channel, its taps in a row of the patch.
      const [c, xc, dst] = [local(), local(), local()];
      f.get(patch).set(dst);
      f.get(xRow).set(xc);
      f.forRange(c, 0, d.cg, 1, () => {
        channelTaps(f, k, t, xc, dst);
        f.get(dst).i32(d.taps * 4).op(I.i32_add).set(dst);
        f.get(xc).i32(xsC * 4).op(I.i32_add).set(xc);
      });
    }
  });
  if (plan.method === "im2col") multiplyPatches(f, k, plan, o, { scratch: SCRATCH, r, rEnd, wg, og });
  return f;
}

/**
 * Nested loops over the kernel taps (row-major): at each, the input element's address for every
 * spatial axis's position t·stride + k·dilation − lo (undilated), whether it exists (not padding,
 * not a dilation hole), and the tap's kernel address.
 */
function emitTaps(f: FunctionBuilder, k: ConvKernel, t: readonly number[], xRow: number, wg: number, body: (xAddr: number, valid: number, wTap: number) => void): void {
  const g = k.geometry;
  const nb = k.batch.length;
  const bytes = BYTES[k.dtype];
  const valid0 = f.local("i32");
  f.i32(1).set(valid0);
  const level = (i: number, xAddr: number, valid: number, wTap: number): void => {
    if (i === k.kernelSpatial.length) {
      body(xAddr, valid, wTap);
      return;
    }
    const [ki, p, nx, nv, nw] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
    const [s, rd, lo, a] = [g.strides[i] as number, g.rhsDilation[i] as number, g.lo[i] as number, g.lhsDilation[i] as number];
    const extent = dilatedSize(k.inSpatial[i] as number, a);
    f.forRange(ki, 0, k.kernelSpatial[i] as number, 1, () => {
      f.get(t[i] as number).i32(s).op(I.i32_mul).get(ki).i32(rd).op(I.i32_mul).op(I.i32_add).i32(lo).op(I.i32_sub).set(p);
      // In range (unsigned: negative positions are huge) and on the dilation grid.
      f.get(valid).get(p).i32(extent).op(I.i32_lt_u).op(I.i32_and);
      if (a > 1) f.get(p).i32(a).op(I.i32_rem_u).op(I.i32_eqz).op(I.i32_and);
      f.set(nv);
      f.get(xAddr).get(p);
      if (a > 1) f.i32(a).op(I.i32_div_u);
      f.i32((k.x.strides[nb + 1 + i] as number) * bytes).op(I.i32_mul).op(I.i32_add).set(nx);
      f.get(wTap).get(ki).i32((k.w.strides[nb + i] as number) * bytes).op(I.i32_mul).op(I.i32_add).set(nw);
      level(i + 1, nx, nv, nw);
    });
  };
  level(0, xRow, valid0, wg);
}

type Dims = ReturnType<typeof dims>;

/** Loads x at `addr` when `valid` (else 0) into a new local of the dtype's type. */
function loadOrZero(f: FunctionBuilder, dtype: DType, addr: number, valid: number): number {
  const v = f.local(dtype === "float64" ? "f64" : dtype === "float32" ? "f32" : "i32");
  if (dtype === "float64") f.f64(0);
  else if (dtype === "float32") f.f32(0);
  else f.i32(0);
  f.set(v);
  f.get(valid).ifThen(() => {
    emitLoad(f, addr, dtype);
    f.set(v);
  });
  return v;
}

/** out[o] += x[c]·w[tap, c, o] over the group's input channels c and output channels o (the reference's order). */
function directTap(
  f: FunctionBuilder,
  k: ConvKernel,
  d: Dims,
  p: { xAddr: number; valid: number; wTap: number; outRow: number; xsC: number; wsC: number; wsO: number; fma: boolean },
): void {
  const bytes = BYTES[k.dtype];
  const [c, xp, wRow, j, op, wp] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const lanes = k.dtype === "float32" && p.wsO === 1 ? d.og - (d.og % 4) : 0;
  f.get(p.xAddr).set(xp);
  f.get(p.wTap).set(wRow);
  f.forRange(c, 0, d.cg, 1, () => {
    const xv = loadOrZero(f, k.dtype, xp, p.valid);
    f.get(p.outRow).set(op);
    f.get(wRow).set(wp);
    if (lanes > 0) {
      const vx = f.local("v128");
      f.get(xv).simd(V.f32x4_splat).set(vx);
      f.forRange(j, 0, lanes, 4, () => {
        f.get(op);
        if (p.fma) f.get(vx).get(wp).simdMem(V.v128_load, { align: 2, offset: 0 }).get(op).simdMem(V.v128_load, { align: 2, offset: 0 }).simd(V.f32x4_relaxed_madd);
        else f.get(op).simdMem(V.v128_load, { align: 2, offset: 0 }).get(vx).get(wp).simdMem(V.v128_load, { align: 2, offset: 0 }).simd(V.f32x4_mul).simd(V.f32x4_add);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
        f.get(op).i32(16).op(I.i32_add).set(op);
        f.get(wp).i32(16).op(I.i32_add).set(wp);
      });
    }
    if (lanes < d.og) {
      const [add, mul] = k.dtype === "float64" ? [I.f64_add, I.f64_mul] : k.dtype === "float32" ? [I.f32_add, I.f32_mul] : [I.i32_add, I.i32_mul];
      f.forRange(j, lanes, d.og, 1, () => {
        f.get(op);
        emitLoad(f, op, k.dtype);
        f.get(xv);
        emitLoad(f, wp, k.dtype);
        f.op(mul).op(add);
        emitStoreOp(f, k.dtype);
        f.get(op).i32(bytes).op(I.i32_add).set(op);
        f.get(wp).i32(p.wsO * bytes).op(I.i32_add).set(wp);
      });
    }
    f.get(xp).i32(p.xsC * bytes).op(I.i32_add).set(xp);
    f.get(wRow).i32(p.wsC * bytes).op(I.i32_add).set(wRow);
  });
}

/** The tap's C/G columns of a tap-major patch row: x at the tap's position (or zeros), from column tap·C/G. */
function patchRun(f: FunctionBuilder, d: Dims, p: { xAddr: number; valid: number; patch: number; tap: number; xsC: number }): void {
  const dst = f.local("i32");
  f.get(p.patch).get(p.tap).i32(d.cg * 4).op(I.i32_mul).op(I.i32_add).set(dst);
  f.get(p.valid).ifThen(() => {
    if (p.xsC === 1 || d.cg === 1) {
      f.get(dst).get(p.xAddr).i32(d.cg * 4).memoryCopy();
      return;
    }
    const [c, xp] = [f.local("i32"), f.local("i32")];
    f.get(p.xAddr).set(xp);
    f.forRange(c, 0, d.cg, 1, () => {
      f.get(dst).get(xp).mem(I.f32_load, { align: 2, offset: 0 }).mem(I.f32_store, { align: 2, offset: 0 });
      f.get(dst).i32(4).op(I.i32_add).set(dst);
      f.get(xp).i32(p.xsC * 4).op(I.i32_add).set(xp);
    });
  });
}

/**
 * One input channel's taps in a channel-major patch row (from `dst`, tap-major): the input at
 * each tap's position where it has an element. Along the last spatial axis without input dilation
 * the taps that land inside the input are one range, found by division, and copied in a tight loop.
 */
function channelTaps(f: FunctionBuilder, k: ConvKernel, t: readonly number[], xStart: number, dstStart: number): void {
  const g = k.geometry;
  const sd = k.kernelSpatial.length;
  const nb = k.batch.length;
  const local = (): number => f.local("i32");
  const valid0 = local();
  f.i32(1).set(valid0);
  const level = (i: number, xAddr: number, valid: number, dst: number): void => {
    const [K, s, rd, lo, a] = [k.kernelSpatial[i] as number, g.strides[i] as number, g.rhsDilation[i] as number, g.lo[i] as number, g.lhsDilation[i] as number];
    const size = k.inSpatial[i] as number;
    const xs = (k.x.strides[nb + 1 + i] as number) * 4;
    const inner = k.kernelSpatial.slice(i + 1).reduce((u, v) => u * v, 1) * 4;
    if (i === sd - 1 && a === 1) {
      // Position base + kk·rd, base = t·s − lo: inside for kk in [kLo, kHi).
      const [base, kLo, kHi, src, out, kk] = [local(), local(), local(), local(), local(), local()];
      f.get(t[i] as number).i32(s).op(I.i32_mul).i32(lo).op(I.i32_sub).set(base);
      f.i32(rd - 1).get(base).op(I.i32_sub).i32(rd).op(I.i32_div_s).i32(0).get(base).i32(0).op(I.i32_lt_s).op(I.select).set(kLo); // ⌈−base/rd⌉ when base < 0
      f.i32(size - 1).get(base).op(I.i32_sub).i32(rd).op(I.i32_div_s).i32(1).op(I.i32_add).set(kHi);
      f.get(kHi).i32(K).get(kHi).i32(K).op(I.i32_lt_s).op(I.select).set(kHi); // min(kHi, K)
      f.i32(0).get(kHi).i32(size - 1).get(base).op(I.i32_sub).i32(0).op(I.i32_lt_s).op(I.select).set(kHi); // nothing when base > size − 1
      f.get(valid).ifThen(() => {
        f.get(xAddr).get(base).get(kLo).i32(rd).op(I.i32_mul).op(I.i32_add).i32(xs).op(I.i32_mul).op(I.i32_add).set(src);
        f.get(dst).get(kLo).i32(4).op(I.i32_mul).op(I.i32_add).set(out);
        f.forRange(kk, { local: kLo }, { local: kHi }, 1, () => {
          f.get(out).get(src).mem(I.f32_load, { align: 2, offset: 0 }).mem(I.f32_store, { align: 2, offset: 0 });
          f.get(src).i32(rd * xs).op(I.i32_add).set(src);
          f.get(out).i32(4).op(I.i32_add).set(out);
        });
      });
      return;
    }
    const [ki, p, nx, nv, nd] = [local(), local(), local(), local(), local()];
    const extent = dilatedSize(size, a);
    f.forRange(ki, 0, K, 1, () => {
      f.get(t[i] as number).i32(s).op(I.i32_mul).get(ki).i32(rd).op(I.i32_mul).op(I.i32_add).i32(lo).op(I.i32_sub).set(p);
      f.get(valid).get(p).i32(extent).op(I.i32_lt_u).op(I.i32_and);
      if (a > 1) f.get(p).i32(a).op(I.i32_rem_u).op(I.i32_eqz).op(I.i32_and);
      f.set(nv);
      f.get(xAddr).get(p);
      if (a > 1) f.i32(a).op(I.i32_div_u);
      f.i32(xs).op(I.i32_mul).op(I.i32_add).set(nx);
      f.get(dst).get(ki).i32(inner).op(I.i32_mul).op(I.i32_add).set(nd);
      if (i === sd - 1) f.get(nv).ifThen(() => void f.get(nd).get(nx).mem(I.f32_load, { align: 2, offset: 0 }).mem(I.f32_store, { align: 2, offset: 0 }));
      else level(i + 1, nx, nv, nd);
    });
  };
  level(0, xStart, valid0, dstStart);
}

/** The block's patch matrix times the kernel matrix, into the block's output rows (row stride O), panel chunk by chunk. */
function multiplyPatches(f: FunctionBuilder, k: ConvKernel, plan: ConvPlan, o: ConvGenOptions, l: { scratch: number; r: number; rEnd: number; wg: number; og: number }): void {
  const d = dims(k);
  const [c, end] = [f.local("i32"), f.local("i32")];
  const patchBytes = Math.ceil((plan.rows * d.reduction * 4) / 64) * 64;
  const call = (body: number): void => {
    f.forRange(c, 0, o.panels.total, o.panels.chunk, () => {
      f.get(c).i32(o.panels.chunk).op(I.i32_add).tee(end).i32(o.panels.total).get(end).i32(o.panels.total).op(I.i32_lt_s).op(I.select).set(end);
      f.get(l.scratch).get(l.wg);
      f.get(l.og).get(l.r).i32(k.outChannels * 4).op(I.i32_mul).op(I.i32_add);
      f.get(c).get(end).get(l.scratch).i32(patchBytes).op(I.i32_add).i32(0).call(body);
    });
  };
  const last = d.rows % plan.rows;
  if (last === 0) call(o.matmulBody(plan.rows));
  else f.get(l.rEnd).get(l.r).op(I.i32_sub).i32(plan.rows).op(I.i32_eq).ifThen(() => call(o.matmulBody(plan.rows)), () => call(o.matmulBody(last)));
}

/** What a method needs done by each thread before its blocks (scratch) -> (), if anything: the Winograd kernel transform. */
export function genConvPrepare(k: ConvKernel, plan: ConvPlan, o: ConvGenOptions): FunctionBuilder | undefined {
  return plan.winograd === undefined ? undefined : genWinogradPrepare(k, plan.winograd, o);
}

/** A function running every block in order on the calling thread, with the scratch at `scratch` (after `prepare`, if any). */
export function genConvAll(plan: ConvPlan, block: number, scratch: number, prepare?: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const i = f.local("i32");
  if (prepare !== undefined) f.i32(scratch).call(prepare);
  f.forRange(i, 0, plan.blocks, 1, () => void f.get(i).i32(scratch).call(block));
  return f;
}

/** One thread's part: `prepare` (if any), then blocks taken from the counter at `counter` until none is left. */
export function genConvPart(plan: ConvPlan, block: number, scratch: number, counter: number, prepare?: number): FunctionBuilder {
  const f = new FunctionBuilder([], []);
  const i = f.local("i32");
  if (prepare !== undefined) f.i32(scratch).call(prepare);
  f.counterLoop(i, counter, 1, plan.blocks, () => void f.get(i).i32(scratch).call(block));
  return f;
}
