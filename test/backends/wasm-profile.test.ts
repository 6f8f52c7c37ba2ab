import { describe, expect, it } from "vitest";
import { bindRunner } from "../../backends/backend.js";
import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { formatProfile } from "../../backends/wasm/profile.js";
import { graphOf } from "../../ir/graph.js";
import { GraphgradError } from "../../ir/errors.js";
import { tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";

describe("wasm profile", () => {
  const x = gg.input("x", [64, 96]);
  const w = gg.input("w", [96, 40]);
  const y = gg.relu(gg.matmul(x, w));
  const graph = graphOf({ y: y.node, t: gg.tanh(y).node, s: gg.sum(y, [1]).node });
  const feeds = new Map([
    ["x", tensorFrom(Float32Array.from({ length: 64 * 96 }, (_, i) => Math.sin(i)), "float32", [64, 96])],
    ["w", tensorFrom(Float32Array.from({ length: 96 * 40 }, (_, i) => Math.cos(i)), "float32", [96, 40])],
  ]);

  it("times every kernel and the host's copies, by kind and shape, with the matmul's GFLOP/s", async () => {
    for (const threads of [1, 2]) {
      const exe = (await wasm({ threads, profile: true }).compile(graph)) as WasmExecutable;
      const plain = await (await wasm({ threads }).compile(graph)).run(feeds);
      for (let r = 0; r < 3; r++) {
        const got = await exe.run(feeds);
        // Profiling changes how kernels are called, not what they compute.
        for (const k of ["y", "t", "s"]) expect(Array.from(got[k]?.data ?? [])).toEqual(Array.from(plain[k]?.data ?? []));
      }
      const profile = exe.stats()[0]?.profile;
      if (profile === undefined) throw new Error("no profile");
      expect(profile.runs).toBe(3);
      const kinds = new Set(profile.entries.map((e) => e.kind));
      for (const kind of ["matmul", "map", "reduce", "copy in", "copy out"]) expect(kinds).toContain(kind);
      const matmul = profile.entries.find((e) => e.kind === "matmul");
      expect(matmul?.label).toBe("matmul float32 [64,96]·[96,40] +epilogue");
      expect(matmul?.flops).toBe(2 * 64 * 96 * 40);
      expect(matmul?.calls).toBe(3);
      expect(matmul?.gflops).toBeCloseTo((2 * 64 * 96 * 40 * 3) / (matmul?.seconds ?? 0) / 1e9, 6);
      // Every entry is part of the runs' time, and the entries come most time first.
      const parts = profile.entries.reduce((a, e) => a + e.seconds, 0);
      expect(parts).toBeLessThanOrEqual(profile.seconds * (1 + 1e-9));
      expect(profile.entries.map((e) => e.seconds)).toEqual([...profile.entries.map((e) => e.seconds)].sort((a, b) => b - a));
      const text = formatProfile(profile);
      expect(text[0]).toMatch(/^3 runs, [\d.]+ ms per run:$/);
      expect(text.some((l) => l.includes("matmul float32 [64,96]·[96,40] +epilogue") && /GFLOP\/s$/.test(l))).toBe(true);
    }
  });

  it("is off by default, and bound runners are timed too", async () => {
    const exe = (await wasm().compile(graph)) as WasmExecutable;
    await exe.run(feeds);
    expect(exe.stats()[0]?.profile).toBeUndefined();
    const profiled = (await wasm({ profile: true }).compile(graph)) as WasmExecutable;
    const step = bindRunner(profiled, ["x", "w"], { tensors: ["y"], scalars: [] });
    for (let r = 0; r < 2; r++) {
      const out = step([feeds.get("x") as gg.Tensor, feeds.get("w") as gg.Tensor]);
      if (out instanceof Promise) await out;
    }
    expect(profiled.stats()[0]?.profile?.runs).toBe(2);
  });

  it("refuses a profile option that is not a boolean", () => {
    expect(() => wasm({ profile: "yes" as unknown as boolean })).toThrow(GraphgradError);
    expect(() => wasm({ profile: "yes" as unknown as boolean })).toThrow(/profile must be true or false, got/);
  });
});
