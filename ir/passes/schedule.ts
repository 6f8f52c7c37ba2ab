import type { DType } from "../dtype.js";
import { kernelReads, kernelWrites, type KernelProgram } from "../kernel.js";

/**
 * The buffer plan: a byte offset for every buffer of a kernel program in one arena, buffers whose
 * lifetimes do not overlap sharing space. A buffer lives from the first kernel that writes it
 * (inputs and constants: from the start) to the last kernel that reads or writes it (outputs and
 * constants: to the end). Offsets are first-fit over the arena's free gaps, aligned to 16 bytes
 * (so SIMD loads of any buffer are aligned).
 */
export interface BufferPlan {
  readonly offsets: readonly number[];
  /** The arena size: peak memory of the program's buffers, in bytes. */
  readonly bytes: number;
  /** The bytes the buffers would need without reuse (to report the saving). */
  readonly unplannedBytes: number;
}

const ALIGN = 16;

export function planBuffers(p: KernelProgram, bytesPerElement: (d: DType) => number): BufferPlan {
  const n = p.buffers.length;
  const end = p.kernels.length;
  const first = new Array<number>(n).fill(Infinity);
  const last = new Array<number>(n).fill(-1);
  for (const b of p.buffers) {
    if (b.role !== "temp") {
      first[b.id] = -1;
      last[b.id] = Math.max(last[b.id] as number, -1);
    }
    if (b.role === "const" || b.role === "input") last[b.id] = end;
  }
  p.kernels.forEach((k, i) => {
    const w = kernelWrites(k);
    first[w] = Math.min(first[w] as number, i);
    last[w] = Math.max(last[w] as number, i);
    for (const r of kernelReads(k)) last[r] = Math.max(last[r] as number, i);
  });
  for (const o of Object.values(p.outputs)) last[o.buffer] = end;

  const sizeOf = (id: number): number => {
    const b = p.buffers[id];
    if (b === undefined) return 0;
    return Math.ceil((b.size * bytesPerElement(b.dtype)) / ALIGN) * ALIGN;
  };
  const order = p.buffers.map((b) => b.id).filter((id) => (first[id] as number) !== Infinity);
  order.sort((a, b) => (first[a] as number) - (first[b] as number) || sizeOf(b) - sizeOf(a));

  const offsets = new Array<number>(n).fill(0);
  const live: { id: number; offset: number; size: number }[] = [];
  let bytes = 0;
  for (const id of order) {
    const start = first[id] as number;
    // Free what died before this buffer is born.
    for (let i = live.length - 1; i >= 0; i--) {
      if ((last[(live[i] as { id: number }).id] as number) < start) live.splice(i, 1);
    }
    live.sort((a, b) => a.offset - b.offset);
    const size = Math.max(sizeOf(id), ALIGN);
    let at = 0;
    for (const l of live) {
      if (l.offset - at >= size) break;
      at = Math.max(at, l.offset + l.size);
    }
    offsets[id] = at;
    live.push({ id, offset: at, size });
    bytes = Math.max(bytes, at + size);
  }
  const unplannedBytes = p.buffers.reduce((acc, b) => acc + Math.max(sizeOf(b.id), ALIGN), 0);
  return { offsets, bytes, unplannedBytes };
}
