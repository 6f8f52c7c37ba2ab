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

export async function measureCeiling(): Promise<Ceiling> {
  const mulAdd = await gflops(false);
  const fma = (await detectRelaxedSimd()) ? await gflops(true) : undefined;
  return {
    mulAdd,
    fma,
    method: `one thread, a wasm loop of ${CHAINS} independent f32x4 chains without memory traffic (f32x4.mul + f32x4.add, and f32x4.relaxed_madd), best of 5 runs of 2·10⁷ iterations`,
  };
}
