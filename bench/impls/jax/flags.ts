import v8 from "node:v8";

/**
 * jax-js emits relaxed-SIMD fused multiply-adds (f32x4.relaxed_madd) in its matmul kernels when
 * the engine validates them; Node 20's V8 has them behind a flag. Set before jax-js compiles
 * anything (this module is imported first), and probe with the same instruction jax-js probes.
 */
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const RELAXED_MADD_PROBE = "0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b";

export function hasRelaxedMadd(): boolean {
  const bytes = Uint8Array.from(RELAXED_MADD_PROBE.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  return WebAssembly.validate(bytes);
}
