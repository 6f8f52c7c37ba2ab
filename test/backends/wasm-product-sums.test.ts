import { describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { graphOf } from "../../ir/graph.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";

/**
 * A sum of float32 products of the same shape (the gradient of a weight shared by the steps of an
 * unrolled network) runs as one kernel accumulating over every product's reduction: within the
 * matmul bound 4·k·2⁻²⁴·Σ|a||b| for k the summed reduction length.
 */
describe("wasm sums of products", () => {
  const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s + 0.4) * 1.7);

  it("Σ_t x_tᵀ·g_t (and products of other layouts and lengths) is one kernel, within the bound of the summed length, on 1 and 2 threads", async () => {
    const [m, n] = [37, 51];
    const ks = [5, 300, 7, 64, 1, 120, 9];
    const feeds = new Map<string, gg.Tensor>();
    const terms: gg.Expr[] = [];
    const absTerms: gg.Expr[] = [];
    ks.forEach((k, t) => {
      // Term t: A [m,k] read transposed from a [k,m] input on even t; B [k,n] read transposed from [n,k] on t % 3 == 1.
      const transA = t % 2 === 0;
      const transB = t % 3 === 1;
      const a = gg.input(`a${t}`, transA ? [k, m] : [m, k]);
      const b = gg.input(`b${t}`, transB ? [n, k] : [k, n]);
      feeds.set(`a${t}`, tensorFrom(vals(m * k, 0.31 + t), "float32", transA ? [k, m] : [m, k]));
      feeds.set(`b${t}`, tensorFrom(vals(k * n, 0.17 + t), "float32", transB ? [n, k] : [k, n]));
      const view = (e: gg.Expr, trans: boolean): gg.Expr => (trans ? gg.transpose(e) : e);
      terms.push(gg.matmul(view(a, transA), view(b, transB)));
      absTerms.push(gg.matmul(view(gg.abs(a), transA), view(gg.abs(b), transB)));
    });
    const sum = terms.reduce((acc, e) => gg.add(acc, e));
    const graph = graphOf({ s: sum.node });
    const want = await (await js().compile(graph)).run(feeds);
    const mag = await (await js().compile(graphOf({ m: absTerms.reduce((acc, e) => gg.add(acc, e)).node }))).run(feeds);
    const k = ks.reduce((a, b) => a + b, 0);
    for (const threads of [1, 2]) {
      const exe = (await wasm({ threads }).compile(graph)) as WasmExecutable;
      const got = (await exe.run(feeds))["s"]?.data as Float32Array;
      expect(exe.stats()[0]?.kernels).toBe(1);
      let worst = 0;
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want["s"]?.data[i] as number)) / (4 * k * 2 ** -24 * (mag["m"]?.data[i] as number)));
      expect(worst).toBeLessThan(1);
    }
  });

  it("leaves a product alone when something else reads it, or the sum has other addends", async () => {
    const a = gg.input("a", [16, 24]);
    const b = gg.input("b", [24, 20]);
    const c = gg.input("c", [16, 20]);
    const p1 = gg.matmul(a, b);
    const p2 = gg.matmul(gg.mul(a, 2), b);
    const feeds = new Map([
      ["a", tensorFrom(vals(16 * 24, 0.3), "float32", [16, 24])],
      ["b", tensorFrom(vals(24 * 20, 0.7), "float32", [24, 20])],
      ["c", tensorFrom(vals(16 * 20, 0.9), "float32", [16, 20])],
    ]);
    const cases: { outs: Record<string, gg.Expr>; kernels: number; inputs: string[] }[] = [
      { outs: { s: gg.add(p1, p2), p: p1 }, kernels: 3, inputs: ["a", "b"] }, // p1 is an output: stored; the sum is an epilogue of p2
      { outs: { s: gg.add(gg.add(p1, p2), c) }, kernels: 3, inputs: ["a", "b", "c"] }, // c is another addend: the products are not fused
      { outs: { s: gg.add(p1, p2) }, kernels: 2, inputs: ["a", "b"] }, // fused: the scaling map, then one kernel
    ];
    for (const { outs, kernels, inputs } of cases) {
      const graph = graphOf(Object.fromEntries(Object.entries(outs).map(([k, e]) => [k, e.node])));
      const exe = (await wasm({ threads: 1 }).compile(graph)) as WasmExecutable;
      const used = new Map([...feeds].filter(([name]) => inputs.includes(name)));
      const got = await exe.run(used);
      const want = await (await js().compile(graph)).run(used);
      expect(exe.stats()[0]?.kernels).toBe(kernels);
      for (const k of Object.keys(outs)) {
        const g = got[k]?.data as Float32Array;
        const w = want[k]?.data as Float32Array;
        for (let i = 0; i < w.length; i++) expect(Math.abs((g[i] as number) - (w[i] as number))).toBeLessThan(1e-4 * (1 + Math.abs(w[i] as number)));
      }
    }
  });
});
