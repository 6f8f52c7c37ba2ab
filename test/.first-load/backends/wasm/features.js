import { FunctionBuilder, ModuleBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";
let relaxed;
function detectRelaxedSimd() {
  relaxed ??= (async () => {
    const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
    if (isNode) {
      try {
        const v8 = await import("node:v8");
        v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
      } catch {
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
export {
  detectRelaxedSimd
};
