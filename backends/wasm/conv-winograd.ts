import type { ConvKernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { F2x3, F4x3, Lanes, type Scheme, transform2d } from "./winograd-transforms.js";

/**
 * 3×3 convolutions with stride 1 (float32) by Winograd's minimal filtering F(m×m, 3×3), m = 2 or 4
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015): each m×m block of
 * outputs is
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 * for its α×α input patch d (α = m + 2) and each 3×3 kernel slice g, so the 9m² multiplications
 * of the direct form become α² (16 for 4 outputs, 36 for 16): summed over the input channels, one
 * matrix product per element ξ of the transformed domain, M_ξ[tile, o] = Σ_c V_ξ[tile, c]·U_ξ[c, o].
 *
 * A thread first transforms the kernel (U, in its scratch). A block of tiles then has its input
 * patches transformed (V, every channel: four at a time in f32x4 lanes; padding and the edges read
 * as zeros), the α² products computed with the register tile of the direct kernel (4 tiles × 8
 * output channels in accumulators), and the results transformed back into the output's m×m blocks
 * (the parts inside the output). The transforms are additions and multiplications by small
 * constants; F(4×4) amplifies rounding more than F(2×2) (its points ±2), so it is used where the
 * products have enough channels to dominate (see `schemeFor`), and the results stay within the
 * float32 bound of the direct sum (conformance tests).
 */

export interface WinogradLayout {
  /** F(2×2, 3×3) or F(4×4, 3×3). */
  readonly scheme: "F2x3" | "F4x3";
  /** Tiles (m×m output blocks) per image: rows and columns. */
  readonly tileRows: number;
  readonly tileCols: number;
  /** Tiles of every image of one batch index, and tiles per block. */
  readonly tiles: number;
  readonly blockTiles: number;
  /** Blocks per batch index. */
  readonly blocks: number;
  /** Bytes from one ξ's matrix to the next in U, V and M (V and M: a cache line past a multiple of 4 KiB, so the α² do not share L1 sets). */
  readonly uPlane: number;
  readonly vPlane: number;
  readonly mPlane: number;
  /** α²: one matrix product each. */
  readonly planes: number;
}

const BYTES = 4;
/** Tiles per block: its V and M (16 × tiles × channels each) stay in L2. */
const BLOCK_TILES = 32;
const PLANE_SKEW = 64;
/** Input and output channels from which F(4×4, 3×3) is used. */
const F4X3_MIN_CHANNELS = 16;

/** Whether F(2×2, 3×3) applies: float32, two spatial axes, a 3×3 kernel shared by every batch index, no stride or dilation, one group, channels in whole vectors and contiguous. */
export function winogradApplies(k: ConvKernel): boolean {
  const g = k.geometry;
  const nb = k.batch.length;
  return (
    k.dtype === "float32" &&
    k.inSpatial.length === 2 &&
    k.kernelSpatial.every((s) => s === 3) &&
    [...g.strides, ...g.lhsDilation, ...g.rhsDilation].every((s) => s === 1) &&
    g.groups === 1 &&
    k.channels % 4 === 0 &&
    k.outChannels % 4 === 0 &&
    k.x.strides[nb + 3] === 1 &&
    k.w.strides[nb + 3] === 1 &&
    k.w.strides.slice(0, nb).every((s) => s === 0) &&
    k.n > 0 &&
    k.outSpatial.every((t) => t > 0)
  );
}

/** F(4×4, 3×3) where the channels are many enough (its products per tile grow with them, its transforms do not) and the output is at least 4×4. */
function schemeFor(k: ConvKernel): WinogradLayout["scheme"] {
  return k.channels >= F4X3_MIN_CHANNELS && k.outChannels >= F4X3_MIN_CHANNELS && k.outSpatial.every((t) => t >= 4) ? "F4x3" : "F2x3";
}

const SCHEMES: Readonly<Record<WinogradLayout["scheme"], Scheme>> = { F2x3, F4x3 };

export function planWinograd(k: ConvKernel): WinogradLayout {
  const scheme = schemeFor(k);
  const { m, alpha } = SCHEMES[scheme];
  const tileRows = Math.ceil((k.outSpatial[0] as number) / m);
  const tileCols = Math.ceil((k.outSpatial[1] as number) / m);
  const tiles = k.n * tileRows * tileCols;
  const blockTiles = Math.min(BLOCK_TILES, Math.ceil(tiles / 4) * 4);
  const [C, O] = [k.channels, k.outChannels];
  return {
    scheme,
    tileRows,
    tileCols,
    tiles,
    blockTiles,
    blocks: Math.ceil(tiles / blockTiles),
    uPlane: C * O * BYTES,
    vPlane: blockTiles * C * BYTES + PLANE_SKEW,
    mPlane: blockTiles * O * BYTES + PLANE_SKEW,
    planes: alpha * alpha,
  };
}

/** Scratch bytes a thread needs: U, V, M, and the transforms' temporaries. */
export function winogradScratch(t: WinogradLayout): number {
  const { alpha } = SCHEMES[t.scheme];
  return t.planes * (t.uPlane + t.vPlane + t.mPlane) + alpha * alpha * 16;
}

export interface WinogradGenOptions {
  readonly addr: (buffer: number) => number;
  readonly fma: boolean;
}

/** The per-thread preparation (scratch) -> (): U_ξ[c, o] = (G w[:, :, c, o] Gᵀ)_ξ at the start of the scratch. */
export function genWinogradPrepare(k: ConvKernel, t: WinogradLayout, o: WinogradGenOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32"], []);
  const SCRATCH = 0;
  const scheme = SCHEMES[t.scheme];
  const nb = k.batch.length;
  const ws = k.w.strides;
  const [C, O] = [k.channels, k.outChannels];
  const l = new Lanes(f, scheme.constants);
  const [c, wc, ov, wp, up, tmp] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.get(SCRATCH).i32(t.planes * (t.uPlane + t.vPlane + t.mPlane)).op(I.i32_add).set(tmp);
  f.i32(o.addr(k.w.buffer) + k.w.offset * BYTES).set(wc);
  f.forRange(c, 0, C, 1, () => {
    f.get(wc).set(wp);
    f.get(SCRATCH).get(c).i32(O * BYTES).op(I.i32_mul).op(I.i32_add).set(up);
    f.forRange(ov, 0, O, 4, () => {
      const load = (kh: number, kw: number, into: number): void => {
        const off = (kh * (ws[nb] as number) + kw * (ws[nb + 1] as number)) * BYTES;
        f.get(wp);
        if (off !== 0) f.i32(off).op(I.i32_add);
        f.simdMem(V.v128_load, { align: 2, offset: 0 }).set(into);
      };
      transform2d(l, scheme.kernel, 3, scheme.alpha, tmp, load, (i, j, v) => void f.get(up).get(v).simdMem(V.v128_store, { align: 2, offset: (i * scheme.alpha + j) * t.uPlane }));
      f.get(wp).i32(16).op(I.i32_add).set(wp);
      f.get(up).i32(16).op(I.i32_add).set(up);
    });
    f.get(wc).i32((ws[nb + 2] as number) * BYTES).op(I.i32_add).set(wc);
  });
  return f;
}

/** The block function (block index, scratch) -> (): input transform, the α² products, output transform. */
export function genWinogradBlock(k: ConvKernel, t: WinogradLayout, o: WinogradGenOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32"], []);
  const [BLOCK, SCRATCH] = [0, 1];
  const scheme = SCHEMES[t.scheme];
  const { m, alpha } = scheme;
  const l = new Lanes(f, scheme.constants);
  const nb = k.batch.length;
  const xs = k.x.strides;
  const [C, O] = [k.channels, k.outChannels];
  const [H, W] = [k.inSpatial[0] as number, k.inSpatial[1] as number];
  const [Th, Tw] = [k.outSpatial[0] as number, k.outSpatial[1] as number];
  const [loH, loW] = [k.geometry.lo[0] as number, k.geometry.lo[1] as number];
  const [xsN, xsH, xsW] = [(xs[nb] as number) * BYTES, (xs[nb + 1] as number) * BYTES, (xs[nb + 2] as number) * BYTES];
  const local = (): number => f.local("i32");
  const [rest, xg, outg, q0, q1, q, n, th, tw, vBase, mBase, tmp] = Array.from({ length: 12 }, local) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number];
  const perImage = t.tileRows * t.tileCols;

  // Block -> (batch index, tiles [q0, q1)); the bases of x and out for that batch index.
  f.get(BLOCK).i32(t.blocks).op(I.i32_rem_u).i32(t.blockTiles).op(I.i32_mul).tee(q0).i32(t.blockTiles).op(I.i32_add).set(q1);
  f.i32(t.tiles).get(q1).get(q1).i32(t.tiles).op(I.i32_gt_s).op(I.select).set(q1);
  f.get(BLOCK).i32(t.blocks).op(I.i32_div_u).set(rest);
  f.i32(o.addr(k.out)).get(rest).i32(k.n * Th * Tw * O * BYTES).op(I.i32_mul).op(I.i32_add).set(outg);
  f.i32(o.addr(k.x.buffer) + k.x.offset * BYTES).set(xg);
  const idx = local();
  for (let j = nb - 1; j >= 0; j--) {
    const size = k.batch[j] as number;
    f.get(rest).i32(size).op(I.i32_rem_u).set(idx);
    f.get(rest).i32(size).op(I.i32_div_u).set(rest);
    if (xs[j] !== 0) f.get(xg).get(idx).i32((xs[j] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(xg);
  }
  f.get(SCRATCH).i32(t.planes * t.uPlane).op(I.i32_add).tee(vBase).i32(t.planes * t.vPlane).op(I.i32_add).tee(mBase).i32(t.planes * t.mPlane).op(I.i32_add).set(tmp);

  /** (n, th, tw) of tile q. */
  const decode = (): void => {
    f.get(q).i32(perImage).op(I.i32_div_u).set(n);
    f.get(q).i32(perImage).op(I.i32_rem_u).tee(th).i32(t.tileCols).op(I.i32_rem_u).set(tw);
    f.get(th).i32(t.tileCols).op(I.i32_div_u).set(th);
  };

  // 1. Input transform: V_ξ[q − q0, c] for every tile of the block and every channel.
  {
    const [h0, w0, xTile, full, cv, xp, vp] = [local(), local(), local(), local(), local(), local(), local()];
    const rowOk = Array.from({ length: alpha }, local);
    const colOk = Array.from({ length: alpha }, local);
    f.forRange(q, { local: q0 }, { local: q1 }, 1, () => {
      decode();
      f.get(th).i32(m).op(I.i32_mul).i32(loH).op(I.i32_sub).set(h0);
      f.get(tw).i32(m).op(I.i32_mul).i32(loW).op(I.i32_sub).set(w0);
      f.get(xg).get(n).i32(xsN).op(I.i32_mul).op(I.i32_add).get(h0).i32(xsH).op(I.i32_mul).op(I.i32_add).get(w0).i32(xsW).op(I.i32_mul).op(I.i32_add).set(xTile);
      // The whole α×α patch inside the input (unsigned: negative positions are huge)?
      if (H < alpha || W < alpha) f.i32(0).set(full);
      else f.get(h0).i32(H - alpha + 1).op(I.i32_lt_u).get(w0).i32(W - alpha + 1).op(I.i32_lt_u).op(I.i32_and).set(full);
      for (let i = 0; i < alpha; i++) {
        f.get(h0).i32(i).op(I.i32_add).i32(H).op(I.i32_lt_u).set(rowOk[i] as number);
        f.get(w0).i32(i).op(I.i32_add).i32(W).op(I.i32_lt_u).set(colOk[i] as number);
      }
      f.get(xTile).set(xp);
      f.get(vBase).get(q).get(q0).op(I.i32_sub).i32(C * BYTES).op(I.i32_mul).op(I.i32_add).set(vp);
      f.forRange(cv, 0, C, 4, () => {
        const load = (guarded: boolean) => (i: number, j: number, into: number): void => {
          const off = i * xsH + j * xsW;
          const emit = (): void => {
            f.get(xp);
            if (off !== 0) f.i32(off).op(I.i32_add);
            f.simdMem(V.v128_load, { align: 2, offset: 0 }).set(into);
          };
          if (!guarded) return emit();
          f.f32(0).simd(V.f32x4_splat).set(into);
          f.get(rowOk[i] as number).get(colOk[j] as number).op(I.i32_and).ifThen(emit);
        };
        const store = (i: number, j: number, v: number): void => void f.get(vp).get(v).simdMem(V.v128_store, { align: 2, offset: (i * alpha + j) * t.vPlane });
        f.get(full).ifThen(
          () => transform2d(l, scheme.data, alpha, alpha, tmp, load(false), store),
          () => transform2d(l, scheme.data, alpha, alpha, tmp, load(true), store),
        );
        f.get(xp).i32(16).op(I.i32_add).set(xp);
        f.get(vp).i32(16).op(I.i32_add).set(vp);
      });
    });
  }

  // 2. M_ξ[tile, o] = Σ_c V_ξ[tile, c]·U_ξ[c, o] for every ξ: register tiles of 4 rows × 8 output channels.
  {
    const [xi, uξ, vξ, mξ, r, count, rows4] = [local(), local(), local(), local(), local(), local(), local()];
    f.get(q1).get(q0).op(I.i32_sub).tee(count).i32(-4).op(I.i32_and).set(rows4);
    f.forRange(xi, 0, t.planes, 1, () => {
      f.get(SCRATCH).get(xi).i32(t.uPlane).op(I.i32_mul).op(I.i32_add).set(uξ);
      f.get(vBase).get(xi).i32(t.vPlane).op(I.i32_mul).op(I.i32_add).set(vξ);
      f.get(mBase).get(xi).i32(t.mPlane).op(I.i32_mul).op(I.i32_add).set(mξ);
      const rowTiles = (rows: number, from: number | { local: number }, to: number | { local: number }): void => {
        f.forRange(r, from, to, rows, () => {
          for (let oc = 0; oc < O; oc += 8) gemmTile(f, { rows, width: Math.min(2, (O - oc) / 4), C, O, fma: o.fma, v: vξ, u: uξ, m: mξ, r, oc });
        });
      };
      rowTiles(4, 0, { local: rows4 });
      rowTiles(1, { local: rows4 }, { local: count });
    });
  }

  // 3. Output transform: Y = Aᵀ M A into the output's m×m blocks (rows and columns past the output dropped).
  {
    const [ov, mp, yp] = [local(), local(), local()];
    f.forRange(q, { local: q0 }, { local: q1 }, 1, () => {
      decode();
      f.get(mBase).get(q).get(q0).op(I.i32_sub).i32(O * BYTES).op(I.i32_mul).op(I.i32_add).set(mp);
      f.get(outg).get(n).i32(Th * Tw * O * BYTES).op(I.i32_mul).op(I.i32_add);
      f.get(th).i32(m * Tw * O * BYTES).op(I.i32_mul).op(I.i32_add).get(tw).i32(m * O * BYTES).op(I.i32_mul).op(I.i32_add).set(yp);
      f.forRange(ov, 0, O, 4, () => {
        const load = (i: number, j: number, into: number): void => void f.get(mp).simdMem(V.v128_load, { align: 2, offset: (i * alpha + j) * t.mPlane }).set(into);
        transform2d(l, scheme.output, alpha, m, tmp, load, (i, j, y) => {
          const store = (): void => void f.get(yp).get(y).simdMem(V.v128_store, { align: 2, offset: (i * Tw + j) * O * BYTES });
          // Row i (column j) of the last tile row (column) lies inside the output only where the size allows.
          const rowOut = i >= Th % m && Th % m !== 0;
          const colOut = j >= Tw % m && Tw % m !== 0;
          if (!rowOut && !colOut) return store();
          f.i32(1);
          if (rowOut) f.get(th).i32(t.tileRows - 1).op(I.i32_lt_u).op(I.i32_and);
          if (colOut) f.get(tw).i32(t.tileCols - 1).op(I.i32_lt_u).op(I.i32_and);
          f.ifThen(store);
        });
        f.get(mp).i32(16).op(I.i32_add).set(mp);
        f.get(yp).i32(16).op(I.i32_add).set(yp);
      });
    });
  }
  return f;
}

/** One register tile of a product: M[r .. r+rows, oc .. oc+4·width] = Σ_c V[r.., c]·U[c, oc..]. */
function gemmTile(f: FunctionBuilder, p: { rows: number; width: number; C: number; O: number; fma: boolean; v: number; u: number; m: number; r: number; oc: number }): void {
  const acc = Array.from({ length: p.rows * p.width }, () => f.local("v128"));
  const wv = Array.from({ length: p.width }, () => f.local("v128"));
  const s = f.local("v128");
  const [c, vp, up] = [f.local("i32"), f.local("i32"), f.local("i32")];
  for (const a of acc) f.f32(0).simd(V.f32x4_splat).set(a);
  f.get(p.v).get(p.r).i32(p.C * BYTES).op(I.i32_mul).op(I.i32_add).set(vp);
  f.get(p.u).i32(p.oc * BYTES).op(I.i32_add).set(up);
  f.forRange(c, 0, p.C, 1, () => {
    for (let w = 0; w < p.width; w++) f.get(up).simdMem(V.v128_load, { align: 2, offset: w * 16 }).set(wv[w] as number);
    for (let r = 0; r < p.rows; r++) {
      f.get(vp).simdMem(V.v128_load32_splat, { align: 2, offset: r * p.C * BYTES }).set(s);
      for (let w = 0; w < p.width; w++) {
        const a = acc[r * p.width + w] as number;
        if (p.fma) f.get(s).get(wv[w] as number).get(a).simd(V.f32x4_relaxed_madd).set(a);
        else f.get(s).get(wv[w] as number).simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
      }
    }
    f.get(vp).i32(BYTES).op(I.i32_add).set(vp);
    f.get(up).i32(p.O * BYTES).op(I.i32_add).set(up);
  });
  for (let r = 0; r < p.rows; r++) {
    for (let w = 0; w < p.width; w++) {
      f.get(p.m).get(p.r).i32(p.O * BYTES).op(I.i32_mul).op(I.i32_add).get(acc[r * p.width + w] as number).simdMem(V.v128_store, { align: 2, offset: (r * p.O + p.oc) * BYTES + w * 16 });
    }
  }
}
