import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
import { MR, NR } from "./matmul-blocking.js";

/**
 * Packing for the float32 matmul (matmul-f32.ts): a panel of B becomes kc rows of NR contiguous
 * floats, a micro-panel of A kc groups of MR contiguous floats (its rows at one k), zero-padded
 * past the matrix's last column / row. Column-major operands (a transpose fused as a view) are
 * turned around 4×4 at a time with shuffles.
 */

/** A length or offset known when the code is made, or held in an i32 local. */
export type Len = number | { readonly local: number };

/** The scratch locals packing uses (made once per function). */
export interface PackLocals {
  readonly src: number;
  readonly dst: number;
  readonly p: number;
  readonly end4: number;
  readonly v: readonly number[];
  readonly t: readonly number[];
}

export function packLocals(f: FunctionBuilder): PackLocals {
  return {
    src: f.local("i32"),
    dst: f.local("i32"),
    p: f.local("i32"),
    end4: f.local("i32"),
    v: Array.from({ length: 4 }, () => f.local("v128")),
    t: Array.from({ length: 4 }, () => f.local("v128")),
  };
}

const push = (f: FunctionBuilder, v: Len): void => void (typeof v === "number" ? f.i32(v) : f.get(v.local));

/** end4 = len rounded down to a multiple of 4. */
function setEnd4(f: FunctionBuilder, l: PackLocals, len: Len): Len {
  if (typeof len === "number") return len - (len % 4);
  f.get(len.local).i32(-4).op(I.i32_and).set(l.end4);
  return { local: l.end4 };
}

/**
 * Loads 4 vectors x_c from `src` + c·stride + offset (c = 0..3), transposes them (lane q of the
 * c-th result is lane c of x_q... i.e. results w_q = (x_0[q], x_1[q], x_2[q], x_3[q])) and stores
 * w_q at `dst` + q·dstStride + dstOffset.
 */
function transpose4(f: FunctionBuilder, l: PackLocals, stride: number, offset: number, dstStride: number, dstOffset: number): void {
  const [v0, v1, v2, v3] = l.v as [number, number, number, number];
  const [t0, t1, t2, t3] = l.t as [number, number, number, number];
  l.v.forEach((v, c) => f.get(l.src).simdMem(V.v128_load, { align: 2, offset: offset + c * stride }).set(v));
  f.get(v0).get(v1).shuffle32([0, 4, 1, 5]).set(t0); // x0[0] x1[0] x0[1] x1[1]
  f.get(v2).get(v3).shuffle32([0, 4, 1, 5]).set(t1); // x2[0] x3[0] x2[1] x3[1]
  f.get(v0).get(v1).shuffle32([2, 6, 3, 7]).set(t2); // x0[2] x1[2] x0[3] x1[3]
  f.get(v2).get(v3).shuffle32([2, 6, 3, 7]).set(t3);
  const out = (a: number, b: number, lanes: [number, number, number, number], q: number): void =>
    void f.get(l.dst).get(a).get(b).shuffle32(lanes).simdMem(V.v128_store, { align: 4, offset: dstOffset + q * dstStride });
  out(t0, t1, [0, 1, 4, 5], 0);
  out(t0, t1, [2, 3, 6, 7], 1);
  out(t2, t3, [0, 1, 4, 5], 2);
  out(t2, t3, [2, 3, 6, 7], 3);
}

/**
 * dst[p·width + c] = (c < valid ? f32 at src + c·cStride : 0) for p < len, src advancing by
 * pStride bytes and dst by width floats each step: the general (scalar) packing loop.
 */
function packScalar(f: FunctionBuilder, l: PackLocals, len: Len, width: number, valid: number, cStride: number, pStride: number): void {
  f.forRange(l.p, 0, len, 1, () => {
    for (let c = 0; c < width; c++) {
      f.get(l.dst);
      if (c < valid) f.get(l.src).mem(I.f32_load, { align: 2, offset: c * cStride });
      else f.f32(0);
      f.mem(I.f32_store, { align: 2, offset: c * 4 });
    }
    f.get(l.src).i32(pStride).op(I.i32_add).set(l.src);
    f.get(l.dst).i32(width * 4).op(I.i32_add).set(l.dst);
  });
}

