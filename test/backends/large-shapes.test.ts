import { describe, expect, it } from "vitest";
import type { Backend } from "../../backends/backend.js";
import { js } from "../../backends/js/index.js";
import { wasm } from "../../backends/wasm/index.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { WEBGPU_ACCURACY } from "../../backends/webgpu/index.js";
import { sharedWebGpu, webGpuSkipped } from "./webgpu-setup.js";

/**
 * Shapes of 2³¹ elements and more, on every backend (the WASM backend on one and two threads):
 * each result is its closed form (within 1e-6 relative; int32 sums modulo 2³²) or a GraphgradError
 * raised before anything runs, naming the op, the shape and the backend's limit. No test
 * allocates a large tensor: sums of splats and broadcasts are computed in closed form (ir/closed-form.ts).
 */

const BACKENDS: readonly (readonly [string, () => Promise<Backend>])[] = (() => {
  const one = wasm({ threads: 1 });
  const two = wasm({ threads: 2 });
  return [
    ["js", async () => js()],
    ["wasm (1 thread)", async () => one],
    ["wasm (2 threads)", async () => two],
    ...(webGpuSkipped() ? [] : [["webgpu", sharedWebGpu] as const]),
  ] as const;
})();

type Passes = "default passes" | "no passes";

async function runOn(backend: Backend, passes: Passes, outputs: Record<string, gg.Expr>, feeds: gg.Feeds = {}): Promise<Record<string, Tensor>> {
  const exe = await gg.compile({ outputs }, { backend, ...(passes === "no passes" ? { passes: [] } : {}) });
  return exe.run(feeds);
}

function expectClose(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-6 * Math.abs(want));
}

/** int32 arithmetic wraps modulo 2³². */
const wrap = (n: number): number => Number(BigInt.asIntN(32, BigInt(n)));

const BOUNDARY_SHAPES: readonly (readonly number[])[] = [
  [2 ** 31 - 1],
  [2 ** 16, 2 ** 15], // 2³¹
  [46341, 46341], // 46341² = 2³¹ + 4633
  [2 ** 16, 2 ** 16], // 2³²
  [2 ** 32 + 5],
];

describe.each(BACKENDS)("shapes past 2^31 on %s", (name, backendOf) => {
  for (const passes of ["default passes", "no passes"] as const) {
    it(`sum, mean and max of ones at 2^31 - 1, 2^31, 46341², 2^32 and 2^32 + 5 elements are their closed forms (${passes})`, async () => {
      const backend = await backendOf();
      for (const shape of BOUNDARY_SHAPES) {
        const count = shape.reduce((a, b) => a * b, 1);
        const f = gg.ones(shape);
        const i = gg.fill(shape, 3, "int32");
        const out = await runOn(backend, passes, { sum: gg.sum(f), mean: gg.mean(f), max: gg.max(f), isum: gg.sum(i), rows: gg.sum(f, 0) });
        const what = `${name} ${JSON.stringify(shape)}`;
        expectClose(out["sum"]!.item(), count, `${what} sum`);
        expectClose(out["mean"]!.item(), 1, `${what} mean`);
        expect(out["max"]!.item(), `${what} max`).toBe(1);
        expect(out["isum"]!.item(), `${what} int32 sum`).toBe(wrap(3 * count));
        const rows = out["rows"]!;
        expect(rows.size).toBe(count / (shape[0] as number));
        const worst = Array.from(rows.data as ArrayLike<number>).reduce((a, v) => Math.max(a, Math.abs(v - (shape[0] as number))), 0);
        expect(worst, `${what} sum over axis 0`).toBeLessThanOrEqual(1e-6 * (shape[0] as number));
      }
    });

    it(`a sum over a broadcast of a fed tensor is count times its sum, along any axes (${passes})`, async () => {
      const backend = await backendOf();
      const x = gg.input("x", [3]);
      const wide = gg.broadcastTo(x, [1e9, 3]); // 3·10⁹ elements
      const out = await runOn(backend, passes, { all: gg.sum(wide), cols: gg.sum(wide, 0), max: gg.max(wide), colMax: gg.max(wide, 0), mean: gg.mean(wide) }, { x: [1, 2, -0.5] });
      expectClose(out["all"]!.item(), 2.5e9, `${name} sum`);
      [1e9, 2e9, -0.5e9].forEach((v, k) => expectClose(out["cols"]!.data[k] as number, v, `${name} column ${k}`));
      expect(out["max"]!.item()).toBe(2);
      expect(Array.from(out["colMax"]!.data)).toEqual([1, 2, -0.5]);
      expectClose(out["mean"]!.item(), 2.5 / 3, `${name} mean`);
    });
  }

  it("products of symbolic dimensions fed at run time: closed forms at 46341² and 2^32 elements", async () => {
    const backend = await backendOf();
    const x = gg.input("x", [null]);
    const z = gg.input("z", [null]); // only binds ?z.0
    const shape = ["?z.0", "?x.0"];
    const exe = await gg.compile(
      { outputs: { b: gg.sum(gg.broadcastTo(x, shape)), ones: gg.sum(gg.fill(shape, 1)), ints: gg.sum(gg.fill(shape, 1, "int32")), zsum: gg.sum(z) } },
      { backend },
    );
    for (const n of [46341, 2 ** 16]) {
      const out = await exe.run({ x: new Float32Array(n).fill(0.5), z: new Float32Array(n) });
      // n copies of Σx: WebGPU sums the n terms of x in float32, within its stated bound.
      const tolerance = name === "webgpu" ? WEBGPU_ACCURACY.sumUnits(n) * 2 ** -24 : 1e-6;
      expect(Math.abs(out["b"]!.item() - n * n * 0.5), `${name} n=${n} broadcast`).toBeLessThanOrEqual(tolerance * n * n * 0.5);
      expectClose(out["ones"]!.item(), n * n, `${name} n=${n} fill`);
      expect(out["ints"]!.item(), `${name} n=${n} int32`).toBe(wrap(n * n));
    }
  });

  it("a product or map that must hold more than the backend can is refused before it runs, naming the op, the shape and the limit", async () => {
    const backend = await backendOf();
    const limit = name === "js" ? /2\^31 - 1 elements/ : name === "webgpu" ? /WebGPU limit .* is \d/ : name.includes("2 threads") ? /at most 2\.00 GiB/ : /at most 4\.00 GiB/;
    // Known shapes: refused by compile (the operands of 2³¹ ones must be stored for the product).
    const product = gg.matmul(gg.ones([1, 2 ** 31]), gg.ones([2 ** 31, 1]));
    const refused = await gg.compile({ outputs: { p: product } }, { backend, passes: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GraphgradError);
    expect((refused as Error).message).toMatch(/^(fill|matmul): .*float32\[1,2147483648\]/);
    expect((refused as Error).message).toMatch(limit);
    // ... and the same in closed form once folded: k·1·1.
    expectClose((await runOn(backend, "default passes", { p: gg.matmul(gg.ones([1, 2 ** 31]), gg.ones([2 ** 31, 1])) }))["p"]!.item(), 2 ** 31, `${name} folded matmul`);
    // Symbolic shapes: refused by the first run with these feeds, naming the op that needs the memory.
    const a = gg.input("a", [null, 1]);
    const b = gg.input("b", [1, null]);
    const exe = await gg.compile({ outputs: { outer: gg.matmul(a, b), map: gg.add(a, b) } }, { backend });
    const feeds = { a: gg.tensorFrom(new Float32Array(60000), "float32", [60000, 1]), b: gg.tensorFrom(new Float32Array(50000), "float32", [1, 50000]) };
    const error = await exe.run(feeds).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphgradError);
    expect((error as Error).message).toMatch(/^(matmul|add): /);
    expect((error as Error).message).toMatch(/float32\[60000,50000\]/);
    expect((error as Error).message).toMatch(limit);
    // Small feeds still run on the same executable.
    const small = await exe.run({ a: gg.tensorFrom([[2]], "float32"), b: gg.tensorFrom([[3, 4]], "float32") });
    expect(Array.from(small["outer"]!.data)).toEqual([6, 8]);
  });
});

