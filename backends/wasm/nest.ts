import type { FunctionBuilder } from "./encoder.js";
import { I } from "./opcodes.js";

/**
 * Loop nests over an iteration space with one running byte pointer per access: level L keeps its
 * own pointer locals, copied from the level above and advanced by that level's stride after each
 * iteration, so the innermost body addresses every operand with a single local.get.
 */

/** The longest loop: an i32 counter compared signed, stepping by up to 4 (SIMD lanes), never wraps. */
export const MAX_LOOP = 2 ** 31 - 4;

/**
 * Byte strides of each access over a space, with the space; axes of size 1 dropped and mergeable
 * axes merged, unless the merged loop would be longer than MAX_LOOP (axes along which nothing
 * moves merge at any length, and 46341² > 2³¹).
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  let dims = keep.map((i) => shape[i] as number);
  let st = strides.map((s) => keep.map((i) => s[i] as number));
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1] as number;
    if ((dims[a] as number) * inner <= MAX_LOOP && st.every((s) => s[a] === (s[a + 1] as number) * inner)) {
      dims = [...dims.slice(0, a), (dims[a] as number) * inner, ...dims.slice(a + 2)];
      st = st.map((s) => [...s.slice(0, a), s[a + 1] as number, ...s.slice(a + 2)]);
    }
  }
  return { shape: dims, strides: st };
}

/**
 * Emits nested loops over `dims` (byte strides per access and axis); `body` runs at the innermost
 * point with the pointer locals. `start` are locals holding the accesses' starting addresses.
 */
export function emitNest(f: FunctionBuilder, dims: readonly number[], strides: readonly (readonly number[])[], start: readonly number[], body: (ptrs: readonly number[]) => void): void {
  if (dims.length === 0) {
    body(start);
    return;
  }
  const n = dims[0] as number;
  const ptrs = start.map(() => f.local("i32"));
  ptrs.forEach((p, k) => f.get(start[k] as number).set(p));
  const i = f.local("i32");
  f.forRange(i, 0, n, 1, () => {
    emitNest(
      f,
      dims.slice(1),
      strides.map((s) => s.slice(1)),
      ptrs,
      body,
    );
    ptrs.forEach((p, k) => {
      const s = (strides[k] as readonly number[])[0] as number;
      if (s !== 0) f.get(p).i32(s).op(I.i32_add).set(p);
    });
  });
}

/** Locals holding constant start addresses. */
export function startLocals(f: FunctionBuilder, addresses: readonly number[]): number[] {
  return addresses.map((a) => {
    const l = f.local("i32");
    f.i32(a).set(l);
    return l;
  });
}
