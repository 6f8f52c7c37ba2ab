import type { DType } from "../dtype.js";
import { type Access, checkKernels, exprLoads, type Kernel, kernelReads, kernelWrites, type KernelProgram } from "./program.js";

/**
 * The buffer plan: a byte offset for every buffer of a kernel program in one arena, buffers whose
 * lifetimes do not overlap sharing space. A buffer lives from the first kernel that writes it
 * (inputs and constants: from the start) to the last kernel that reads or writes it (outputs and
 * constants: to the end). Offsets are first-fit over the arena's free gaps, aligned to 16 bytes
 * (so SIMD loads of any buffer are aligned).
 */
export interface BufferPlan {
  readonly offsets: readonly number[];
  /** The aliases applied: each output computed in its input's memory (see `planBuffers`). */
  readonly aliased: readonly BufferAlias[];
  /** The arena size: peak memory of the program's buffers, in bytes. */
  readonly bytes: number;
  /** The bytes the buffers would need without reuse (to report the saving). */
  readonly unplannedBytes: number;
}

const ALIGN = 16;

/** An output to compute in the memory of an input (a value fed back as that input next run). */
export interface BufferAlias {
  readonly output: string;
  readonly input: string;
}

/**
 * Plans the arena. `aliases` asks for outputs to be placed over inputs (a train step's new
 * parameters over the old ones), so the next run finds its input already in place. An alias is
 * applied only where it cannot change a result: the output is written by a kernel, sizes match,
 * the input is not itself an output, no kernel reads the input after the output's first write,
 * and the writing kernel itself reads
 * the input only elementwise at the very element it writes (an in-place map).
 */
export function planBuffers(p: KernelProgram, bytesPerElement: (d: DType) => number, aliases: readonly BufferAlias[] = []): BufferPlan {
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
    for (const w of kernelWrites(k)) {
      first[w] = Math.min(first[w] as number, i);
      last[w] = Math.max(last[w] as number, i);
    }
    for (const r of kernelReads(k)) last[r] = Math.max(last[r] as number, i);
  });
  for (const o of Object.values(p.outputs)) last[o.buffer] = end;
  // A check's status words are zeroed before the run and read after it: they live throughout.
  for (const k of checkKernels(p.kernels)) {
    first[k.status] = -1;
    last[k.status] = end;
  }

  const over = new Map<number, number>(); // output buffer -> input buffer whose memory it takes
  const aliased: BufferAlias[] = [];
  for (const a of aliases) {
    const o = p.outputs[a.output]?.buffer;
    const i = p.buffers.find((b) => b.role === "input" && b.name === a.input)?.id;
    if (o === undefined || i === undefined || over.has(o) || [...over.values()].includes(i)) continue;
    if (canAlias(p, o, i, first[o] as number, bytesPerElement)) {
      over.set(o, i);
      aliased.push(a);
    }
  }

  const sizeOf = (id: number): number => {
    const b = p.buffers[id];
    if (b === undefined) return 0;
    return Math.ceil((b.size * bytesPerElement(b.dtype)) / ALIGN) * ALIGN;
  };
  const order = p.buffers.map((b) => b.id).filter((id) => (first[id] as number) !== Infinity && !over.has(id));
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
  for (const [o, i] of over) offsets[o] = offsets[i] as number;
  const unplannedBytes = p.buffers.reduce((acc, b) => acc + Math.max(sizeOf(b.id), ALIGN), 0);
  return { offsets, aliased, bytes, unplannedBytes };
}

/** Whether output buffer `o` may take input buffer `i`'s memory (see `planBuffers`). */
function canAlias(p: KernelProgram, o: number, i: number, firstWrite: number, bytesPerElement: (d: DType) => number): boolean {
  const ob = p.buffers[o];
  const ib = p.buffers[i];
  if (ob === undefined || ib === undefined || ob.role !== "temp" || firstWrite === Infinity) return false;
  if (ob.size !== ib.size || bytesPerElement(ob.dtype) !== bytesPerElement(ib.dtype)) return false;
  // An input that is itself an output must keep its value to the end.
  if (Object.values(p.outputs).some((x) => x.buffer === i)) return false;
  for (let j = firstWrite + 1; j < p.kernels.length; j++) if (kernelReads(p.kernels[j] as Kernel).includes(i)) return false;
  const writer = p.kernels[firstWrite] as Kernel;
  if (!kernelReads(writer).includes(i)) return true;
  if (writer.kind !== "map") return false;
  const same = (a: Access): boolean => a.offset === writer.out.offset && a.strides.length === writer.out.strides.length && a.strides.every((s, k) => s === writer.out.strides[k]);
  return exprLoads(writer.expr).every((a) => a.buffer !== i || same(a));
}
