import { describe, expect, it, vi } from "vitest";
import * as gg from "../../src/index.js";

/** `gg.nn.summary`: the parameter table, totals, op counts of the optimized graph and the WASM arena's peak. */

function mlp() {
  const scope = gg.nn.scope("mlp");
  const layers = ["layer2", "layer10"].map((name, i) => gg.nn.denseParams(scope.child(name), i === 0 ? 4 : 8, i === 0 ? 8 : 3));
  const norm = gg.nn.layerNormParams(scope.child("norm"), 8);
  const x = gg.input("x", ["batch", 4]);
  const hidden = gg.nn.layerNorm(gg.nn.dense(x, layers[0] as gg.nn.DenseParams, gg.relu), norm);
  return gg.nn.dense(hidden, layers[1] as gg.nn.DenseParams);
}

describe("nn.summary", () => {
  it("lists each parameter (shape, dtype, count, bytes) by name, the totals, the inputs and the optimized graph's op counts", async () => {
    const y = mlp();
    const s = await gg.nn.summary(y);
    expect(s.params.map((p) => [p.name, p.shape, p.dtype, p.count, p.bytes])).toEqual([
      ["mlp/layer2/bias", [8], "float32", 8, 32],
      ["mlp/layer2/kernel", [4, 8], "float32", 32, 128],
      ["mlp/layer10/bias", [3], "float32", 3, 12],
      ["mlp/layer10/kernel", [8, 3], "float32", 24, 96],
      ["mlp/norm/offset", [8], "float32", 8, 32],
      ["mlp/norm/scale", [8], "float32", 8, 32],
    ]);
    expect([s.totalParams, s.totalBytes]).toEqual([83, 332]);
    expect(s.inputs).toEqual([{ name: "x", shape: ["batch", 4], dtype: "float32" }]);
    const optimized = (await gg.compile({ outputs: { output: y } })).graph;
    const counts: Record<string, number> = {};
    for (const n of optimized.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
    expect(s.ops).toEqual(counts);
    expect(s.ops["matmul"]).toBe(2);
    const lines = String(s).split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "Parameter           Shape  Dtype    Count",
      "-----------------------------------------",
      "mlp/layer2/bias     [8]    float32      8",
      "mlp/layer2/kernel   [4,8]  float32     32",
    ]);
    expect(lines).toContain("Total: 83 parameters, 332 bytes (332 B)");
    expect(lines).toContain("Inputs: x float32[batch,4]");
    expect(lines.find((l) => l.startsWith("Graph (optimized): "))).toMatch(/^Graph \(optimized\): \d+ nodes — .*matmul 2/);
  });

  it("peak memory: the WASM arena at the sizes given to symbolic dimensions, at least the largest activation, at most the bytes without reuse", async () => {
    const y = mlp();
    const [one, many] = [await gg.nn.summary(y), await gg.nn.summary(y, { dims: { batch: 256 } })];
    expect(one.dims).toEqual({ batch: 1 });
    expect(many.dims).toEqual({ batch: 256 });
    expect(many.peakBytes).toBeGreaterThanOrEqual(256 * 8 * 4); // the hidden activation [256, 8] float32
    expect(many.peakBytes).toBeGreaterThan(one.peakBytes);
    expect(many.peakBytes).toBeLessThanOrEqual(many.unplannedBytes);
    expect(many.kernels).toBeGreaterThan(0);
    expect(String(many)).toMatch(/^Peak memory \(WASM buffer arena, batch = 256\): \d+\.\d KiB in \d+ kernels \(\d+\.\d KiB without reuse\)$/m);
  });

  it("float64 parameters count 8 bytes; print logs the table; bad options are GraphgradErrors", async () => {
    const p = gg.nn.denseParams("wide", 3, 2, { dtype: "float64" });
    const y = gg.nn.dense(gg.input("x", [2, 3], "float64"), p);
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const s = await gg.nn.summary({ y }, { print: true });
      expect([s.totalParams, s.totalBytes]).toEqual([8, 64]);
      expect(log).toHaveBeenCalledWith(s.text);
    } finally {
      log.mockRestore();
    }
    await expect(gg.nn.summary(y, { dims: { batch: -1 } })).rejects.toThrow("nn.summary: options.dims['batch'] must be an integer >= 0, got -1");
    await expect(gg.nn.summary({ y: 3 } as never)).rejects.toThrow(/^nn\.summary: the outputs \(an Expr or a record of Exprs\)\['y'\] must be an Expr/);
    await expect(gg.nn.summary(gg.sum(gg.input("big", ["n", 1024])), { dims: { n: 2 ** 21 } })).rejects.toThrow(/^nn\.summary: the input 'big' \[n,1024\] would have 2147483648 elements/);
  });
});
