import { describe, expect, it } from "vitest";
import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { graphOf } from "../../ir/graph.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { conformanceSuite } from "./conformance.js";

conformanceSuite("wasm", () => wasm(), { float64: true, runs: 20 });
conformanceSuite("wasm (plain SIMD, no FMA)", () => wasm({ relaxedSimd: false }), { float64: false, runs: 5 });

describe("wasm backend specifics", () => {
  it("fuses an elementwise chain into one kernel and reuses buffers (peak memory reported)", async () => {
    const x = gg.input("x", [64, 64]);
    let h = x;
    for (let i = 0; i < 6; i++) h = gg.matmul(gg.tanh(gg.add(gg.mul(h, 0.5), 1)), x);
    const graph = graphOf({ y: h.node });
    const exe = (await wasm().compile(graph)) as WasmExecutable;
    await exe.run(new Map([["x", tensorFrom(new Float32Array(64 * 64).fill(0.01), "float32", [64, 64])]]));
    const [stats] = exe.stats();
    // 6 fused (mul, add, tanh) maps + 6 matmuls, not 24 kernels: the first map reads x, the other
    // five are applied in the store of the product they read (epilogues): 7 kernels.
    expect(stats?.kernels).toBe(7);
    expect(stats?.arenaBytes).toBeLessThan((stats?.unplannedBytes ?? 0) / 2);
  });

  it("recomputes a single cheap op in each of its consumers instead of storing it (g·g for a moving average and a norm), not a tanh", async () => {
    const a = gg.input("a", [16, 12]);
    const b = gg.input("b", [16, 12]);
    const v = gg.input("v", [16, 12]);
    const g = gg.tanh(gg.add(a, b)); // an output: stored
    const g2 = gg.mul(g, g);
    const deep = gg.exp(gg.mul(g, 0.5)); // two ops deep: stored once for its two consumers
    const costly = gg.tanh(g); // one op, but a transcendental one: stored once too
    const graph = graphOf({
      g: g.node,
      v2: gg.add(gg.mul(v, 0.999), gg.mul(g2, 0.001)).node,
      norm: gg.sum(g2).node,
      e1: gg.add(deep, 1).node,
      e2: gg.sum(deep).node,
      t1: gg.add(costly, 1).node,
      t2: gg.sum(costly).node,
    });
    const exe = (await wasm({ threads: 1 }).compile(graph)) as WasmExecutable;
    const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const feeds = new Map([
      ["a", tensorFrom(vals(192, 0.3), "float32", [16, 12])],
      ["b", tensorFrom(vals(192, 0.7), "float32", [16, 12])],
      ["v", tensorFrom(vals(192, 0.2), "float32", [16, 12])],
    ]);
    const got = await exe.run(feeds);
    // g, v2, norm, deep (stored), e1, e2, tanh (stored), t1, t2: no kernel for g·g.
    expect(exe.stats()[0]?.kernels).toBe(9);
    const want = await (await gg.js().compile(graph)).run(feeds);
    for (const name of ["v2", "norm", "e1", "e2", "t1", "t2"]) expect(Array.from(got[name]?.data ?? [])).toEqual(Array.from(want[name]?.data ?? []));
  });

  it("splits large float32 matmuls between threads, bit-identical to one thread", async () => {
    const a = gg.input("a", [2, 96, 130]);
    const b = gg.input("b", [130, 200]);
    const graph = graphOf({ c: gg.relu(gg.matmul(a, b)).node });
    const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const feeds = new Map([
      ["a", tensorFrom(vals(2 * 96 * 130, 0.37), "float32", [2, 96, 130])],
      ["b", tensorFrom(vals(130 * 200, 0.11), "float32", [130, 200])],
    ]);
    const one = await (await wasm({ threads: 1 }).compile(graph)).run(feeds);
    const two = (await wasm({ threads: 2 }).compile(graph)) as WasmExecutable;
    const got = await two.run(feeds);
    expect(two.stats()[0]?.parallelKernels).toBe(1);
    expect(Array.from(got["c"]?.data ?? [])).toEqual(Array.from(one["c"]?.data ?? []));
  });

  it("cache-blocked float32 matmul: several row blocks, chunks, leftover rows and columns, transposes and batches, 1 and 2 threads", async () => {
    // m = 263 rows over K = 1100 makes two blocks of A rows (1 MiB each) plus 3 leftover rows;
    // n = 67 is 8 panels (chunks of 7: two) plus 3 tail columns. Against a float64 reference, within
    // the float32 dot-product bound |error| <= K·2^-24·Σ|a·b| (with margin 2).
    const [batch, m, k, n] = [2, 263, 1100, 67];
    const vals = (len: number, s: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i * s + 0.3));
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = gg.input("a", transA ? [batch, k, m] : [batch, m, k]);
      const b = gg.input("b", transB ? [n, k] : [k, n]);
      const c = gg.matmul(transA ? gg.transpose(a, [0, 2, 1]) : a, transB ? gg.transpose(b) : b);
      const av = vals(batch * m * k, 0.37);
      const bv = vals(k * n, 0.11);
      const at = (t: number, i: number, p: number): number => (transA ? av[t * k * m + p * m + i] : av[t * m * k + i * k + p]) as number;
      const bt = (p: number, j: number): number => (transB ? bv[j * k + p] : bv[p * n + j]) as number;
      const feeds = new Map([
        ["a", tensorFrom(av, "float32", transA ? [batch, k, m] : [batch, m, k])],
        ["b", tensorFrom(bv, "float32", transB ? [n, k] : [k, n])],
      ]);
      // Row-major float64 copies, then the reference and the bound's Σ|a·b|.
      const A = Float64Array.from({ length: batch * m * k }, (_, x) => at(Math.floor(x / (m * k)), Math.floor(x / k) % m, x % k));
      const B = Float64Array.from({ length: k * n }, (_, x) => bt(Math.floor(x / n), x % n));
      const ref = new Float64Array(batch * m * n);
      const mag = new Float64Array(batch * m * n);
      for (let t = 0; t < batch; t++) {
        for (let i = 0; i < m; i++) {
          for (let p = 0; p < k; p++) {
            const x = A[(t * m + i) * k + p] as number;
            for (let j = 0; j < n; j++) {
              const y = x * (B[p * n + j] as number);
              const o = (t * m + i) * n + j;
              ref[o] = (ref[o] as number) + y;
              mag[o] = (mag[o] as number) + Math.abs(y);
            }
          }
        }
      }
      for (const threads of [1, 2]) {
        const exe = (await wasm({ threads }).compile(graphOf({ c: c.node }))) as WasmExecutable;
        const got = (await exe.run(feeds))["c"]?.data as Float32Array;
        expect(exe.stats()[0]?.parallelKernels).toBe(threads === 2 ? 1 : 0);
        let worst = 0;
        for (let x = 0; x < ref.length; x++) worst = Math.max(worst, Math.abs((got[x] as number) - (ref[x] as number)) / (k * 2 ** -24 * (mag[x] as number)));
        expect(worst, `transA ${transA} transB ${transB} threads ${threads}`).toBeLessThan(2);
      }
    }
  });

  it("splits large convolutions and their gradients between threads (blocks of output rows), bit-identical to one thread", async () => {
    const x = gg.input("x", [8, 16, 13, 16]);
    const w = gg.input("w", [3, 3, 16, 24]);
    const y = gg.conv(x, w, { padding: "same", strides: [1, 2] });
    const [gx, gw] = gg.grad(gg.sum(gg.mul(y, y)), [x, w]);
    const graph = graphOf({ y: y.node, gx: (gx as gg.Expr).node, gw: (gw as gg.Expr).node });
    const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const feeds = new Map([
      ["x", tensorFrom(vals(8 * 16 * 13 * 16, 0.37), "float32", [8, 16, 13, 16])],
      ["w", tensorFrom(vals(3 * 3 * 16 * 24, 0.11), "float32", [3, 3, 16, 24])],
    ]);
    const one = await (await wasm({ threads: 1 }).compile(graph)).run(feeds);
    const two = (await wasm({ threads: 2 }).compile(graph)) as WasmExecutable;
    const got = await two.run(feeds);
    expect(two.stats()[0]?.parallelKernels).toBeGreaterThanOrEqual(3);
    for (const k of ["y", "gx", "gw"]) expect(Array.from(got[k]?.data ?? []), k).toEqual(Array.from(one[k]?.data ?? []));
  });

  it("splits large elementwise kernels between threads (broadcast and transposed reads), bit-identical to one thread and to JS", async () => {
    const x = gg.input("x", [601, 500]);
    const y = gg.input("y", [500, 601]);
    const b = gg.input("b", [500]);
    const graph = graphOf({ z: gg.tanh(gg.add(gg.mul(x, gg.transpose(y)), b)).node, w: gg.where(gg.greater(x, 0), gg.exp(x), b).node });
    const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const feeds = new Map([
      ["x", tensorFrom(vals(601 * 500, 0.37), "float32", [601, 500])],
      ["y", tensorFrom(vals(500 * 601, 0.11), "float32", [500, 601])],
      ["b", tensorFrom(vals(500, 0.7), "float32", [500])],
    ]);
    const two = (await wasm({ threads: 2 }).compile(graph)) as WasmExecutable;
    const got = await two.run(feeds);
    expect(two.stats()[0]?.parallelKernels).toBe(2);
    for (const other of [await (await wasm({ threads: 1 }).compile(graph)).run(feeds), await (await gg.js().compile(graph)).run(feeds)]) {
      for (const name of ["z", "w"]) expect(Array.from(got[name]?.data ?? [])).toEqual(Array.from(other[name]?.data ?? []));
    }
  });

  it("erf on worker threads (rebuilt there from its source text) is bit-identical to one thread and to JS, in float32 and float64", async () => {
    const x = gg.input("x", [600, 500], "float64");
    const graph = graphOf({ e64: gg.erf(gg.mul(x, 4)).node, e32: gg.erf(gg.mul(gg.cast(x, "float32"), 4)).node });
    const feeds = new Map([["x", tensorFrom(Float64Array.from({ length: 600 * 500 }, (_, i) => Math.sin(i * 0.37)), "float64", [600, 500])]]);
    const two = (await wasm({ threads: 2 }).compile(graph)) as WasmExecutable;
    const got = await two.run(feeds);
    expect(two.stats()[0]?.parallelKernels).toBe(2);
    for (const other of [await (await wasm({ threads: 1 }).compile(graph)).run(feeds), await (await gg.js().compile(graph)).run(feeds)]) {
      for (const name of ["e64", "e32"]) {
        const [a, b] = [got[name]?.data ?? [], other[name]?.data ?? []];
        expect(a.length).toBe(600 * 500);
        const differing = Array.from(a).findIndex((v, i) => !Object.is(v, b[i]));
        expect(differing, `${name}: first differing element`).toBe(-1);
      }
    }
  });

  it("feedback hint: outputs computed over the inputs they are fed back as, results unchanged (run, bind, other feeds in between)", async () => {
    // A momentum step: v' = 0.9·v + g, w' = w − 0.1·v' with g = w·x (x fed each step).
    const w = gg.input("w", [64, 32]);
    const v = gg.input("v", [64, 32]);
    const x = gg.input("x", [64, 32]);
    const v2 = gg.add(gg.mul(v, 0.9), gg.mul(w, x));
    const w2 = gg.sub(w, gg.mul(v2, 0.1));
    const graph = graphOf({ w2: w2.node, v2: v2.node, norm: gg.sum(gg.square(w2)).node });
    const feedback = { w2: "w", v2: "v" };
    const vals = (s: number): gg.Tensor => tensorFrom(Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i * s)), "float32", [64, 32]);
    for (const threads of [1, 2]) {
      const plain = await wasm({ threads }).compile(graph);
      const hinted = (await wasm({ threads }).compile(graph, { feedback })) as WasmExecutable;
      let [pw, pv, hw, hv] = [vals(0.1), vals(0.2), vals(0.1), vals(0.2)];
      const bound = hinted.bind?.(["w", "v", "x"], { tensors: ["w2", "v2"], scalars: ["norm"] });
      for (let step = 0; step < 6; step++) {
        const xs = vals(0.3 + step);
        const want = await plain.run(new Map([["w", pw], ["v", pv], ["x", xs]]));
        let got: Record<string, gg.Tensor>;
        if (step % 3 === 2) {
          // A tensor that is not the last output: copied in again.
          const other = vals(0.1 + step);
          const again = await plain.run(new Map([["w", other], ["v", pv], ["x", xs]]));
          const viaHint = await hinted.run(new Map([["w", other], ["v", hv], ["x", xs]]));
          expect(Array.from(viaHint["w2"]?.data ?? [])).toEqual(Array.from(again["w2"]?.data ?? []));
        }
        if (step % 2 === 0) got = await hinted.run(new Map([["w", hw], ["v", hv], ["x", xs]]));
        else {
          const r = await (bound as NonNullable<typeof bound>)([hw, hv, xs]);
          got = { w2: r.tensors[0] as gg.Tensor, v2: r.tensors[1] as gg.Tensor, norm: gg.tensorFrom([r.scalars[0] as number], "float32") };
        }
        for (const name of ["w2", "v2", "norm"]) expect(Array.from(got[name]?.data ?? []), `${name} step ${step}`).toEqual(Array.from(want[name]?.data ?? []));
        [pw, pv, hw, hv] = [want["w2"] as gg.Tensor, want["v2"] as gg.Tensor, got["w2"] as gg.Tensor, got["v2"] as gg.Tensor];
      }
      expect(hinted.stats()[0]?.aliased).toBe(2);
      // The same tensors fed twice: their buffers were overwritten by the first run, so they are copied in again.
      const once = await plain.run(new Map([["w", pw], ["v", pv], ["x", vals(9)]]));
      for (let k = 0; k < 2; k++) {
        const r = await hinted.run(new Map([["w", pw], ["v", pv], ["x", vals(9)]]));
        expect(Array.from(r["w2"]?.data ?? [])).toEqual(Array.from(once["w2"]?.data ?? []));
      }
    }
  });

  it("reads transposed matmul operands in place: no copy kernels", async () => {
    const x = gg.input("x", [128, 784]);
    const g = gg.input("g", [128, 512]);
    const w = gg.input("w", [784, 512]);
    const graph = graphOf({ gw: gg.matmul(gg.transpose(x), g).node, gx: gg.matmul(g, gg.transpose(w)).node });
    const exe = (await wasm({ threads: 1 }).compile(graph)) as WasmExecutable;
    const zeros = (shape: number[]) => tensorFrom(new Float32Array(shape[0]! * shape[1]!), "float32", shape);
    await exe.run(new Map([["x", zeros([128, 784])], ["g", zeros([128, 512])], ["w", zeros([784, 512])]]));
    expect(exe.stats()[0]?.kernels).toBe(2);
  });
});

