import type { DType } from "../dtype.js";
import { type Access, exprLoads, hasIndex, type Kernel, type KernelProgram, kernelReads, kernelWrites, mapLoads, type ScalarExpr } from "./program.js";

/**
 * Matmul epilogues: a map kernel that is the only reader of a 2-D matmul's product, reads it
 * element for element, and writes a whole [m, n] buffer, is folded into the matmul's store — when
 * every other operand it reads is ready before the matmul runs and the backend accepts the
 * expression (a bias add, an activation).
 */
export function fuseEpilogues(p: KernelProgram, accept: (expr: ScalarExpr, dtype: DType) => boolean): KernelProgram {
  const kernels: (Kernel | undefined)[] = [...p.kernels];
  const outputBuffers = new Set(Object.values(p.outputs).map((o) => o.buffer));
  // Per buffer: the last kernel writing it, and how many do.
  const lastWriter = new Map<number, number>();
  const writers = new Map<number, number>();
  kernels.forEach((k, i) => {
    if (k === undefined) return;
    for (const w of kernelWrites(k)) {
      lastWriter.set(w, i);
      writers.set(w, (writers.get(w) ?? 0) + 1);
    }
  });
  const tryFuse = (mm: Kernel | undefined, ki: number): boolean => {
    if (mm === undefined || mm.kind !== "matmul" || mm.aOffsets.length !== 1 || outputBuffers.has(mm.out)) return false;
    const readers = kernels.flatMap((k, i) => (k !== undefined && kernelReads(k).includes(mm.out) ? [i] : []));
    const ri = readers[0];
    if (readers.length !== 1 || ri === undefined) return false;
    const map = kernels[ri];
    if (map === undefined || map.kind !== "map" || map.shape.length !== 2 || map.shape[0] !== mm.m || map.shape[1] !== mm.n) return false;
    if (map.out.offset !== 0 || map.out.strides[0] !== mm.n || map.out.strides[1] !== 1 || writers.get(map.out.buffer) !== 1) return false;
    const identity = (a: Access): boolean => a.buffer !== mm.out || (a.offset === 0 && a.strides[0] === mm.n && a.strides[1] === 1);
    const loads = exprLoads(map.expr);
    // An index is placed over the map's space; the micro-kernels address only loads.
    if (!loads.every(identity) || hasIndex(map.expr)) return false;
    const ready = loads.every((a) => a.buffer === mm.out || (lastWriter.get(a.buffer) ?? -1) < ki);
    // An existing epilogue composes: the map's reads of the product become that epilogue.
    const inner: ScalarExpr = mm.epilogue ?? { kind: "acc", dtype: mm.dtype };
    const expr = mapLoads(map.expr, (load) => (load.access.buffer === mm.out ? inner : load));
    if (!ready || !accept(expr, map.dtype)) return false;
    kernels[ki] = { ...mm, out: map.out.buffer, epilogue: expr, outDtype: map.dtype };
    kernels[ri] = undefined;
    return true;
  };
  for (let ki = 0; ki < kernels.length; ki++) {
    while (tryFuse(kernels[ki], ki)) {
      // Fold the next reader in too (e.g. bias add, then the activation).
    }
  }
  return { ...p, kernels: kernels.filter((k): k is Kernel => k !== undefined) };
}
