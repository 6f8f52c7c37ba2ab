import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { graphOf } from "../../ir/graph.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";

/**
 * Runs in the browser (test/browser/wasm-threads.test.ts bundles it): two graphs large enough to
 * be split between threads (a float32 matmul with a ReLU epilogue, and a large elementwise
 * kernel), compiled on one WASM backend with `threads` threads and on one thread, each run twice.
 * Reports what the compiled programs say about themselves and whether every result is
 * bit-identical to one thread's.
 */
export interface ThreadsReport {
  readonly isolated: boolean;
  readonly threads: readonly number[];
  readonly parallelKernels: readonly number[];
  readonly identical: boolean;
  readonly checked: number;
}

const vals = (n: number, s: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));

export async function runThreads(threads: number): Promise<ThreadsReport> {
  const a = gg.input("a", [2, 96, 130]);
  const b = gg.input("b", [130, 200]);
  const x = gg.input("x", [600, 500]);
  const graphs = [graphOf({ c: gg.relu(gg.matmul(a, b)).node }), graphOf({ y: gg.tanh(gg.mul(x, gg.add(x, gg.scalar(1)))).node })];
  const feeds = [
    new Map([
      ["a", tensorFrom(vals(2 * 96 * 130, 0.37), "float32", [2, 96, 130])],
      ["b", tensorFrom(vals(130 * 200, 0.11), "float32", [130, 200])],
    ]),
    new Map([["x", tensorFrom(vals(600 * 500, 0.013), "float32", [600, 500])]]),
  ];
  const many = wasm({ threads });
  const one = wasm({ threads: 1 });
  const stats: { threads: number; parallelKernels: number }[] = [];
  let identical = true;
  let checked = 0;
  for (const [i, graph] of graphs.entries()) {
    const exe = (await many.compile(graph)) as WasmExecutable;
    const want = await (await one.compile(graph)).run(feeds[i] as Map<string, gg.Tensor>);
    for (let round = 0; round < 2; round++) {
      const got = await exe.run(feeds[i] as Map<string, gg.Tensor>);
      for (const [name, t] of Object.entries(want)) {
        const g = got[name]?.data;
        identical &&= g !== undefined && g.length === t.data.length && t.data.every((v, k) => Object.is(v, g[k]));
        checked += t.data.length;
      }
    }
    stats.push(...exe.stats());
  }
  return { isolated: crossOriginIsolated, threads: stats.map((s) => s.threads), parallelKernels: stats.map((s) => s.parallelKernels), identical, checked };
}
