import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import type { BufferInfo, Kernel, KernelProgram } from "../../ir/kernel/index.js";
import { formatShape } from "../../ir/shape.js";

/**
 * What the WebAssembly backend cannot run, refused before anything runs (at compile when every
 * shape is known, else when the feeds first bind the symbols):
 *
 * - memory: a module addresses one 32-bit memory, at most 65536 pages of 64 KiB (4 GiB), and a
 *   shared memory (threads) at most 2 GiB here; the program's buffers must fit in it. Addresses
 *   are i32 values read as unsigned, so every address below 4 GiB is exact; loop counters are
 *   compared signed and kept below 2³¹ (`coalesce`, `forRange` throw rather than wrap).
 * - float32 matmul accumulation: products accumulate in float32, within 4·k·2⁻²⁴·Σ|a||b| of the
 *   reference; from k = 2²² on that bound is the whole of Σ|a||b| (a float32 running sum of ones
 *   stops growing at 2²⁴), so such a product is refused rather than returned without a correct digit.
 */

/** 64 KiB pages of a memory: unshared (one thread) and shared (threads). */
export const MAX_PAGES = 65536;
export const MAX_SHARED_PAGES = 32768;

/** The smallest k whose float32 matmul error bound, 4·k·2⁻²⁴, reaches 1. */
export const MAX_F32_MATMUL_K = 2 ** 22;

const GIB = 2 ** 30;

export function formatBytes(b: number): string {
  return b >= GIB ? `${(b / GIB).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b} bytes`;
}

/** The error for a program needing `bytes` of memory where `limit` bytes are allowed, naming its largest buffer. */
export function memoryError(p: KernelProgram, bytesPerElement: (d: DType) => number, bytes: number, limit: number, shared: boolean): GraphgradError {
  const largest = p.buffers.reduce<BufferInfo | undefined>((a, b) => (a === undefined || b.size * bytesPerElement(b.dtype) > a.size * bytesPerElement(a.dtype) ? b : a), undefined);
  const what = largest === undefined ? "" : `its largest buffer, ${largest.dtype}${formatShape(largest.origin?.shape ?? [largest.size])}, is ${formatBytes(largest.size * bytesPerElement(largest.dtype))}; `;
  const where = largest?.origin?.op ?? "wasm";
  const cap = shared ? `${formatBytes(limit)} (a memory shared by threads; one thread: ${formatBytes(MAX_PAGES * 65536)})` : formatBytes(limit);
  return new GraphgradError(where, `needs ${formatBytes(bytes)} of WebAssembly memory: ${what}the wasm backend's memory holds at most ${cap}`);
}

/** Kernels, those in loop bodies included. */
const allKernels = (ks: readonly Kernel[]): Kernel[] => ks.flatMap((k) => (k.kind === "loop" ? [k, ...allKernels(k.body)] : [k]));

/** A float32 matmul whose stated error bound reaches the size of its result, refused. */
export function accumulationError(p: KernelProgram): GraphgradError | undefined {
  for (const k of allKernels(p.kernels)) {
    if (k.kind === "matmul" && k.dtype === "float32" && k.k >= MAX_F32_MATMUL_K) {
      return new GraphgradError(
        "matmul",
        `float32 [${k.m},${k.k}] x [${k.k},${k.n}]: the wasm backend accumulates float32 products within 4·k·2^-24·Σ|a||b|, which for k >= 2^22 bounds nothing (a float32 sum of ones stops growing at 2^24); use float64`,
      );
    }
  }
  return undefined;
}
