import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { FunctionBuilder, ModuleBuilder } from "../backends/wasm/encoder.js";
import { detectRelaxedSimd } from "../backends/wasm/features.js";
import { V } from "../backends/wasm/opcodes.js";

/**
 * The SIMD128 ceiling of one core, measured the way the issue states it: a WebAssembly loop (built
 * with graphgrad's own encoder) of 12 independent f32x4 accumulator chains and no memory traffic,
 * either `acc = relaxed_madd(acc, x, y)` (fused multiply-add, 8 flops per instruction) or
 * `acc = acc·x + y` as a separate f32x4.mul and f32x4.add (8 flops per pair). Twelve chains hide
 * the instructions' latency, so the loop runs at the core's SIMD throughput. Best of several runs.
 */

export interface Ceiling {
  /** GFLOP/s with separate multiply and add. */
  readonly mulAdd: number;
  /** GFLOP/s with relaxed-SIMD fused multiply-add, or undefined where the engine lacks it. */
  readonly fma: number | undefined;
  /**
   * The same fused loop on `threads` threads at once (one per core), in all: what the cores give
   * together, which may be less than threads × fma (cores sharing a physical core or its clock).
   */
  readonly fmaAllCores?: { readonly threads: number; readonly gflops: number };
  readonly method: string;
}

export const CHAINS = 12;

export function peakModule(fused: boolean): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  const f = new FunctionBuilder(["i32"], ["f32"]);
  const i = f.local("i32");
  const x = f.local("v128");
  const y = f.local("v128");
  const acc = Array.from({ length: CHAINS }, () => f.local("v128"));
  // x slightly below 1 keeps every chain bounded (acc -> y / (1 - x)), far from overflow and denormals.
  f.f32(0.999).simd(V.f32x4_splat).set(x);
  f.f32(0.001).simd(V.f32x4_splat).set(y);
  acc.forEach((a, k) => f.f32(k).simd(V.f32x4_splat).set(a));
  f.forRange(i, 0, { local: 0 }, 1, () => {
    for (const a of acc) {
      // relaxed_madd(a, b, c) = a·b + c
      if (fused) f.get(a).get(x).get(y).simd(V.f32x4_relaxed_madd).set(a);
      else f.get(a).get(x).simd(V.f32x4_mul).get(y).simd(V.f32x4_add).set(a);
    }
  });
  // Return one lane of the sum, so no chain is dead code.
  f.get(acc[0] as number);
  for (const a of acc.slice(1)) f.get(a).simd(V.f32x4_add);
  f.simd(V.f32x4_extract_lane).op(0);
  mb.exportFunction("peak", mb.addFunction(f));
  return mb.encode();
}

async function gflops(fused: boolean): Promise<number> {
  const { instance } = await WebAssembly.instantiate(peakModule(fused), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  const peak = instance.exports["peak"] as (iterations: number) => number;
  const flopsPerIteration = CHAINS * 8;
  peak(1_000_000); // tier-up
  let best = 0;
  for (let run = 0; run < 5; run++) {
    const iterations = 20_000_000;
    const start = performance.now();
    const sink = peak(iterations);
    const seconds = (performance.now() - start) / 1000;
    if (!Number.isFinite(sink)) throw new Error("ceiling: the peak loop diverged");
    best = Math.max(best, (iterations * flopsPerIteration) / seconds / 1e9);
  }
  return best;
}

/** A worker: instantiates the loop, warms it up, says it is ready, waits for the start, runs and reports its seconds. */
const CONCURRENT_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { instance } = await WebAssembly.instantiate(workerData.bytes, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  const peak = instance.exports.peak;
  peak(1000000);
  const flags = new Int32Array(workerData.flags);
  Atomics.add(flags, 1, 1);
  Atomics.notify(flags, 1);
  Atomics.wait(flags, 0, 0);
  const start = performance.now();
  const sink = peak(workerData.iterations);
  parentPort.postMessage({ seconds: (performance.now() - start) / 1000, sink });
})();`;

/** The fused loop on `threads` workers started together: total GFLOP/s over the slowest one's time. */
export async function concurrentGflops(threads: number, iterations: number): Promise<number> {
  const bytes = peakModule(true);
  const flags = new SharedArrayBuffer(8);
  const shared = new Int32Array(flags);
  const workers = Array.from({ length: threads }, () => new Worker(CONCURRENT_WORKER, { eval: true, workerData: { bytes, flags, iterations } }));
  try {
    const done = workers.map((w) => new Promise<{ seconds: number; sink: number }>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    }));
    // Start them together once all are warm.
    while (Atomics.load(shared, 1) < threads) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(shared, 0, 1);
    Atomics.notify(shared, 0);
    const results = await Promise.all(done);
    if (!results.every((r) => Number.isFinite(r.sink))) throw new Error("ceiling: the peak loop diverged");
    return (threads * iterations * CHAINS * 8) / Math.max(...results.map((r) => r.seconds)) / 1e9;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function measureCeiling(options: { iterations?: number; threads?: number } = {}): Promise<Ceiling> {
  const mulAdd = await gflops(false);
  const hasFma = await detectRelaxedSimd();
  const fma = hasFma ? await gflops(true) : undefined;
  const threads = options.threads ?? Math.min(8, availableParallelism());
  let together = 0;
  if (hasFma && threads > 1) for (let run = 0; run < 3; run++) together = Math.max(together, await concurrentGflops(threads, options.iterations ?? 20_000_000));
  return {
    mulAdd,
    fma,
    ...(together > 0 ? { fmaAllCores: { threads, gflops: together } } : {}),
    method: `one thread, a wasm loop of ${CHAINS} independent f32x4 chains without memory traffic (f32x4.mul + f32x4.add, and f32x4.relaxed_madd), best of 5 runs of 2·10⁷ iterations; all cores: the fused loop on one worker thread per core started together, best of 3`,
  };
}
