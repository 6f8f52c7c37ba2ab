import type { FunctionBuilder } from "./encoder.js";
import { V } from "./opcodes.js";

/**
 * The transforms of Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2015) on f32x4 lanes, with the interpolation points 0, ±1, (±2,) ∞:
 * F(2×2, 3×3) and F(4×4, 3×3) (m×m outputs of a 3×3 kernel from an α×α patch, α = m + 2: the
 * forward convolution and its input's cotangent) and F(3×3, 2×2) (3×3 outputs from 2×2 pieces of a
 * large "kernel": a 3×3 kernel's cotangent). Each is given by its three one-dimensional transforms,
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
 * written with their common subexpressions; a two-dimensional transform applies one along the
 * columns (into a small scratch area) and then along the rows.
 */

/** f32x4 arithmetic on locals, with the scheme's constants splatted into locals where it is made (before any use). */
export class Lanes {
  private readonly consts = new Map<number, number>();
  constructor(
    readonly f: FunctionBuilder,
    constants: readonly number[],
  ) {
    for (const c of constants) {
      const l = this.v();
      this.consts.set(c, l);
      f.f32(c).simd(V.f32x4_splat).set(l);
    }
  }
  v(): number {
    return this.f.local("v128");
  }
  add(dst: number, a: number, b: number): void {
    this.f.get(a).get(b).simd(V.f32x4_add).set(dst);
  }
  sub(dst: number, a: number, b: number): void {
    this.f.get(a).get(b).simd(V.f32x4_sub).set(dst);
  }
  /** dst = a·c */
  scale(dst: number, a: number, c: number): void {
    this.f.get(a).get(this.constant(c)).simd(V.f32x4_mul).set(dst);
  }
  /** dst = a + b·c */
  addScaled(dst: number, a: number, b: number, c: number): void {
    this.f.get(a).get(b).get(this.constant(c)).simd(V.f32x4_mul).simd(V.f32x4_add).set(dst);
  }
  private constant(c: number): number {
    const l = this.consts.get(c);
    if (l === undefined) throw new Error(`Winograd transform: constant ${c} was not declared by its scheme (a bug)`);
    return l;
  }
}

/** A one-dimensional transform: vectors x (locals) -> `out(k, v)` for each of its results k. */
export type Transform1D = (l: Lanes, x: readonly number[], out: (k: number, v: number) => void) => void;

export interface Scheme {
  /** Outputs per tile side, the kernel's side, and the transformed tile's side α = m + r − 1. */
  readonly m: number;
  readonly r: number;
  readonly alpha: number;
  /** Bᵀ (α -> α), G (r -> α), Aᵀ (α -> m). */
  readonly data: Transform1D;
  readonly kernel: Transform1D;
  readonly output: Transform1D;
  /** The constants its transforms multiply by. */
  readonly constants: readonly number[];
}

/** Temporaries of one transform (made once per function, reused). */
const temps = (l: Lanes, n: number): number[] => Array.from({ length: n }, () => l.v());

/** F(2×2, 3×3): Bᵀ rows d0 − d2, d1 + d2, d2 − d1, d1 − d3; G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]; Aᵀ = [[1,1,1,0],[0,1,−1,−1]]. */
export const F2x3: Scheme = {
  m: 2,
  r: 3,
  alpha: 4,
  constants: [0.5],
  data: (l, x, out) => {
    const [t] = temps(l, 1) as [number];
    const [x0, x1, x2, x3] = x as [number, number, number, number];
    l.sub(t, x0, x2);
    out(0, t);
    l.add(t, x1, x2);
    out(1, t);
    l.sub(t, x2, x1);
    out(2, t);
    l.sub(t, x1, x3);
    out(3, t);
  },
  kernel: (l, g, out) => {
    const [s, t] = temps(l, 2) as [number, number];
    const [g0, g1, g2] = g as [number, number, number];
    out(0, g0);
    l.add(s, g0, g2);
    l.add(t, s, g1);
    l.scale(t, t, 0.5);
    out(1, t);
    l.sub(t, s, g1);
    l.scale(t, t, 0.5);
    out(2, t);
    out(3, g2);
  },
  output: (l, m, out) => {
    const [t] = temps(l, 1) as [number];
    const [m0, m1, m2, m3] = m as [number, number, number, number];
    l.add(t, m0, m1);
    l.add(t, t, m2);
    out(0, t);
    l.sub(t, m1, m2);
    l.sub(t, t, m3);
    out(1, t);
  },
};

/**
 * F(4×4, 3×3): Bᵀ rows 4d0 − 5d2 + d4, (d3 + d4) − 4(d1 + d2), (d4 − d3) + 4(d1 − d2),
 * (d4 − d2) ± 2(d3 − d1), 4d1 − 5d3 + d5; G rows [¼,0,0], −⅙[1,1,1], −⅙[1,−1,1], [1/24, ±1/12, ⅙],
 * [0,0,1]; Aᵀ rows m0 + s12 + s34, d12 + 2·d34, s12 + 4·s34, d12 + 8·d34 + m5 (s, d: sums and
 * differences of m1, m2 and of m3, m4).
 */
