import type { FunctionBuilder } from "./encoder.js";
import { V } from "./opcodes.js";

/**
 * The transforms of Winograd's minimal filtering on 4×4 tiles (Lavin & Gray 2015), on f32x4 lanes:
 * F(2×2, 3×3) (2×2 outputs of a 3×3 kernel: the forward convolution and its input's cotangent) and
 * F(3×3, 2×2) (3×3 outputs from 2×2 pieces of a large "kernel": a 3×3 kernel's cotangent), with the
 * interpolation points 0, 1, −1, ∞. Only additions, subtractions and halvings.
 */

/** f32x4 arithmetic on locals. */
export class Lanes {
  constructor(private readonly f: FunctionBuilder) {}
  v(): number {
    return this.f.local("v128");
  }
  add(dst: number, a: number, b: number): void {
    this.f.get(a).get(b).simd(V.f32x4_add).set(dst);
  }
  sub(dst: number, a: number, b: number): void {
    this.f.get(a).get(b).simd(V.f32x4_sub).set(dst);
  }
}

/** A row of a 4×4 data transform Bᵀ: element p plus or minus element q. */
export type Combination = readonly [number, number, "add" | "sub"];

export const F23 = {
  /** Bᵀ rows: d0 − d2, d1 + d2, d2 − d1, d1 − d3. */
  data: [
    [0, 2, "sub"],
    [1, 2, "add"],
    [2, 1, "sub"],
    [1, 3, "sub"],
  ] as readonly Combination[],
};

export const F32 = {
  /** Bᵀ rows: d0 − d2, d1 + d2, d2 − d1, d3 − d1. */
  data: [
    [0, 2, "sub"],
    [1, 2, "add"],
    [2, 1, "sub"],
    [3, 1, "sub"],
  ] as readonly Combination[],
};

/**
 * V = Bᵀ d B, row by row (few vectors live at once: the engine has 16 registers): row i of Bᵀ d is
 * a combination of two rows of d (loaded by `load(row, column, into)`), and each of its columns a
 * combination of two of that row's; `store(4·i + j, v)` receives V[i][j].
 */
export function dataTransform(f: FunctionBuilder, rows: readonly Combination[], load: (i: number, j: number, into: number) => void, store: (x: number, v: number) => void): void {
  const l = new Lanes(f);
  const [a, b] = [[l.v(), l.v(), l.v(), l.v()], [l.v(), l.v(), l.v(), l.v()]] as const;
  const r = [l.v(), l.v(), l.v(), l.v()];
  const v = l.v();
  rows.forEach(([p, q, op], i) => {
    for (let j = 0; j < 4; j++) {
      load(p, j, a[j] as number);
      load(q, j, b[j] as number);
      l[op](r[j] as number, a[j] as number, b[j] as number);
    }
    rows.forEach(([pc, qc, opc], j) => {
      l[opc](v, r[pc] as number, r[qc] as number);
      store(i * 4 + j, v);
    });
  });
}

/**
 * U = G g Gᵀ (4×4 from the 3×3 g, row-major locals), G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]: per
 * row and column, (a, b, c) -> (a, (a+b+c)/2, (a−b+c)/2, c).
 */
export function f23Kernel(f: FunctionBuilder, g: readonly number[], out: readonly number[]): void {
  const l = new Lanes(f);
  const half = l.v();
  f.f32(0.5).simd(V.f32x4_splat).set(half);
  const expand = (a: number, b: number, c: number, into: readonly number[]): void => {
    const [s, o0, o1, o2, o3] = [l.v(), into[0] as number, into[1] as number, into[2] as number, into[3] as number];
    f.get(a).set(o0);
    f.get(c).set(o3);
    l.add(s, a, c);
    f.get(s).get(b).simd(V.f32x4_add).get(half).simd(V.f32x4_mul).set(o1);
    f.get(s).get(b).simd(V.f32x4_sub).get(half).simd(V.f32x4_mul).set(o2);
  };
  // Rows: t = G g (4×3), then columns: out = t Gᵀ (4×4).
  const t = Array.from({ length: 12 }, () => l.v());
  for (let j = 0; j < 3; j++) {
    const col = [0, 1, 2, 3].map((i) => t[i * 3 + j] as number);
    expand(g[j] as number, g[3 + j] as number, g[6 + j] as number, col);
  }
  for (let i = 0; i < 4; i++) expand(t[i * 3] as number, t[i * 3 + 1] as number, t[i * 3 + 2] as number, out.slice(i * 4, i * 4 + 4));
}

