import { describe, expect, it } from "vitest";
import { planShapes } from "../../backends/plan.js";
import { FunctionBuilder } from "../../backends/wasm/encoder.js";
import { hostMath } from "../../backends/wasm/emit-ops.js";
import { BYTES } from "../../backends/wasm/expr.js";
import { assemble } from "../../backends/wasm/module.js";
import { coalesce, MAX_LOOP } from "../../backends/wasm/nest.js";
import { orThrow } from "../../ir/errors.js";
import { graphOf } from "../../ir/graph.js";
import { lowerToKernels, planBuffers } from "../../ir/kernel/index.js";
import * as gg from "../../src/index.js";

/**
 * WASM index arithmetic near and past 2³¹: addresses are i32 values read as unsigned, so a kernel
 * whose buffers lie above 2 GiB must compute exactly what it computes at address 0; loop counters
 * are compared signed, so no loop may count to 2³¹ (coalescing stops merging axes first, and the
 * encoder refuses a constant or a loop that would wrap).
 */

describe("wasm loops and constants never wrap", () => {
  it("coalesce merges axes along which nothing moves only up to MAX_LOOP (46341² ones were one loop of -2147479015 iterations)", () => {
    expect(coalesce([46341, 46341], [[0, 0]])).toEqual({ shape: [46341, 46341], strides: [[0, 0]] });
    expect(coalesce([2 ** 15, 2 ** 16 - 1], [[0, 0]])).toEqual({ shape: [2 ** 15 * (2 ** 16 - 1)], strides: [[0]] });
    expect(2 ** 15 * (2 ** 16 - 1)).toBeLessThanOrEqual(MAX_LOOP);
    // Contiguous axes merge as before.
    expect(coalesce([4, 8], [[32, 4]])).toEqual({ shape: [32], strides: [[4]] });
  });

  it("the encoder refuses an i32 constant outside [-2^31, 2^32) and a loop whose counter would pass 2^31 - 1", () => {
    const f = new FunctionBuilder([], []);
    expect(() => f.i32(2 ** 32 - 1)).not.toThrow(); // an address below 4 GiB
    expect(() => f.i32(-(2 ** 31))).not.toThrow();
    expect(() => f.i32(2 ** 32)).toThrow(/not a 32-bit integer/);
    expect(() => f.i32(2147488281)).not.toThrow(); // a valid unsigned address, but...
    const i = f.local("i32");
    expect(() => f.forRange(i, 0, 2147488281, 1, () => {})).toThrow(/overflow its i32 counter/); // ...not a loop bound
    expect(() => f.forRange(i, 0, 2 ** 31 - 3, 4, () => {})).toThrow(/overflow/); // i would step from 2³¹ - 4 to 2³¹
    expect(() => f.forRange(i, 0, 2 ** 31 - 4, 1, () => {})).not.toThrow();
  });
});

describe("wasm kernels above 2 GiB", () => {
  // Every kind of kernel: fused maps over views, reductions, matmul, gather, scatterAdd, iota, an index check.
  const x = gg.input("x", [40, 33]);
  const w = gg.input("w", [33, 17]);
  const table = gg.input("table", [20, 7]);
  const ids = gg.input("ids", [10], "int32");
  const rows = gg.gather(table, ids);
  const [gTable] = gg.grad(gg.sum(gg.mul(rows, rows)), [table]);
  const graph = graphOf({
    map: gg.tanh(gg.add(gg.mul(gg.transpose(x), 2), 1)).node,
    sum: gg.sum(x, 1).node,
    max: gg.max(x, 0).node,
    product: gg.matmul(x, w).node,
    rows: rows.node,
    scatter: (gTable as gg.Expr).node,
    iota: gg.add(gg.iota([5, 6], 1, "float32"), gg.sum(x)).node,
    // An iota that is an output is stored by an iota kernel (one read by a map is computed in place).
    iotaStored: gg.iota([5, 6], 0, "int32").node,
  });
  const shapes = orThrow(planShapes(graph, new Map()));
  const feeds: Record<string, readonly number[]> = {
    x: Array.from({ length: 40 * 33 }, (_, i) => Math.sin(i) * 3),
    w: Array.from({ length: 33 * 17 }, (_, i) => Math.cos(i)),
    table: Array.from({ length: 140 }, (_, i) => i / 7 - 9),
    ids: [3, 19, 0, 7, 7, 12, 1, 19, 5, 2],
  };

  /** The program assembled with every buffer `shift` bytes up, run once: its outputs and its check's status words. */
  function runAt(shift: number, ids: readonly number[]): { outputs: Record<string, number[]>; status: number[] } {
    const program = lowerToKernels(graph, shapes.shapes, { env: shapes.env });
    const low = planBuffers(program, (d) => BYTES[d]);
    const plan = { ...low, offsets: low.offsets.map((o) => o + shift), bytes: low.bytes + shift };
    const mod = assemble(program, plan, { fma: false, threads: 1, sharedMemory: false, maxPages: 65536 });
    // Pages are only reserved: the untouched gigabytes below the arena cost no memory.
    const memory = new WebAssembly.Memory({ initial: Math.ceil(mod.memoryBytes / 65536) });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes), { env: { memory }, m: { ...hostMath(), random: () => undefined } });
    const view = (id: number): Float32Array | Int32Array => {
      const b = program.buffers[id]!;
      return b.dtype === "float32" ? new Float32Array(memory.buffer, plan.offsets[id], b.size) : new Int32Array(memory.buffer, plan.offsets[id], b.size);
    };
    for (const b of program.buffers) {
      if (b.role === "input") view(b.id).set(b.name === "ids" ? ids : (feeds[b.name!] as number[]));
      if (b.role === "const" && b.data !== undefined) view(b.id).set(b.data);
    }
    expect(mod.schedule.map((s) => s.kind)).toEqual(["segment"]);
    (instance.exports["s0"] as () => void)();
    const outputs = Object.fromEntries(Object.entries(program.outputs).map(([name, o]) => [name, Array.from(view(o.buffer))]));
    const check = program.kernels.find((k) => k.kind === "checkIndex");
    return { outputs, status: check?.kind === "checkIndex" ? Array.from(view(check.status)) : [] };
  }

  it("compute bit for bit what they compute at address 0, with every buffer 3 GiB up (past 2^31)", () => {
    const low = runAt(0, feeds["ids"]!);
    const high = runAt(3 * 2 ** 30, feeds["ids"]!);
    expect(Object.keys(high.outputs).sort()).toEqual(["iota", "iotaStored", "map", "max", "product", "rows", "scatter", "sum"]);
    expect(high.outputs).toEqual(low.outputs);
    expect(high.status).toEqual([0, 0]);
  });

  it("an index check above 2 GiB reports the first bad index", () => {
    const bad = [3, 19, 0, 7, 20, 12, -1, 19, 5, 2];
    expect(runAt(3 * 2 ** 30, bad).status).toEqual([1 + 4, 20]);
    expect(runAt(0, bad).status).toEqual([1 + 4, 20]);
  });
});
