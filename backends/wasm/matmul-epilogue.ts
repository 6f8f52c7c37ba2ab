import type { Access, ScalarExpr } from "../../ir/kernel/index.js";
import type { FunctionBuilder } from "./encoder.js";
import type { MathImports } from "./emit-ops.js";
import { V, I } from "./opcodes.js";
import { accessKey, BYTES, canSimd, emitScalar, emitStoreOp, emitVector, exprAccesses } from "./expr.js";

/**
 * Matmul epilogues: an elementwise function of the product (a fused bias add, an activation)
 * applied as the float32 micro-kernel stores its tile.
 */

/**
 * Whether this backend applies an expression as a float32 matmul epilogue: it must have a SIMD
 * form, a 4-byte result, and read its other operands along the output row contiguously or as a
 * broadcast (a bias).
 */
export function epilogueSupported(e: ScalarExpr, dtype: string, math: MathImports): boolean {
  if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") return false;
  if (!canSimd(e, math) || !accsAreFloat32(e)) return false;
  return [...exprAccesses(e).values()].every(({ access }) => access.strides.length === 2 && (access.strides[1] === 0 || access.strides[1] === 1));
}

/** Only the float32 micro-kernel applies epilogues. */
function accsAreFloat32(e: ScalarExpr): boolean {
  if (e.kind === "acc") return e.dtype === "float32";
  return e.kind === "op" ? e.args.every(accsAreFloat32) : true;
}

export interface EpilogueStore {
  /** Stores epilogue(acc) at C[i + r, j + c] (4 lanes from c when `vector`), the product's value pushed by `push`. */
  readonly store: (r: number, c: number, vector: boolean, push: () => void) => void;
}

/**
 * Stores epilogue(acc) at C[i + r, j + c .. (+4 when vector)]: each operand of the epilogue is
 * addressed at (row, column) through its strides, loaded as a vector (stride 1) or splatted (0).
 * `n` is C's row length in elements, `iLocal` / `jLocal` the tile's first row and column.
 */
export function epilogueStore(
  f: FunctionBuilder,
  e: ScalarExpr,
  outDtype: string,
  C: number,
  n: number,
  iLocal: number,
  jLocal: number,
  o: { readonly addr: (buffer: number) => number; readonly math: MathImports },
): EpilogueStore {
  const loads = [...exprAccesses(e).values()];
  const ptrs = new Map(loads.map((l) => [accessKey(l.access), f.local("i32")] as const));
  const out = f.local("i32");
  const dtype = outDtype as "float32" | "int32" | "bool";
  return {
    store: (r, c, vector, push) => {
      for (const l of loads) {
        const bytes = BYTES[l.dtype];
        const [si, sj] = [l.access.strides[0] as number, l.access.strides[1] as number];
        f.i32(o.addr(l.access.buffer) + (l.access.offset + r * si + c * sj) * bytes);
        f.get(iLocal).i32(si * bytes).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(sj * bytes).op(I.i32_mul).op(I.i32_add);
        f.set(ptrs.get(accessKey(l.access)) as number);
      }
      f.get(C).get(iLocal).i32(r).op(I.i32_add).i32(n * 4).op(I.i32_mul).op(I.i32_add).get(jLocal).i32(c).op(I.i32_add).i32(4).op(I.i32_mul).op(I.i32_add).set(out);
      const ptrOf = (a: Access): number => ptrs.get(accessKey(a)) as number;
      f.get(out);
      if (vector) {
        emitVector(f, e, ptrOf, (a) => a.strides[1] === 0, o.math, push);
        if (dtype === "bool") f.i32(1).simd(V.i32x4_splat).simd(V.v128_and);
        f.simdMem(V.v128_store, { align: 2, offset: 0 });
      } else {
        emitScalar(f, e, ptrOf, o.math, push);
        emitStoreOp(f, dtype);
      }
    },
  };
}
