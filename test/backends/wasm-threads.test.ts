import { describe, expect, it } from "vitest";
import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { js } from "../../backends/js/index.js";
import { graphOf } from "../../ir/graph.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { w3Data } from "../../bench/data/datasets.js";
import { w3Model } from "../../bench/impls/graphgrad/w3.js";
import { FULL } from "../../bench/workloads.js";

/**
 * Results do not depend on the number of threads: a kernel split between threads computes each
 * element exactly as one thread does (a matmul element is one chain over k, a reduction's output
 * one chain over its axes), whichever thread takes which part.
 */

/** The first element where two tensors' values differ (NaNs alike, -0 apart from +0), or -1. */
const firstDifference = (x: gg.Tensor | undefined, y: gg.Tensor | undefined): number => {
  const [a, b] = [x?.data ?? [], y?.data ?? []];
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
};

describe("wasm results are bit-identical across thread counts", () => {
  it("large reductions (rows, columns (SIMD lanes), whole, transposed, reversed and broadcast reads; sum and max; float32 and int32) and index tensors, split between threads, equal the JS reference", async () => {
    const [r, c] = [72, 4099];
    const x = gg.input("x", [r, c]);
    const y = gg.input("y", [c]);
    const n = gg.input("n", [r, c], "int32");
    const labels = gg.input("labels", [r], "int32");
    const outputs = {
      rows: gg.sum(gg.mul(gg.exp(gg.mul(x, 0.01)), 1.5), [1]),
      cols: gg.sum(x, [0]),
      colMax: gg.max(gg.mul(x, y), [0]),
      colsScaled: gg.sum(gg.mul(x, gg.exp(gg.mul(gg.slice(x, [0, 0], [r, 1]), 0.1))), [0]),
      rowMax: gg.max(gg.add(x, y), [1]),
      colMaxT: gg.max(gg.transpose(x), [1]),
      reversed: gg.sum(gg.reverse(x, [0, 1]), [1]),
      whole: gg.sum(gg.mul(x, x)),
      middle: gg.sum(gg.reshape(x, [8, r / 8, c]), [1]),
      ints: gg.sum(n, [1]),
      iotaLast: gg.add(gg.iota([r, c], 1, "int32"), n),
      iotaLastF: gg.iota([r, c], 1, "float32"),
      iotaFirst: gg.iota([r, c], 0, "int32"),
      intMax: gg.max(n, [0]),
      // Iotas computed in place (not iotaLastF's, an output, hence stored): in column sums (SIMD
      // lanes), row sums, a sum along the iota's own axis and across it (closed form), a map split
      // by rows, a one-hot picking from each row, and a mask.
      iotaCols: gg.sum(gg.mul(x, gg.cast(gg.iota([r, c], 1, "int32"), "float32")), [0]),
      iotaRows: gg.sum(gg.mul(x, gg.iota([r, c], 0, "float32")), [1]),
      iotaAlong: gg.sum(gg.iota([r, c], 1, "int32"), [1]),
      iotaAcross: gg.sum(gg.iota([r, c], 1, "int32"), [0]),
      iotaPlusX: gg.add(gg.iota([r, c], 0, "float32"), x),
      picked: gg.sum(gg.mul(gg.oneHot(labels, c), x), [1]),
      iotaMask: gg.where(gg.less(gg.iota([r, c], 1, "int32"), gg.reshape(labels, [r, 1])), x, 0),
    };
    const graph = graphOf(Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node])));
    const feeds = new Map([
      ["x", tensorFrom(Float32Array.from({ length: r * c }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7))), "float32", [r, c])],
      ["y", tensorFrom(Float32Array.from({ length: c }, (_, i) => Math.cos(i)), "float32", [c])],
      ["n", tensorFrom(Int32Array.from({ length: r * c }, (_, i) => ((i * 2654435761) | 0) >> 3), "int32", [r, c])],
      ["labels", tensorFrom(Int32Array.from({ length: r }, (_, i) => (i * 977) % c), "int32", [r])],
    ]);
    const want = await (await js().compile(graph)).run(feeds);
    for (const threads of [1, 2, 3]) {
      const exe = (await wasm({ threads }).compile(graph)) as WasmExecutable;
      const got = await exe.run(feeds);
      if (threads > 1) expect(exe.stats()[0]?.parallelKernels).toBeGreaterThanOrEqual(6);
      for (const k of Object.keys(outputs)) expect(firstDifference(got[k], want[k]), `${k}, ${threads} threads: first element unlike the reference`).toBe(-1);
    }
  });

  it("the PTB LSTM train step (the bench's W3) gives the same bits on 1 and 2 threads", async () => {
    const c = FULL.W3;
    const d = w3Data(c);
    const runs: { losses: number[]; params: Record<string, gg.Tensor> }[] = [];
    for (const threads of [1, 2]) {
      const { train, init, batches } = await w3Model(wasm({ threads }), c, d);
      let state = await train.init(init);
      const losses: number[] = [];
      for (const batch of batches) {
        const [next, metrics] = await train.run(state, batch);
        state = next;
        losses.push(metrics["loss"] as number);
      }
      runs.push({ losses, params: { ...state.params } });
    }
    const [one, two] = runs as [(typeof runs)[number], (typeof runs)[number]];
    expect(two.losses).toEqual(one.losses);
    for (const name of Object.keys(one.params)) expect(firstDifference(two.params[name], one.params[name]), `${name}: first differing element`).toBe(-1);
  });
});