export const F4x3: Scheme = {
  m: 4,
  r: 3,
  alpha: 6,
  constants: [4, -5, -4, 2, -2, 8, 0.25, -1 / 6, 1 / 24, 1 / 6, 1 / 12, -1 / 12],
  data: (l, x, out) => {
    const [t, a, b] = temps(l, 3) as [number, number, number];
    const [x0, x1, x2, x3, x4, x5] = x as [number, number, number, number, number, number];
    l.scale(t, x0, 4);
    l.addScaled(t, t, x2, -5);
    l.add(t, t, x4);
    out(0, t);
    l.add(a, x3, x4);
    l.add(b, x1, x2);
    l.addScaled(t, a, b, -4);
    out(1, t);
    l.sub(a, x4, x3);
    l.sub(b, x1, x2);
    l.addScaled(t, a, b, 4);
    out(2, t);
    l.sub(a, x4, x2);
    l.sub(b, x3, x1);
    l.addScaled(t, a, b, 2);
    out(3, t);
    l.addScaled(t, a, b, -2);
    out(4, t);
    l.scale(t, x1, 4);
    l.addScaled(t, t, x3, -5);
    l.add(t, t, x5);
    out(5, t);
  },
  kernel: (l, g, out) => {
    const [s, t] = temps(l, 2) as [number, number];
    const [g0, g1, g2] = g as [number, number, number];
    l.scale(t, g0, 0.25);
    out(0, t);
    l.add(s, g0, g2);
    l.add(t, s, g1);
    l.scale(t, t, -1 / 6);
    out(1, t);
    l.sub(t, s, g1);
    l.scale(t, t, -1 / 6);
    out(2, t);
    l.scale(s, g0, 1 / 24);
    l.addScaled(s, s, g2, 1 / 6);
    l.addScaled(t, s, g1, 1 / 12);
    out(3, t);
    l.addScaled(t, s, g1, -1 / 12);
    out(4, t);
    out(5, g2);
  },
  output: (l, m, out) => {
    const [s12, d12, s34, d34, t] = temps(l, 5) as [number, number, number, number, number];
    const [m0, m1, m2, m3, m4, m5] = m as [number, number, number, number, number, number];
    l.add(s12, m1, m2);
    l.sub(d12, m1, m2);
    l.add(s34, m3, m4);
    l.sub(d34, m3, m4);
    l.add(t, m0, s12);
    l.add(t, t, s34);
    out(0, t);
    l.addScaled(t, d12, d34, 2);
    out(1, t);
    l.addScaled(t, s12, s34, 4);
    out(2, t);
    l.addScaled(t, d12, d34, 8);
    l.add(t, t, m5);
    out(3, t);
  },
};

/** F(3×3, 2×2): Bᵀ rows d0 − d2, d1 + d2, d2 − d1, d3 − d1; G = [[1,0],[½,½],[½,−½],[0,1]]; Aᵀ = [[1,1,1,0],[0,1,−1,0],[0,1,1,1]]. */
export const F3x2: Scheme = {
  m: 3,
  r: 2,
  alpha: 4,
  constants: [0.5],
  data: (l, x, out) => {
    const [t] = temps(l, 1) as [number];
    const [x0, x1, x2, x3] = x as [number, number, number, number];
    l.sub(t, x0, x2);
    out(0, t);
    l.add(t, x1, x2);
    out(1, t);
    l.sub(t, x2, x1);
    out(2, t);
    l.sub(t, x3, x1);
    out(3, t);
  },
  kernel: (l, g, out) => {
    const [t] = temps(l, 1) as [number];
    const [g0, g1] = g as [number, number];
    out(0, g0);
    l.add(t, g0, g1);
    l.scale(t, t, 0.5);
    out(1, t);
    l.sub(t, g0, g1);
    l.scale(t, t, 0.5);
    out(2, t);
    out(3, g1);
  },
  output: (l, m, out) => {
    const [s, t] = temps(l, 2) as [number, number];
    const [m0, m1, m2, m3] = m as [number, number, number, number];
    l.add(s, m1, m2);
    l.add(t, m0, s);
    out(0, t);
    l.sub(t, m1, m2);
    out(1, t);
    l.add(t, s, m3);
    out(2, t);
  },
};

/**
 * Y = T X Tᵀ for an n×n input X (`load(i, j, into)`) and a one-dimensional T of n -> k: T along
 * every column into the scratch area at the address in local `tmp` (k·n vectors), then along every
 * row of that; `store(i, j, v)` receives Y[i][j]. Few vectors are live at once (the engine has 16
 * registers).
 */
export function transform2d(l: Lanes, t: Transform1D, n: number, k: number, tmp: number, load: (i: number, j: number, into: number) => void, store: (i: number, j: number, v: number) => void): void {
  const f = l.f;
  const x = temps(l, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) load(i, j, x[i] as number);
    t(l, x, (i, v) => void f.get(tmp).get(v).simdMem(V.v128_store, { align: 2, offset: (i * n + j) * 16 }));
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) f.get(tmp).simdMem(V.v128_load, { align: 2, offset: (i * n + j) * 16 }).set(x[j] as number);
    t(l, x, (j, v) => store(i, j, v));
  }
}
