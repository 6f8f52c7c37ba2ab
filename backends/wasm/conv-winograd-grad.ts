import type { ConvKernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { F3x2, Lanes, transform2d } from "./winograd-transforms.js";

/**
 * Convolutions with a 3×3 output and stride 1 (float32): the cotangent of a 3×3 kernel, which the
 * conv primitive computes as the input (channels as the batch) convolved with the output's
 * cotangent (a large "kernel" K1×K2, the images as its input channels). By Winograd's F(3×3, 2×2),
 * the "kernel" is cut into 2×2 pieces: each piece (a, b) and input channel c (an image) contributes
 *   Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ) ] A
 * with d the 4×4 patch of the input at (2a, 2b), so 16 multiplications replace 36; summed over
 * the pieces and channels, one matrix product per element ξ of the transformed domain:
 *   M_ξ[n, o] = Σ_(a,b,c) V_ξ[(a,b,c), n]·U_ξ[(a,b,c), o]
 * (n: the rows of the result, the forward's input channels; o: its output channels).
 *
 * A block owns a range of output columns (o) and goes through every piece and channel in chunks:
 * the chunk's patches and kernel pieces transformed into its scratch (f32x4 lanes over n and over
 * o), then M accumulated in the scratch with the register tile of the other kernels (4 rows × 8
 * columns), the sum running over the pieces in one order whichever block or thread computes it.
 * At the end M is transformed back into the 3×3 outputs.
 */

export interface WinogradGradLayout {
  /** Pieces of the "kernel" along each axis, reduction items (pieces × channels) and items per chunk. */
  readonly pieceRows: number;
  readonly pieceCols: number;
  readonly items: number;
  readonly chunk: number;
  /** Output columns (o) per block, and blocks per batch index. */
  readonly columns: number;
  readonly blocks: number;
  /** Bytes from one ξ's matrix to the next (V, U: one chunk's; M: the block's), skewed off 4 KiB. */
  readonly vPlane: number;
  readonly uPlane: number;
  readonly mPlane: number;
}

const BYTES = 4;
/** Reduction items per chunk (their V and U stay in L2 with M). */
const CHUNK = 32;
const PLANE_SKEW = 64;

/** Whether F(3×3, 2×2) applies: float32, two spatial axes, a 3×3 output, no stride or dilation, one group, rows and columns in whole vectors with the rows (n) contiguous in x. */
export function winogradGradApplies(k: ConvKernel): boolean {
  const g = k.geometry;
  const nb = k.batch.length;
  return (
    k.dtype === "float32" &&
    k.inSpatial.length === 2 &&
    k.outSpatial.every((t) => t === 3) &&
    k.kernelSpatial.every((s) => s >= 2) &&
    [...g.strides, ...g.lhsDilation, ...g.rhsDilation].every((s) => s === 1) &&
    g.groups === 1 &&
    k.n % 4 === 0 &&
    k.outChannels % 4 === 0 &&
    k.x.strides[nb] === 1 &&
    k.w.strides[nb + 3] === 1
  );
}

export function planWinogradGrad(k: ConvKernel, threads: number): WinogradGradLayout {
  const pieceRows = Math.ceil((k.kernelSpatial[0] as number) / 2);
  const pieceCols = Math.ceil((k.kernelSpatial[1] as number) / 2);
  const items = pieceRows * pieceCols * k.channels;
  const chunk = Math.min(CHUNK, items);
  // One block per thread (each goes through every chunk), columns in whole register tiles where possible.
  const O = k.outChannels;
  const outer = k.batch.reduce((a, b) => a * b, 1);
  const want = Math.max(1, Math.min(Math.ceil(threads / outer), O / 4));
  const unit = O % 8 === 0 && want <= O / 8 ? 8 : 4;
  const columns = Math.ceil(O / unit / want) * unit;
  return {
    pieceRows,
    pieceCols,
    items,
    chunk,
    columns,
    blocks: Math.ceil(O / columns),
    vPlane: chunk * k.n * BYTES + PLANE_SKEW,
    uPlane: chunk * columns * BYTES + PLANE_SKEW,
    mPlane: k.n * columns * BYTES + PLANE_SKEW,
  };
}

/** Scratch bytes a thread needs: V, U and M, and the transforms' temporaries. */
export function winogradGradScratch(t: WinogradGradLayout): number {
  return 16 * (t.vPlane + t.uPlane + t.mPlane) + 16 * 16;
}

export interface WinogradGradGenOptions {
  readonly addr: (buffer: number) => number;
  readonly fma: boolean;
}

/** The block function (block index, scratch) -> (). */
export function genWinogradGradBlock(k: ConvKernel, t: WinogradGradLayout, o: WinogradGradGenOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32"], []);
  const [BLOCK, SCRATCH] = [0, 1];
  const nb = k.batch.length;
  const xs = k.x.strides;
  const ws = k.w.strides;
  const [N, C, O] = [k.n, k.channels, k.outChannels];
  const [H, W] = [k.inSpatial[0] as number, k.inSpatial[1] as number];
  const [K1, K2] = [k.kernelSpatial[0] as number, k.kernelSpatial[1] as number];
  const [loH, loW] = [k.geometry.lo[0] as number, k.geometry.lo[1] as number];
  const [xsH, xsW, xsC] = [(xs[nb + 1] as number) * BYTES, (xs[nb + 2] as number) * BYTES, (xs[nb + 3] as number) * BYTES];
  const [wsH, wsW, wsC] = [(ws[nb] as number) * BYTES, (ws[nb + 1] as number) * BYTES, (ws[nb + 2] as number) * BYTES];
  const local = (): number => f.local("i32");
  const [rest, xg, wg, outg, o0, cols, vBase, uBase, mBase, tmp] = Array.from({ length: 10 }, local) as [number, number, number, number, number, number, number, number, number, number];
  const l = new Lanes(f, F3x2.constants);
  const [p0, p1, p, a, b, c] = [local(), local(), local(), local(), local(), local()];
  const perPiece = C;

  // Block -> (batch index, columns [o0, o0 + cols)); bases of x, w and out for that batch index.
  f.get(BLOCK).i32(t.blocks).op(I.i32_rem_u).i32(t.columns).op(I.i32_mul).tee(o0);
  f.i32(t.columns).op(I.i32_add).set(cols);
  f.i32(O).get(cols).get(cols).i32(O).op(I.i32_gt_s).op(I.select).get(o0).op(I.i32_sub).set(cols);
  f.get(BLOCK).i32(t.blocks).op(I.i32_div_u).set(rest);
  f.i32(o.addr(k.out)).get(rest).i32(N * 9 * O * BYTES).op(I.i32_mul).op(I.i32_add).get(o0).i32(BYTES).op(I.i32_mul).op(I.i32_add).set(outg);
  f.i32(o.addr(k.x.buffer) + k.x.offset * BYTES).set(xg);
  f.i32(o.addr(k.w.buffer) + k.w.offset * BYTES).get(o0).i32(BYTES).op(I.i32_mul).op(I.i32_add).set(wg);
  const idx = local();
  for (let j = nb - 1; j >= 0; j--) {
    const size = k.batch[j] as number;
    f.get(rest).i32(size).op(I.i32_rem_u).set(idx);
    f.get(rest).i32(size).op(I.i32_div_u).set(rest);
    if (xs[j] !== 0) f.get(xg).get(idx).i32((xs[j] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(xg);
    if (ws[j] !== 0) f.get(wg).get(idx).i32((ws[j] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(wg);
  }
  f.get(SCRATCH).tee(vBase).i32(16 * t.vPlane).op(I.i32_add).tee(uBase).i32(16 * t.uPlane).op(I.i32_add).tee(mBase).i32(16 * t.mPlane).op(I.i32_add).set(tmp);
  // M = 0 (all sixteen planes).
  f.get(mBase).i32(0).i32(16 * t.mPlane).memoryFill();

  /** (a, b, c) of item p: pieces row-major, channels innermost. */
  const decode = (): void => {
    f.get(p).i32(perPiece).op(I.i32_rem_u).set(c);
    f.get(p).i32(perPiece).op(I.i32_div_u).tee(a).i32(t.pieceCols).op(I.i32_rem_u).set(b);
    f.get(a).i32(t.pieceCols).op(I.i32_div_u).set(a);
  };

  f.forRange(p0, 0, t.items, t.chunk, () => {
    f.get(p0).i32(t.chunk).op(I.i32_add).tee(p1).i32(t.items).get(p1).i32(t.items).op(I.i32_lt_s).op(I.select).set(p1);
    transformPatches();
    transformPieces();
    accumulate();
  });
  transformOut();

  /** V_ξ[p − p0, n] = (Bᵀ d B)_ξ, d the 4×4 patch of x at (2a − lo, 2b − lo), channel c, four n at a time. */
  function transformPatches(): void {
    const [h0, w0, xp, vp, nv] = [local(), local(), local(), local(), local()];
    const rowOk = [local(), local(), local(), local()];
    const colOk = [local(), local(), local(), local()];
    f.forRange(p, { local: p0 }, { local: p1 }, 1, () => {
      decode();
      f.get(a).i32(2).op(I.i32_mul).i32(loH).op(I.i32_sub).set(h0);
      f.get(b).i32(2).op(I.i32_mul).i32(loW).op(I.i32_sub).set(w0);
      for (let i = 0; i < 4; i++) {
        f.get(h0).i32(i).op(I.i32_add).i32(H).op(I.i32_lt_u).set(rowOk[i] as number);
        f.get(w0).i32(i).op(I.i32_add).i32(W).op(I.i32_lt_u).set(colOk[i] as number);
      }
      f.get(xg).get(h0).i32(xsH).op(I.i32_mul).op(I.i32_add).get(w0).i32(xsW).op(I.i32_mul).op(I.i32_add).get(c).i32(xsC).op(I.i32_mul).op(I.i32_add).set(xp);
      f.get(vBase).get(p).get(p0).op(I.i32_sub).i32(N * BYTES).op(I.i32_mul).op(I.i32_add).set(vp);
      f.forRange(nv, 0, N, 4, () => {
        const load = (i: number, j: number, into: number): void => {
          f.f32(0).simd(V.f32x4_splat).set(into);
          f.get(rowOk[i] as number).get(colOk[j] as number).op(I.i32_and).ifThen(() => {
            f.get(xp);
            const off = i * xsH + j * xsW;
            if (off !== 0) f.i32(off).op(I.i32_add);
            f.simdMem(V.v128_load, { align: 2, offset: 0 }).set(into);
          });
        };
        transform2d(l, F3x2.data, 4, 4, tmp, load, (i, j, v) => void f.get(vp).get(v).simdMem(V.v128_store, { align: 2, offset: (i * 4 + j) * t.vPlane }));
        f.get(xp).i32(16).op(I.i32_add).set(xp);
        f.get(vp).i32(16).op(I.i32_add).set(vp);
      });
    });
  }

  /** U_ξ[p − p0, o] = (G g Gᵀ)_ξ, g the 2×2 piece (a, b) of the "kernel" at channel c (zeros past its edge), four o at a time. */
  function transformPieces(): void {
    const [wp, up, ov] = [local(), local(), local()];
    const ok = [local(), local()];
    f.forRange(p, { local: p0 }, { local: p1 }, 1, () => {
      decode();
      f.get(a).i32(2).op(I.i32_mul).i32(1).op(I.i32_add).i32(K1).op(I.i32_lt_u).set(ok[0] as number);
      f.get(b).i32(2).op(I.i32_mul).i32(1).op(I.i32_add).i32(K2).op(I.i32_lt_u).set(ok[1] as number);
      f.get(wg).get(a).i32(2 * wsH).op(I.i32_mul).op(I.i32_add).get(b).i32(2 * wsW).op(I.i32_mul).op(I.i32_add).get(c).i32(wsC).op(I.i32_mul).op(I.i32_add).set(wp);
      f.get(uBase).get(p).get(p0).op(I.i32_sub).i32(t.columns * BYTES).op(I.i32_mul).op(I.i32_add).set(up);
      f.forRange(ov, 0, { local: cols }, 4, () => {
        const load = (i: number, j: number, into: number): void => {
          const emit = (): void => {
            f.get(wp);
            const off = i * wsH + j * wsW;
            if (off !== 0) f.i32(off).op(I.i32_add);
            f.simdMem(V.v128_load, { align: 2, offset: 0 }).set(into);
          };
          // The second row (column) of a piece exists unless the "kernel" size is odd and this is its last piece.
          const guard = [i === 1 ? (ok[0] as number) : -1, j === 1 ? (ok[1] as number) : -1].filter((x) => x >= 0);
          if (guard.length === 0) return emit();
          f.f32(0).simd(V.f32x4_splat).set(into);
          f.i32(1);
          for (const x of guard) f.get(x).op(I.i32_and);
          f.ifThen(emit);
        };
        transform2d(l, F3x2.kernel, 2, 4, tmp, load, (i, j, v) => void f.get(up).get(v).simdMem(V.v128_store, { align: 2, offset: (i * 4 + j) * t.uPlane }));
        f.get(wp).i32(16).op(I.i32_add).set(wp);
        f.get(up).i32(16).op(I.i32_add).set(up);
      });
    });
  }

  /** M_ξ[n, o] += Σ_p V_ξ[p, n]·U_ξ[p, o] over the chunk: register tiles of 4 rows (n) × 8 columns (o). */
  function accumulate(): void {
    const [xi, vξ, uξ, mξ, n, oc, count] = [local(), local(), local(), local(), local(), local(), local()];
    f.get(p1).get(p0).op(I.i32_sub).set(count);
    f.forRange(xi, 0, 16, 1, () => {
      f.get(vBase).get(xi).i32(t.vPlane).op(I.i32_mul).op(I.i32_add).set(vξ);
      f.get(uBase).get(xi).i32(t.uPlane).op(I.i32_mul).op(I.i32_add).set(uξ);
      f.get(mBase).get(xi).i32(t.mPlane).op(I.i32_mul).op(I.i32_add).set(mξ);
      f.forRange(n, 0, N, 4, () => {
        const tiles = (width: number): void => gradTile(f, { width, N, columns: t.columns, fma: o.fma, v: vξ, u: uξ, m: mξ, n, oc, count });
        f.forRange(oc, 0, { local: cols }, 8, () => {
          // The last columns of a block may be a half tile (4).
          f.get(cols).get(oc).op(I.i32_sub).i32(8).op(I.i32_lt_s).ifThen(() => tiles(1), () => tiles(2));
        });
      });
    });
  }

  /** out[n, kh, kw, o] = (Aᵀ M A)[kh][kw] for every n and the block's columns. */
  function transformOut(): void {
    const [n, ov, mp, yp] = [local(), local(), local(), local()];
    f.forRange(n, 0, N, 1, () => {
      f.get(mBase).get(n).i32(t.columns * BYTES).op(I.i32_mul).op(I.i32_add).set(mp);
      f.get(outg).get(n).i32(9 * O * BYTES).op(I.i32_mul).op(I.i32_add).set(yp);
      f.forRange(ov, 0, { local: cols }, 4, () => {
        const load = (i: number, j: number, into: number): void => void f.get(mp).simdMem(V.v128_load, { align: 2, offset: (i * 4 + j) * t.mPlane }).set(into);
        transform2d(l, F3x2.output, 4, 3, tmp, load, (i, j, y) => void f.get(yp).get(y).simdMem(V.v128_store, { align: 2, offset: (i * 3 + j) * O * BYTES }));
        f.get(mp).i32(16).op(I.i32_add).set(mp);
        f.get(yp).i32(16).op(I.i32_add).set(yp);
      });
    });
  }
  return f;
}

/** M[n .. n+4, oc .. oc+4·width] += Σ_p V[p, n..]·U[p, oc..] over `count` items. */
function gradTile(f: FunctionBuilder, q: { width: number; N: number; columns: number; fma: boolean; v: number; u: number; m: number; n: number; oc: number; count: number }): void {
  const acc = Array.from({ length: 4 * q.width }, () => f.local("v128"));
  const uv = Array.from({ length: q.width }, () => f.local("v128"));
  const s = f.local("v128");
  const [i, vp, up, mp] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.get(q.m).get(q.n).i32(q.columns * BYTES).op(I.i32_mul).op(I.i32_add).get(q.oc).i32(BYTES).op(I.i32_mul).op(I.i32_add).set(mp);
  for (let r = 0; r < 4; r++) for (let w = 0; w < q.width; w++) f.get(mp).simdMem(V.v128_load, { align: 2, offset: r * q.columns * BYTES + w * 16 }).set(acc[r * q.width + w] as number);
  f.get(q.v).get(q.n).i32(BYTES).op(I.i32_mul).op(I.i32_add).set(vp);
  f.get(q.u).get(q.oc).i32(BYTES).op(I.i32_mul).op(I.i32_add).set(up);
  f.forRange(i, 0, { local: q.count }, 1, () => {
    for (let w = 0; w < q.width; w++) f.get(up).simdMem(V.v128_load, { align: 2, offset: w * 16 }).set(uv[w] as number);
    for (let r = 0; r < 4; r++) {
      f.get(vp).simdMem(V.v128_load32_splat, { align: 2, offset: r * BYTES }).set(s);
      for (let w = 0; w < q.width; w++) {
        const a = acc[r * q.width + w] as number;
        if (q.fma) f.get(s).get(uv[w] as number).get(a).simd(V.f32x4_relaxed_madd).set(a);
        else f.get(s).get(uv[w] as number).simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
      }
    }
    f.get(vp).i32(q.N * BYTES).op(I.i32_add).set(vp);
    f.get(up).i32(q.columns * BYTES).op(I.i32_add).set(up);
  });
  for (let r = 0; r < 4; r++) for (let w = 0; w < q.width; w++) f.get(mp).get(acc[r * q.width + w] as number).simdMem(V.v128_store, { align: 2, offset: r * q.columns * BYTES + w * 16 });
}