/** Advances src by `bytes` and dst by `dstBytes`. */
function advance(f: FunctionBuilder, l: PackLocals, bytes: number, dstBytes: number): void {
  f.get(l.src).i32(bytes).op(I.i32_add).set(l.src);
  f.get(l.dst).i32(dstBytes).op(I.i32_add).set(l.dst);
}

/**
 * Packs `len` rows of a B panel: `cols` columns (NR, or fewer in the last panel) from `l.src`
 * (set by the caller at B[p0, j0]) into `l.dst`. Row-major B: rows `rowBytes` apart; column-major
 * (transB): columns `colBytes` apart.
 */
export function packB(f: FunctionBuilder, l: PackLocals, len: Len, cols: number, layout: { readonly transB: boolean; readonly rowBytes: number; readonly colBytes: number }): void {
  if (cols < NR) {
    if (layout.transB) packScalar(f, l, len, NR, cols, layout.colBytes, 4);
    else packScalar(f, l, len, NR, cols, 4, layout.rowBytes);
    return;
  }
  if (!layout.transB) {
    f.forRange(l.p, 0, len, 1, () => {
      for (let h = 0; h < NR / 4; h++) f.get(l.dst).get(l.src).simdMem(V.v128_load, { align: 2, offset: h * 16 }).simdMem(V.v128_store, { align: 4, offset: h * 16 });
      advance(f, l, layout.rowBytes, NR * 4);
    });
    return;
  }
  // Column-major: 4 rows of 8 columns at a time, two 4×4 transposes.
  const end4 = setEnd4(f, l, len);
  f.forRange(l.p, 0, end4, 4, () => {
    for (let g = 0; g < NR / 4; g++) transpose4(f, l, layout.colBytes, 4 * g * layout.colBytes, NR * 4, g * 16);
    advance(f, l, 16, 4 * NR * 4);
  });
  packRest(f, l, end4, len, () => packScalar(f, l, restLen(l, end4, len), NR, NR, layout.colBytes, 4));
}

/**
 * Packs `len` k-steps of an A micro-panel: `rows` rows (MR, or fewer in the last one) from
 * `l.src` (set by the caller at A[i0, p0]) into `l.dst`. Row-major A: rows `rowBytes` apart;
 * column-major (transA): k-steps `stepBytes` apart.
 */
export function packA(f: FunctionBuilder, l: PackLocals, len: Len, rows: number, layout: { readonly transA: boolean; readonly rowBytes: number; readonly stepBytes: number }): void {
  if (rows < MR) {
    if (layout.transA) packScalar(f, l, len, MR, rows, 4, layout.stepBytes);
    else packScalar(f, l, len, MR, rows, layout.rowBytes, 4);
    return;
  }
  if (layout.transA) {
    f.forRange(l.p, 0, len, 1, () => {
      f.get(l.dst).get(l.src).simdMem(V.v128_load, { align: 2, offset: 0 }).simdMem(V.v128_store, { align: 4, offset: 0 });
      advance(f, l, layout.stepBytes, MR * 4);
    });
    return;
  }
  const end4 = setEnd4(f, l, len);
  f.forRange(l.p, 0, end4, 4, () => {
    transpose4(f, l, layout.rowBytes, 0, MR * 4, 0);
    advance(f, l, 16, 4 * MR * 4);
  });
  packRest(f, l, end4, len, () => packScalar(f, l, restLen(l, end4, len), MR, MR, layout.rowBytes, 4));
}

/** The k-steps left after the blocks of 4 (len - end4), as a length. */
function restLen(l: PackLocals, end4: Len, len: Len): Len {
  if (typeof len === "number" && typeof end4 === "number") return len - end4;
  return { local: l.end4 };
}

/** Runs `rest` for the k-steps past end4 (with l.end4 holding their count when not known now). */
function packRest(f: FunctionBuilder, l: PackLocals, end4: Len, len: Len, rest: () => void): void {
  if (typeof len === "number" && typeof end4 === "number") {
    if (len > end4) rest();
    return;
  }
  push(f, len);
  push(f, end4);
  f.op(I.i32_sub).set(l.end4);
  rest();
}
