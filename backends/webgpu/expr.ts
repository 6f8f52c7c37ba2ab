import type { DType } from "../../ir/dtype.js";
import type { Access, Placement, ScalarExpr } from "../../ir/kernel/index.js";
import { gg_inf, gg_nan, type Helper } from "./math.js";
import { ELEMENTWISE_WGSL, wgslType } from "./ops.js";

/**
 * Scalar expressions and memory access in WGSL. Every buffer of a program lives in one storage
 * buffer, the arena, bound as `m: array<u32>`; a value is loaded and stored through its bits
 * (f32 and i32 by bitcast, bool as 0/1), so one binding serves every dtype and every kernel.
 * Where a buffer starts in the arena is not part of the code: a kernel reads its buffers' first
 * words from a small uniform (see shader.ts `Bases`), so kernels of the same form share one
 * compiled pipeline across programs and feed-shape bindings.
 */

export const ARENA_DECL = "@group(0) @binding(0) var<storage, read_write> m: array<u32>;";

export function load(d: DType, address: string): string {
  if (d === "bool") return `(m[${address}] != 0u)`;
  return `bitcast<${wgslType(d)}>(m[${address}])`;
}

/** The u32 word that stores `value` of dtype d. */
export function storeWord(d: DType, value: string): string {
  return d === "bool" ? `select(0u, 1u, ${value})` : `bitcast<u32>(${value})`;
}

/** A literal of dtype d, exact (stored values are rounded to the dtype as the reference's typed arrays do). */
export function literal(d: DType, v: number, use: (h: Helper) => string): string {
  switch (d) {
    case "bool":
      return v !== 0 ? "true" : "false";
    case "int32":
      return `i32(${v | 0})`;
    case "float32":
    case "float64": {
      const f = Math.fround(v);
      if (Number.isNaN(f)) return `${use(gg_nan)}()`;
      if (!Number.isFinite(f)) return f > 0 ? `${use(gg_inf)}()` : `(-${use(gg_inf)}())`;
      if (f !== 0 && Math.abs(f) < 2 ** -126) return `bitcast<f32>(${new Uint32Array(Float32Array.of(f).buffer)[0]}u)`;
      return Object.is(f, -0) ? "(-0.0)" : `f32(${String(f)})`;
    }
  }
}

/**
 * An unsigned element address: base + offset + Σ coord·stride (zero terms dropped); `base` is a WGSL
 * u32 expression. A negative stride (a reversed view) is subtracted: u32 arithmetic wraps, and the
 * address it ends at is in range.
 */
export function affine(base: string, offset: number, terms: readonly (readonly [string, number])[]): string {
  const term = ([c, s]: readonly [string, number]): string => (Math.abs(s) === 1 ? c : `${c} * ${Math.abs(s)}u`);
  const parts = [base, ...(offset !== 0 ? [`${offset}u`] : []), ...terms.filter(([, s]) => s > 0).map(term)];
  return [parts.join(" + "), ...terms.filter(([, s]) => s < 0).map(term)].join(" - ");
}

/**
 * Coordinates of a flat index over a shape, declared on first use, and the addresses of accesses
 * over that iteration space (a contiguous access uses the flat index itself).
 */
export class IndexSpace {
  private readonly declared = new Set<number>();
  constructor(
    private readonly shape: readonly number[],
    private readonly flat: string,
    private readonly lines: string[],
    private readonly prefix = "i",
  ) {}

  coord(axis: number): string {
    const name = `${this.prefix}${axis}`;
    if (!this.declared.has(axis)) {
      this.declared.add(axis);
      const inner = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const div = inner === 1 ? this.flat : `(${this.flat} / ${inner}u)`;
      const expr = axis === 0 ? div : `${div} % ${this.shape[axis] as number}u`;
      this.lines.push(`let ${name} = ${expr};`);
    }
    return name;
  }

  /** base + offset + Σ coord(axis)·strides[axis] over this space's axes (strides aligned to its shape). */
  address(base: string, offset: number, strides: readonly number[]): string {
    let contiguous = true;
    let expect = 1;
    for (let axis = this.shape.length - 1; axis >= 0; axis--) {
      const d = this.shape[axis] as number;
      if (d !== 1 && strides[axis] !== expect) contiguous = false;
      expect *= d;
    }
    return affine(base, offset, contiguous ? [[this.flat, 1]] : this.terms(strides));
  }

  /** The terms coord(axis)·strides[axis] (axes of size 1 and zero strides dropped). */
  terms(strides: readonly number[]): (readonly [string, number])[] {
    return strides.flatMap((s, axis) => (this.shape[axis] === 1 || s === 0 ? [] : [[this.coord(axis), s] as const]));
  }
}

export interface ExprEnv {
  /** The arena address of an access at the current element. */
  address(a: Access): string;
  /** The u32 value offset + Σ coord·stride of an index (an iota computed in place) at the current element (maps and reductions only). */
  index?(p: Placement): string;
  /** The matmul product at the current element (epilogues only). */
  readonly acc?: string;
  use(h: Helper): string;
}

/** Emits `let` lines computing e; returns the WGSL expression of its value. */
export function emitExpr(e: ScalarExpr, env: ExprEnv, lines: string[]): string {
  switch (e.kind) {
    case "load": {
      const name = `v${lines.length}`;
      lines.push(`let ${name} = ${load(e.dtype, env.address(e.access))};`);
      return name;
    }
    case "const":
      return literal(e.dtype, e.value, env.use);
    case "index": {
      if (env.index === undefined) throw new Error("an index outside a map or a reduction");
      const name = `v${lines.length}`;
      lines.push(`let ${name} = ${e.dtype === "bool" ? `(${env.index(e)} != 0u)` : `${wgslType(e.dtype)}(${env.index(e)})`};`);
      return name;
    }
    case "acc":
      if (env.acc === undefined) throw new Error("a matmul accumulator outside a matmul epilogue");
      return env.acc;
    case "op": {
      const args = e.args.map((a) => emitExpr(a, env, lines));
      const value = ELEMENTWISE_WGSL[e.op].emit({ args, argTypes: e.args.map((a) => a.dtype), dtype: e.dtype, use: env.use });
      const name = `v${lines.length}`;
      lines.push(`let ${name} = ${value};`);
      return name;
    }
  }
}
