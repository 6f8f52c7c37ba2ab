import { FunctionBuilder, ModuleBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";

/**
 * Engine feature detection. Relaxed SIMD is behind a flag in Node 20: it is switched on (through
 * node:v8, before any module using it is compiled) and then checked by validating a one-function
 * module that uses f32x4.relaxed_madd.
 */
let relaxed: Promise<boolean> | undefined;

export function detectRelaxedSimd(): Promise<boolean> {
  relaxed ??= (async () => {
    const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
    if (isNode) {
      try {
        const v8 = await import("node:v8");
        v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
      } catch {
        // Not available: fall back to plain SIMD.
      }
    }
    const mb = new ModuleBuilder();
    const f = new FunctionBuilder([], []);
    f.f32(1).simd(V.f32x4_splat).f32(2).simd(V.f32x4_splat).f32(3).simd(V.f32x4_splat).simd(V.f32x4_relaxed_madd).op(I.drop);
    mb.addFunction(f);
    return WebAssembly.validate(mb.encode());
  })();
  return relaxed;
}
