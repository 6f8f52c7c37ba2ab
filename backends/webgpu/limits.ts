import { GraphgradError } from "../../ir/errors.js";
import type { BufferInfo, Kernel, KernelProgram } from "../../ir/kernel/index.js";
import { formatShape, sizeOf } from "../../ir/shape.js";
import { WEBGPU_ACCURACY } from "./accuracy.js";

/**
 * What the WebGPU backend cannot run, refused before anything runs (at compile when every shape
 * is known, else when the feeds first bind the symbols):
 *
 * - memory: every buffer of a program lives in one storage buffer, at most the device's
 *   `maxStorageBufferBindingSize` and `maxBufferSize` (1 GiB on SwiftShader; WebGPU's default is
 *   128 MiB), and addressed by u32 word indices (at most 2³² words);
 * - index spaces: a kernel's invocations and loops count in u32, so a reduction reads at most
 *   2³² − 1 terms per element (after the closed forms of ir/closed-form.ts);
 * - float32 accumulation: a sum of n terms is within sumUnits(n)·2⁻²⁴·Σ|term| of the reference,
 *   a matmul within k·2⁻²⁴·Σ|a||b|. A float32 running sum stops growing once it is 2²⁴ times its
 *   term (64 partial sums of ones saturate at 2²⁴ each: 2³⁰ in all); where the stated bound
 *   reaches 1 (sums of more than about 2³⁰ terms, matmuls with k >= 2²⁴) the result would carry no
 *   correct digit, and the kernel is refused.
 */

const MAX_WORDS = 2 ** 32 - 1;

export function formatBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${b} bytes`;
}

/** Kernels, those in loop bodies included. */
const allKernels = (ks: readonly Kernel[]): Kernel[] => ks.flatMap((k) => (k.kind === "loop" ? [k, ...allKernels(k.body)] : [k]));

/** The arena's byte limit on a device. */
export function arenaLimit(limits: { readonly maxStorageBufferBindingSize: number; readonly maxBufferSize: number }): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, MAX_WORDS * 4);
}

/** The first reason this program cannot run on a device whose arena holds `limit` bytes, or undefined. */
export function programError(p: KernelProgram, arenaBytes: number, limit: number): GraphgradError | undefined {
  if (arenaBytes > limit) {
    const largest = p.buffers.reduce<BufferInfo | undefined>((a, b) => (a === undefined || b.size > a.size ? b : a), undefined);
    const what = largest === undefined ? "" : `its largest buffer, ${largest.dtype}${formatShape(largest.origin?.shape ?? [largest.size])}, is ${formatBytes(largest.size * 4)}; `;
    return new GraphgradError(largest?.origin?.op ?? "webgpu", `needs ${formatBytes(arenaBytes)} of GPU memory in one storage buffer: ${what}this device's WebGPU limit (maxStorageBufferBindingSize, maxBufferSize) is ${formatBytes(limit)}`);
  }
  for (const k of allKernels(p.kernels)) {
    if (k.kind === "reduce") {
      const terms = sizeOf(k.redShape);
      const op = k.op === "sum" ? "reduceSum" : "reduceMax";
      const where = `${op} of ${k.dtype}${formatShape([...k.outShape, ...k.redShape])} over its last ${k.redShape.length} axes`;
      if (terms > MAX_WORDS || sizeOf(k.outShape) > MAX_WORDS) return new GraphgradError(op, `${where}: WebGPU kernels count in u32; at most 2^32 - 1 terms per element and elements`);
      if (k.op === "sum" && k.dtype === "float32" && WEBGPU_ACCURACY.sumUnits(terms) * 2 ** -24 >= 1) {
        return new GraphgradError(
          op,
          `${where}: WebGPU adds ${terms} float32 terms in 64 partial sums of ${Math.ceil(terms / 64)}; a float32 running sum stops growing at 2^24 times its term (a sum of ones at 2^24 per partial sum, 2^30 in all), and the stated error bound is the whole result: at most 2^30 terms are summed`,
        );
      }
    }
    if (k.kind === "matmul" && k.dtype === "float32" && k.k >= 2 ** 24) {
      return new GraphgradError("matmul", `float32 [${k.m},${k.k}] x [${k.k},${k.n}]: WebGPU accumulates k products in float32, within k·2^-24·Σ|a||b|, which for k >= 2^24 bounds nothing (a float32 sum of ones stops growing at 2^24)`);
    }
  }
  return undefined;
}