describe("float32 accumulation limits", () => {
  it.skipIf(webGpuSkipped())("webgpu refuses a float32 sum of more than 2^30 terms (64 partial sums of ones saturate at 2^24 each) and says so; int32 and closed forms are not refused", async () => {
    const backend = await sharedWebGpu();
    const x = gg.input("x", [40000]);
    const y = gg.input("y", [40000]);
    // 1.6·10⁹ terms, each read from two small vectors: no closed form.
    const outer = gg.sum(gg.mul(gg.reshape(x, [40000, 1]), gg.reshape(y, [1, 40000])));
    await expect(gg.compile({ outputs: { s: outer } }, { backend })).rejects.toThrow(/^reduceSum: .*float32\[40000,40000\].* 1600000000 float32 terms .*2\^24.*2\^30/);
    const ints = gg.sum(gg.mul(gg.reshape(gg.cast(x, "int32"), [40000, 1]), gg.reshape(gg.cast(y, "int32"), [1, 40000])));
    await expect(gg.compile({ outputs: { s: ints } }, { backend })).resolves.toBeDefined();
  });

  it("float32 matmuls whose stated error bound reaches 100% are refused: webgpu from k = 2^24, wasm from k = 2^22", async () => {
    if (!webGpuSkipped()) {
      const k24 = gg.matmul(gg.input("a", [1, 2 ** 24]), gg.input("b", [2 ** 24, 1]));
      await expect(gg.compile({ outputs: { c: k24 } }, { backend: await sharedWebGpu() })).rejects.toThrow(/matmul: float32 \[1,16777216\] x \[16777216,1\].*k >= 2\^24/);
    }
    const k22 = gg.matmul(gg.input("a", [1, 2 ** 22]), gg.input("b", [2 ** 22, 1]));
    await expect(gg.compile({ outputs: { c: k22 } }, { backend: wasm({ threads: 1 }) })).rejects.toThrow(/matmul: float32 \[1,4194304\] x \[4194304,1\].*k >= 2\^22/);
    // One below the bound compiles.
    const below = gg.matmul(gg.input("a", [1, 2 ** 22 - 1]), gg.input("b", [2 ** 22 - 1, 1]));
    await expect(gg.compile({ outputs: { c: below } }, { backend: wasm({ threads: 1 }) })).resolves.toBeDefined();
  });
});
