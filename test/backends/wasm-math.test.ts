import { describe, expect, it } from "vitest";
import { FunctionBuilder, ModuleBuilder } from "../../backends/wasm/encoder.js";
import { genExp, genExpm1, genTanh, inlineMathMatches } from "../../backends/wasm/math.js";
import { emitExpF64x2, emitExpm1F64x2, emitF32x4, emitTanhF64x2, type Scratch } from "../../backends/wasm/math-simd.js";
import { V } from "../../backends/wasm/opcodes.js";

/**
 * The WASM modules' own exp, expm1 and tanh (fdlibm's algorithms, scalar and SIMD) give the bits
 * of this engine's Math.exp, Math.expm1 and Math.tanh — the JS reference's — on random float32
 * and float64 arguments over every branch, specials included.
 */
describe("wasm's own exp and tanh", () => {
  const N = 1 << 16;
  const build = async () => {
    const mb = new ModuleBuilder();
    mb.setMemory(32, false);
    const exp = mb.addFunction(genExp());
    const expm1 = mb.addFunction(genExpm1());
    const tanh = mb.addFunction(genTanh(expm1));
    type Lanes = (f: FunctionBuilder, x: number, scratch: Scratch) => void;
    const exp2: Lanes = (f, x, scratch) => emitExpF64x2(f, x, exp, scratch);
    const tanh2: Lanes = (f, x, scratch) => emitTanhF64x2(f, x, tanh, scratch);
    const forms: Record<string, (f: FunctionBuilder, v: number, scratch: Scratch) => void> = {
      exp2,
      expm12: (f, x, scratch) => emitExpm1F64x2(f, x, expm1, scratch),
      tanh2,
      exp4: (f, v, scratch) => emitF32x4(f.get(v), scratch, exp2),
      tanh4: (f, v, scratch) => emitF32x4(f.get(v), scratch, tanh2),
    };
    // out[i] = form(in[i]) over `bytes`, 16 at a time (inputs at 0, outputs at 1 MiB), the form inline in the loop.
    for (const [name, form] of Object.entries(forms)) {
      const f = new FunctionBuilder(["i32"], []);
      const [i, v] = [f.local("i32"), f.local("v128")];
      f.forRange(i, 0, { local: 0 }, 16, () => {
        f.get(i).get(i).simdMem(V.v128_load, { align: 2, offset: 0 }).set(v);
        form(f, v, () => f.local("v128"));
        f.simdMem(V.v128_store, { align: 2, offset: 1 << 20 });
      });
      mb.exportFunction(name, mb.addFunction(f));
    }
    for (const [name, fn] of Object.entries({ exp, expm1, tanh })) mb.exportFunction(name, fn);
    const memory = new WebAssembly.Memory({ initial: 32 });
    const { instance } = await WebAssembly.instantiate(mb.encode(), { env: { memory } });
    return { memory, ex: instance.exports as Record<string, (x: number) => number> };
  };
  /** Random f64 arguments: float32 bit patterns, then values over the branches' ranges; specials among them. */
  const args = (): Float64Array => {
    const out = new Float64Array(N);
    const f32 = new Float32Array(1);
    const bits = new Uint32Array(f32.buffer);
    let s = 7;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < N; i++) {
      bits[0] = next();
      const u = next() / 2 ** 32;
      out[i] = i % 3 === 0 ? (f32[0] as number) : i % 3 === 1 ? (u - 0.5) * 2 ** ((next() % 24) - 12) : (u - 0.5) * 1500;
    }
    [0, -0, 1, -1, Infinity, -Infinity, NaN, 709.79, -745.2, 2 ** -30, 2 ** -60, 22, -22, 0.3465735902799726, 1e-310].forEach((v, i) => (out[i * 37] = v));
    // Dense sweeps across the branch points (reduction ranges, expm1's k = -1, 0, 1 (and x < -0.25), 2, 20, 56, tanh's 1 and 22), either sign.
    const ln2 = Math.LN2;
    const points = [0.5 * ln2, 1.5 * ln2, ln2 - 0.25, ln2 + 0.25, 2.5 * ln2, 19.5 * ln2, 20.5 * ln2, 55.5 * ln2, 56.5 * ln2, 1, 22, 0.5, 2 ** -28, 2 ** -54, 708.4];
    let at = 1;
    for (const p of points) {
      for (let j = -300; j < 300; j++, at += 2) {
        const v = p * (1 + j * 2 ** -22);
        out[at] = v;
        out[at + 1] = -v;
      }
    }
    return out;
  };

  it("scalar and two-lane float64 forms: the same bits as Math.exp, Math.expm1, Math.tanh", async () => {
    const { memory, ex } = await build();
    const input = new Float64Array(memory.buffer, 0, N);
    const output = new Float64Array(memory.buffer, 1 << 20, N);
    input.set(args());
    for (const [name, ref] of [["exp", Math.exp], ["expm1", Math.expm1], ["tanh", Math.tanh]] as const) {
      const scalar = ex[name] as (x: number) => number;
      expect(input.findIndex((x) => !Object.is(scalar(x), ref(x))), `${name}: first argument unlike Math.${name}`).toBe(-1);
      (ex[`${name === "expm1" ? "expm1" : name}2`] as (bytes: number) => void)(N * 8);
      expect(input.findIndex((x, i) => !Object.is(output[i], ref(x))), `${name} on f64x2 lanes`).toBe(-1);
    }
  });

  it("four-lane float32 forms: Math.exp / Math.tanh rounded to float32", async () => {
    const { memory, ex } = await build();
    const input = new Float32Array(memory.buffer, 0, N);
    const output = new Float32Array(memory.buffer, 1 << 20, N);
    input.set(args());
    for (const [name, ref] of [["exp4", Math.exp], ["tanh4", Math.tanh]] as const) {
      (ex[name] as (bytes: number) => void)(N * 4);
      expect(input.findIndex((x, i) => !Object.is(output[i], Math.fround(ref(x)))), `${name}: first argument unlike the reference`).toBe(-1);
    }
  });

  it("this engine's Math functions are the ones the modules compute (so the backend uses them)", async () => {
    expect(await inlineMathMatches()).toBe(true);
  });
});
