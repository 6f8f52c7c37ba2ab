import { describe, expect, it } from "vitest";
import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { splitsByRows } from "../../backends/wasm/module.js";
import { graphOf } from "../../ir/graph.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";

/**
 * The packed float32 matmul at sizes where A is packed once for the whole product and shared by
 * the threads (a tall A against several chunks of panels), with partial tiles, transposed
 * operands, an epilogue and a sum of products: bit-identical on 1, 2 and 3 threads, and within
 * the float32 bound 4·k·2⁻²⁴·Σ|a||b| of a float64 reference.
 */
describe("wasm float32 matmul, A packed once", () => {
  const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s + 0.2) * 1.3);

  it("tall products (1 to 3 threads, transposes, partial tiles, bias + ReLU epilogue, a sum of two products)", async () => {
    const [m, k, n] = [1001, 1100, 603];
    for (const [transA, transB] of [[false, false], [true, true]] as const) {
      const a = gg.input("a", transA ? [k, m] : [m, k]);
      const b = gg.input("b", transB ? [n, k] : [k, n]);
      const a2 = gg.input("a2", [m, 40]);
      const b2 = gg.input("b2", [40, n]);
      const bias = gg.input("bias", [n]);
      const A = transA ? gg.transpose(a) : a;
      const B = transB ? gg.transpose(b) : b;
      const outputs = { c: gg.matmul(A, B), r: gg.relu(gg.add(gg.matmul(A, B), bias)), s: gg.add(gg.matmul(A, B), gg.matmul(a2, b2)) };
      const graph = graphOf(Object.fromEntries(Object.entries(outputs).map(([name, e]) => [name, e.node])));
      const av = vals(m * k, 0.37);
      const bv = vals(k * n, 0.11);
      const a2v = vals(m * 40, 0.23);
      const b2v = vals(40 * n, 0.53);
      const biasv = vals(n, 0.7);
      const feeds = new Map([
        ["a", tensorFrom(av, "float32", transA ? [k, m] : [m, k])],
        ["b", tensorFrom(bv, "float32", transB ? [n, k] : [k, n])],
        ["a2", tensorFrom(a2v, "float32", [m, 40])],
        ["b2", tensorFrom(b2v, "float32", [40, n])],
        ["bias", tensorFrom(biasv, "float32", [n])],
      ]);
      // float64 reference of A·B and of Σ|a||b| (the sum's second product apart), on a sample of rows: every 23rd, and the last, partial tile's.
      const rows = [...Array.from({ length: Math.ceil(m / 23) }, (_, r) => r * 23), m - 3, m - 2, m - 1];
      const at = (i: number, p: number): number => (transA ? av[p * m + i] : av[i * k + p]) as number;
      const bt = (p: number, j: number): number => (transB ? bv[j * k + p] : bv[p * n + j]) as number;
      const ref = new Float64Array(m * n);
      const mag = new Float64Array(m * n);
      const ref2 = new Float64Array(m * n);
      const mag2 = new Float64Array(m * n);
      for (const i of rows) {
        for (let p = 0; p < k; p++) {
          const x = at(i, p);
          for (let j = 0; j < n; j++) {
            ref[i * n + j] = (ref[i * n + j] as number) + x * bt(p, j);
            mag[i * n + j] = (mag[i * n + j] as number) + Math.abs(x * bt(p, j));
          }
        }
        for (let p = 0; p < 40; p++) {
          const x = a2v[i * 40 + p] as number;
          for (let j = 0; j < n; j++) {
            ref2[i * n + j] = (ref2[i * n + j] as number) + x * (b2v[p * n + j] as number);
            mag2[i * n + j] = (mag2[i * n + j] as number) + Math.abs(x * (b2v[p * n + j] as number));
          }
        }
      }
      let first: Record<string, gg.Tensor> | undefined;
      for (const threads of [1, 2, 3]) {
        const exe = (await wasm({ threads }).compile(graph)) as WasmExecutable;
        const got = await exe.run(feeds);
        first ??= got;
        for (const name of ["c", "r", "s"]) {
          const [x, y] = [got[name]?.data as Float32Array, first[name]?.data as Float32Array];
          expect(x.findIndex((v, i) => !Object.is(v, y[i])), `${name}, ${threads} threads: first differing element`).toBe(-1);
        }
        const worst = { c: 0, r: 0, s: 0 };
        for (const x of rows.flatMap((i) => Array.from({ length: n }, (_, j) => i * n + j))) {
          const bound = 4 * k * 2 ** -24 * (mag[x] as number) + 1e-30;
          worst.c = Math.max(worst.c, Math.abs((got["c"]?.data[x] as number) - (ref[x] as number)) / bound);
          const relu = Math.max(0, (ref[x] as number) + (biasv[x % n] as number));
          worst.r = Math.max(worst.r, Math.abs((got["r"]?.data[x] as number) - relu) / (bound + 2 ** -24 * Math.abs(relu)));
          const sumBound = 4 * (k + 40) * 2 ** -24 * ((mag[x] as number) + (mag2[x] as number)) + 1e-30;
          worst.s = Math.max(worst.s, Math.abs((got["s"]?.data[x] as number) - (ref[x] as number) - (ref2[x] as number)) / sumBound);
        }
        expect(worst.c, `transA ${transA}, ${threads} threads`).toBeLessThan(1);
        expect(worst.r, `transA ${transA}, ${threads} threads`).toBeLessThan(1);
        expect(worst.s, `transA ${transA}, ${threads} threads`).toBeLessThan(1);
      }
    }
  });

  it("narrow products with a long reduction, split by rows (B packed once): the same bits on 1 to 3 threads, within the bound", async () => {
    const [m, k, n] = [203, 2600, 37];
    for (const transB of [false, true]) {
      const a = gg.input("a", [m, k]);
      const b = gg.input("b", transB ? [n, k] : [k, n]);
      const bias = gg.input("bias", [n]);
      const product = gg.matmul(a, transB ? gg.transpose(b) : b);
      const graph = graphOf({ c: product.node, r: gg.relu(gg.add(product, bias)).node });
      const av = vals(m * k, 0.29);
      const bv = vals(k * n, 0.13);
      const biasv = vals(n, 0.5);
      const feeds = new Map([
        ["a", tensorFrom(av, "float32", [m, k])],
        ["b", tensorFrom(bv, "float32", transB ? [n, k] : [k, n])],
        ["bias", tensorFrom(biasv, "float32", [n])],
      ]);
      const bt = (p: number, j: number): number => (transB ? bv[j * k + p] : bv[p * n + j]) as number;
      let first: Record<string, gg.Tensor> | undefined;
      for (const threads of [1, 2, 3]) {
        const got = await (await wasm({ threads }).compile(graph)).run(feeds);
        first ??= got;
        for (const name of ["c", "r"]) {
          const [x, y] = [got[name]?.data as Float32Array, first[name]?.data as Float32Array];
          expect(x.findIndex((v, i) => !Object.is(v, y[i])), `${name}, transB ${transB}, ${threads} threads: first differing element`).toBe(-1);
        }
      }
      // float64 reference on every 7th row and the last, partial tile's rows
      let worst = 0;
      for (const i of [...Array.from({ length: Math.ceil(m / 7) }, (_, r) => r * 7), m - 3, m - 2, m - 1]) {
        for (let j = 0; j < n; j++) {
          let ref = 0;
          let mag = 0;
          for (let p = 0; p < k; p++) {
            ref += (av[i * k + p] as number) * bt(p, j);
            mag += Math.abs((av[i * k + p] as number) * bt(p, j));
          }
          const bound = 4 * k * 2 ** -24 * mag + 1e-30;
          worst = Math.max(worst, Math.abs((first?.["c"]?.data[i * n + j] as number) - ref) / bound);
          const relu = Math.max(0, ref + (biasv[j] as number));
          worst = Math.max(worst, Math.abs((first?.["r"]?.data[i * n + j] as number) - relu) / (bound + 2 ** -24 * Math.abs(relu)));
        }
      }
      expect(worst, `transB ${transB}`).toBeLessThan(1);
    }
  });

  it("the row split is chosen for a narrow product with a long reduction on several threads only", () => {
    const product = (m: number, k: number, n: number) => ({ kind: "matmul", a: 0, b: 1, out: 2, m, n, k, aOffsets: [0], bOffsets: [0], transA: false, transB: true, dtype: "float32" }) as const;
    expect(splitsByRows(product(203, 2600, 37), 2)).toBe(true);
    expect(splitsByRows(product(203, 2600, 37), 3)).toBe(true);
    expect(splitsByRows(product(203, 2600, 37), 1)).toBe(false);
    expect(splitsByRows(product(400, 10000, 200), 2)).toBe(true); // W3's hidden-state gradient
    expect(splitsByRows(product(1024, 1024, 1024), 2)).toBe(false);
    expect(splitsByRows(product(20, 10000, 200), 2)).toBe(false); // too few rows to share
  });

  it("products sharing B (a weight at every step, and its transpose) pack it once: within the bound on 1 and 2 threads", async () => {
    const [m, k, n, steps] = [12, 300, 260, 5];
    const w = gg.input("w", [k, n]);
    const xs = Array.from({ length: steps }, (_, t) => gg.input(`x${t}`, [m, k]));
    const gs = Array.from({ length: steps }, (_, t) => gg.input(`g${t}`, [m, n]));
    const outputs: Record<string, gg.Expr> = {};
    xs.forEach((x, t) => (outputs[`y${t}`] = gg.matmul(x, w)));
    gs.forEach((g, t) => (outputs[`z${t}`] = gg.matmul(g, gg.transpose(w))));
    const graph = graphOf(Object.fromEntries(Object.entries(outputs).map(([name, e]) => [name, e.node])));
    const wv = vals(k * n, 0.19);
    const feeds = new Map<string, gg.Tensor>([["w", tensorFrom(wv, "float32", [k, n])]]);
    const xv = xs.map((_, t) => vals(m * k, 0.3 + t));
    const gv = gs.map((_, t) => vals(m * n, 0.7 + t));
    xv.forEach((v, t) => feeds.set(`x${t}`, tensorFrom(v, "float32", [m, k])));
    gv.forEach((v, t) => feeds.set(`g${t}`, tensorFrom(v, "float32", [m, n])));
    for (const threads of [1, 2]) {
      const got = await (await wasm({ threads }).compile(graph)).run(feeds);
      let worst = 0;
      for (let t = 0; t < steps; t++) {
        const y = got[`y${t}`]?.data as Float32Array;
        const z = got[`z${t}`]?.data as Float32Array;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let [ref, mag] = [0, 0];
            for (let p = 0; p < k; p++) {
              const e = (xv[t]?.[i * k + p] as number) * (wv[p * n + j] as number);
              ref += e;
              mag += Math.abs(e);
            }
            worst = Math.max(worst, Math.abs((y[i * n + j] as number) - ref) / (4 * k * 2 ** -24 * mag + 1e-30));
          }
          for (let j = 0; j < k; j++) {
            let [ref, mag] = [0, 0];
            for (let p = 0; p < n; p++) {
              const e = (gv[t]?.[i * n + p] as number) * (wv[j * n + p] as number);
              ref += e;
              mag += Math.abs(e);
            }
            worst = Math.max(worst, Math.abs((z[i * k + j] as number) - ref) / (4 * n * 2 ** -24 * mag + 1e-30));
          }
        }
      }
      expect(worst, `${threads} threads`).toBeLessThan(1);
    }
  });
});