/** U = G g Gᵀ (4×4 from the 2×2 g), G = [[1,0],[½,½],[½,−½],[0,1]]: per row and column, (a, b) -> (a, (a+b)/2, (a−b)/2, b). */
export function f32Kernel(f: FunctionBuilder, g: readonly number[], out: readonly number[]): void {
  const l = new Lanes(f);
  const half = l.v();
  f.f32(0.5).simd(V.f32x4_splat).set(half);
  const expand = (a: number, b: number, into: readonly number[]): void => {
    f.get(a).set(into[0] as number);
    f.get(b).set(into[3] as number);
    f.get(a).get(b).simd(V.f32x4_add).get(half).simd(V.f32x4_mul).set(into[1] as number);
    f.get(a).get(b).simd(V.f32x4_sub).get(half).simd(V.f32x4_mul).set(into[2] as number);
  };
  const t = Array.from({ length: 8 }, () => l.v());
  for (let j = 0; j < 2; j++) {
    const col = [0, 1, 2, 3].map((i) => t[i * 2 + j] as number);
    expand(g[j] as number, g[2 + j] as number, col);
  }
  for (let i = 0; i < 4; i++) expand(t[i * 2] as number, t[i * 2 + 1] as number, out.slice(i * 4, i * 4 + 4));
}

/** Y = Aᵀ m A (2×2 from 4×4), Aᵀ = [[1,1,1,0],[0,1,−1,−1]]: column by column (m loaded by `load(row, column, into)`), then the two rows. */
export function f23Output(f: FunctionBuilder, load: (i: number, j: number, into: number) => void, store: (i: number, j: number, v: number) => void): void {
  const l = new Lanes(f);
  const m = [l.v(), l.v(), l.v(), l.v()];
  const t = [[l.v(), l.v(), l.v(), l.v()], [l.v(), l.v(), l.v(), l.v()]] as const;
  const y = l.v();
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) load(i, j, m[i] as number);
    const [t0, t1] = [t[0][j] as number, t[1][j] as number];
    l.add(t0, m[0] as number, m[1] as number);
    l.add(t0, t0, m[2] as number);
    l.sub(t1, m[1] as number, m[2] as number);
    l.sub(t1, t1, m[3] as number);
  }
  for (let i = 0; i < 2; i++) {
    const row = t[i as 0 | 1];
    l.add(y, row[0] as number, row[1] as number);
    l.add(y, y, row[2] as number);
    store(i, 0, y);
    l.sub(y, row[1] as number, row[2] as number);
    l.sub(y, y, row[3] as number);
    store(i, 1, y);
  }
}

/** Y = Aᵀ m A (3×3 from 4×4), Aᵀ = [[1,1,1,0],[0,1,−1,0],[0,1,1,1]]: column by column, then the three rows. */
export function f32Output(f: FunctionBuilder, load: (i: number, j: number, into: number) => void, store: (i: number, j: number, v: number) => void): void {
  const l = new Lanes(f);
  const m = [l.v(), l.v(), l.v(), l.v()];
  const t = [0, 1, 2].map(() => [l.v(), l.v(), l.v(), l.v()]);
  const [s, y] = [l.v(), l.v()];
  /** (x0 + x1 + x2, x1 − x2, x1 + x2 + x3) of four vectors, into three. */
  const apply = (x: readonly number[], into: (k: number, v: number) => void): void => {
    l.add(s, x[1] as number, x[2] as number);
    l.add(y, s, x[0] as number);
    into(0, y);
    l.sub(y, x[1] as number, x[2] as number);
    into(1, y);
    l.add(y, s, x[3] as number);
    into(2, y);
  };
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) load(i, j, m[i] as number);
    apply(m, (k, v) => void f.get(v).set((t[k] as number[])[j] as number));
  }
  for (let i = 0; i < 3; i++) apply(t[i] as number[], (j, v) => store(i, j, v));
}
