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
    // 6 fused (mul, add, tanh) maps + 6 matmuls: 12 kernels, not 24.
    expect(stats?.kernels).toBe(12);
    expect(stats?.arenaBytes).toBeLessThan((stats?.unplannedBytes ?? 0) / 2);
  });
});
