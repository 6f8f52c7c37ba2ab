import { describe, expect, it } from "vitest";
import { FunctionBuilder, ModuleBuilder } from "../../backends/wasm/encoder.js";
import { genExp, genExpm1, genTanh, inlineMathMatches } from "../../backends/wasm/math.js";
import { emitExp32, emitTanh32 } from "../../backends/wasm/math-f32x4.js";
import { V } from "../../backends/wasm/opcodes.js";
import { EXP32, exp32, TANH32, tanh32 } from "../../ir/ops/float32-math.js";

/** Equal values, NaN equal to NaN (its sign and payload are not specified). */
const sameFloat = (a: number, b: number): boolean => Object.is(a, b) || (a !== a && b !== b);

/**
 * The WASM modules' own float64 exp, expm1 and tanh (fdlibm's algorithms) give the bits of this
 * engine's Math.exp, Math.expm1 and Math.tanh — the JS reference's — and the inline f32x4 forms
 * of float32 exp and tanh give exp32's and tanh32's (ir/ops/float32-math.ts), on random float32
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
    // out[i] = form(in[i]) over `bytes`, 16 at a time (inputs at 0, outputs at 1 MiB), the form inline in the loop.
    for (const [name, form] of Object.entries({ exp4: emitExp32, tanh4: emitTanh32 })) {
      const f = new FunctionBuilder(["i32"], []);
      const i = f.local("i32");
      f.forRange(i, 0, { local: 0 }, 16, () => {
        f.get(i).get(i).simdMem(V.v128_load, { align: 2, offset: 0 });
        form(f, () => f.local("v128"));
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

  it("float64: the same bits as Math.exp, Math.expm1, Math.tanh", async () => {
    const { ex } = await build();
    for (const [name, ref] of [["exp", Math.exp], ["expm1", Math.expm1], ["tanh", Math.tanh]] as const) {
      const scalar = ex[name] as (x: number) => number;
      expect(args().findIndex((x) => !Object.is(scalar(x), ref(x))), `${name}: first argument unlike Math.${name}`).toBe(-1);
    }
  });

  it("float32 on f32x4 lanes: the same bits as exp32 and tanh32", async () => {
    const { memory, ex } = await build();
    const input = new Float32Array(memory.buffer, 0, N);
    const output = new Float32Array(memory.buffer, 1 << 20, N);
    input.set(args());
    // Every float32 around exp's overflow and underflow thresholds and tanh's branch points.
    const edges = [EXP32.overflow, EXP32.underflow, -87.33655, TANH32.split, TANH32.tiny, 9.1].flatMap((e) => [e, -e]);
    const bits = new Int32Array(input.buffer, 0, N);
    edges.forEach((e, j) => {
      const at = 60000 + j * 80;
      input[at] = e;
      for (let d = 1; d < 80; d++) bits[at + d] = (bits[at] as number) + d - 40;
    });
    for (const [name, ref] of [["exp4", exp32], ["tanh4", tanh32]] as const) {
      (ex[name] as (bytes: number) => void)(N * 4);
      expect(input.findIndex((x, i) => !sameFloat(output[i] as number, ref(x))), `${name}: first argument unlike the reference`).toBe(-1);
    }
  });

  it("this engine's Math functions are the ones the modules compute (so the backend uses them)", async () => {
    expect(await inlineMathMatches()).toBe(true);
  });
});
