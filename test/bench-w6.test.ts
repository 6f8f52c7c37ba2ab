import { describe, expect, it } from "vitest";
import { relativeDifference } from "../bench/checks.js";
import { w6Data } from "../bench/data/datasets.js";
import { runWorker } from "../bench/spawn.js";
import { TINY, w6PooledShape } from "../bench/workloads.js";
import { webGpuSkipped } from "./backends/webgpu-setup.js";
import { w6FirstLoss } from "./bench-reference.js";

/**
 * W6 (the small CNN) gives the float64 reference's first loss at tiny sizes: graphgrad on JS and
 * WASM (one and two threads) and, where this run has it, WebGPU; TF.js cpu as is, TF.js wasm
 * through its documented workaround (its as-is form fails for want of a Conv2DBackpropFilter
 * kernel), and jax-js.
 */
describe("W6 on graphgrad and the JS peers", () => {
  it("the pooled shape follows valid 3×3 convolutions and 2×2 pooling", () => {
    expect(w6PooledShape({ ...TINY.W6, height: 28, width: 28, filters: [32, 64] })).toEqual([12, 12, 64]);
    expect(w6PooledShape(TINY.W6)).toEqual([2, 2, 3]);
  });

  it("first losses agree with the float64 reference; the workaround is labelled", async () => {
    const expected = w6FirstLoss(TINY.W6, w6Data(TINY.W6));
    const runs = [
      ["tfjs-cpu", []],
      ["tfjs-wasm", ["--workaround"]],
      ["tfjs-wasm", []],
      ["jax-wasm", []],
      ["gg-js", []],
      ["gg-wasm", []],
      ["gg-wasm-1t", []],
    ] as const;
    const figures = await Promise.all(runs.map(([impl, flags]) => runWorker(impl, "W6", ["--quick", "--tiny", "--check-only", ...flags], 60)));
    const [cpu, wasmWorkaround, wasmAsIs, jax, ...graphgrad] = figures;
    for (const f of [cpu, wasmWorkaround, jax, ...graphgrad]) {
      expect(f?.status, `${f?.impl}: ${f?.reason ?? ""}`).toBe("ok");
      expect(relativeDifference(f?.check?.firstLoss ?? Number.NaN, expected)).toBeLessThanOrEqual(1e-6);
    }
    expect(wasmWorkaround?.variant).toBe("workaround");
    expect(wasmAsIs?.status).toBe("failed");
    expect(wasmAsIs?.reason).toMatch(/Conv2DBackpropFilter/);
  });

  it("on WebGPU (where this run has it) the first loss agrees too", async ({ skip }) => {
    if (webGpuSkipped()) skip();
    // The worker inherits the Vulkan driver webgpu-setup chose for this process (SwiftShader without a GPU).
    const f = await runWorker("gg-webgpu", "W6", ["--quick", "--tiny", "--check-only"], 120);
    expect(f.status, f.reason).toBe("ok");
    expect(relativeDifference(f.check?.firstLoss ?? Number.NaN, w6FirstLoss(TINY.W6, w6Data(TINY.W6)))).toBeLessThanOrEqual(1e-6);
  });
});