describe("wasm matmul epilogues", () => {
  it("fuses bias + activation into the product's store, with the reference's values", async () => {
    for (const [m, k, n] of [[5, 7, 19], [16, 33, 64], [3, 4, 8]] as const) {
      const x = gg.input("x", [m, k]);
      const w = gg.input("w", [k, n]);
      const b = gg.input("b", [n]);
      const z = gg.add(gg.matmul(x, w), b);
      const outs = { relu: gg.relu(z).node, mask: gg.greater(gg.matmul(w, gg.transpose(w)), 0.1).node };
      const graph = graphOf(outs);
      const vals = (len: number, s: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i * s + 1));
      const feeds = new Map([
        ["x", tensorFrom(vals(m * k, 0.7), "float32", [m, k])],
        ["w", tensorFrom(vals(k * n, 0.3), "float32", [k, n])],
        ["b", tensorFrom(vals(n, 1.1), "float32", [n])],
      ]);
      const exe = (await wasm({ threads: 1 }).compile(graph)) as WasmExecutable;
      const got = await exe.run(feeds);
      const want = await (await gg.js().compile(graph)).run(feeds);
      expect(exe.stats()[0]?.kernels).toBe(2); // two matmuls, their epilogues fused
      expect(Array.from(got["mask"]?.data ?? [])).toEqual(Array.from(want["mask"]?.data ?? []));
      const r = got["relu"]?.data ?? new Float32Array();
      (want["relu"]?.data ?? []).forEach((v, i) => expect(Math.abs((r[i] as number) - v)).toBeLessThanOrEqual(4 * k * 2 ** -24 * k * 2));
    }
  });
});

describe("wasm input reuse", () => {
  it("skips re-writing a tensor fed again, and never serves stale data", async () => {
    const x = gg.input("x", [null, 4]);
    const w = gg.input("w", [4, 4]);
    const graph = graphOf({ y: gg.tanh(gg.matmul(x, w)).node });
    const exe = await wasm({ threads: 1 }).compile(graph);
    const t = (n: number, s: number) => tensorFrom(Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * s)), "float32", [n, 4]);
    const [wa, wb] = [t(4, 0.3), t(4, 0.9)];
    const [x2, x3] = [t(2, 0.5), t(3, 0.7)];
    // Same w twice, another w, the first again, and a second binding in between; each result as
    // a fresh executable (no history) computes it.
    for (const [xv, wv] of [[x2, wa], [x2, wa], [x2, wb], [x3, wa], [x2, wa], [x2, wb]] as const) {
      const feeds = new Map([["x", xv], ["w", wv]]);
      const fresh = await (await wasm({ threads: 1 }).compile(graph)).run(feeds);
      expect(Array.from((await exe.run(feeds))["y"]?.data ?? [])).toEqual(Array.from(fresh["y"]?.data ?? []));
    }
  });
});
