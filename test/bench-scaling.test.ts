import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeData } from "../bench/impls/torch/encode.js";
import { type Reply, ReplyReader } from "../bench/impls/torch/pipe.js";
import type { Figure } from "../bench/protocol.js";
import type { ScalingSeries } from "../bench/scaling.js";
import { scalingReport } from "../bench/scaling-report.js";
import { runScaling } from "../bench/scaling-run.js";
import type { WorkloadId } from "../bench/workloads.js";

/** The scaling section's bookkeeping, and the framing of the pipe to the PyTorch worker. */

const SERIES: ScalingSeries = {
  workload: "W2",
  title: "W2 by batch",
  parameter: "batch",
  points: [32, 64, 128].map((b) => ({ x: b, label: `${b}`, config: { batch: b } })),
};

describe("the scaling section", () => {
  it("stops running an implementation once it is too slow or fails, and runs a peer's workaround", async () => {
    const calls: string[] = [];
    const fake = async (impl: string, workload: WorkloadId, flags: readonly string[]): Promise<Figure> => {
      const config = JSON.parse(flags[flags.indexOf("--config") + 1] ?? "{}") as { batch: number };
      calls.push(`${impl} ${config.batch}${flags.includes("--workaround") ? " workaround" : ""}`);
      if (impl === "broken") return { impl, workload, variant: "as-is", status: "failed", reason: "no adapter" };
      const tooSlow = impl === "slow" && config.batch >= 64;
      return tooSlow
        ? { impl, workload, variant: "as-is", status: "too-slow", reason: "no result within the 60 s limit" }
        : { impl, workload, variant: flags.includes("--workaround") ? "workaround" : "as-is", status: "ok", value: config.batch / 10, memory: { peakRssBytes: config.batch * 2 ** 20 } };
    };
    const impls = [
      { id: "fast", workarounds: {} },
      { id: "slow", workarounds: {} },
      { id: "patched", workarounds: { W2: "another formulation" } },
      { id: "broken", workarounds: {} },
    ];
    const figures = await runScaling(impls, () => undefined, [SERIES], fake);
    expect(calls).toEqual(["fast 32", "slow 32", "patched 32 workaround", "broken 32", "fast 64", "slow 64", "patched 64 workaround", "fast 128", "patched 128 workaround"]);
    expect(figures).toHaveLength(12);
    const skipped = figures.find((f) => f.impl === "slow" && f.config?.["batch"] === 128);
    expect(skipped?.status).toBe("too-slow");
    expect(skipped?.reason).toBe("too slow at batch 64 already");
    expect(figures.find((f) => f.impl === "broken" && f.config?.["batch"] === 64)?.reason).toBe("no adapter");

    const columns = impls.slice(0, 3).map((i) => ({ id: i.id, kind: "peer" as const }));
    const r = scalingReport(figures, columns, [SERIES]);
    const text = r.lines.join("\n");
    expect(text).toContain("| 64 | 6.40 | too slow | 6.40 † |");
    expect(text).toContain("| 128 | 128 MiB | — | 128 MiB |");
    const svg = r.svgs.get("scaling-w2.svg") ?? "";
    expect(svg).toMatch(/^<\?xml/);
    for (const id of ["fast", "slow", "patched"]) expect(svg).toContain(`>${id}<`);
    // "slow" has one point: a marker and no line; the others a line through three points.
    expect(svg.match(/<path /g)?.length).toBe(4);
  });

  it("flags a size whose first losses disagree with the reference at that size", () => {
    const base = { workload: "W2", variant: "as-is", status: "ok", value: 10, config: { batch: 32 } } as const;
    const figures: Figure[] = [
      { ...base, impl: "gg-js", check: { firstLoss: 2.3, secondLoss: 2.2 } },
      { ...base, impl: "peer", check: { firstLoss: 2.4, secondLoss: 2.2 } },
    ];
    const r = scalingReport(figures, [{ id: "gg-js", kind: "graphgrad" }, { id: "peer", kind: "peer" }], [{ ...SERIES, points: SERIES.points.slice(0, 1) }]);
    expect(r.lines.join("\n")).toContain("| 32 | 10.0 | 10.0 ⚠ |");
  });
});

describe("the pipe to the PyTorch worker", () => {
  it("reassembles replies however the bytes are split", () => {
    const payload = Buffer.from(Float32Array.of(1.5, -2, 3e-8).buffer);
    const stream = Buffer.concat([Buffer.from('{"notes":{}}\n'), Buffer.from(`{"bytes":${payload.length}}\n`), payload, Buffer.from('{"loss":1.25}\n')]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const replies: Reply[] = [];
        const reader = new ReplyReader((r) => replies.push(r));
        const at = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        for (let i = 0; i + 1 < at.length; i++) reader.push(stream.subarray(at[i], at[i + 1]));
        expect(replies.map((r) => r.message)).toEqual([{ notes: {} }, { bytes: payload.length }, { loss: 1.25 }]);
        expect(replies[1]?.bytes?.equals(payload)).toBe(true);
        expect(replies[2]?.bytes).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it("sends typed arrays as placeholders into the bytes, in order", () => {
    const w = Float32Array.of(0.1, 0.2, 0.3);
    const ids = Int32Array.of(7, 8).subarray(1);
    const { skeleton, payload } = encodeData({ layers: [{ w, n: 3 }], ids, name: "x" });
    expect(skeleton).toEqual({ layers: [{ w: { $array: "float32", offset: 0, length: 3 }, n: 3 }], ids: { $array: "int32", offset: 12, length: 1 }, name: "x" });
    const bytes = Uint8Array.from(Buffer.concat(payload));
    expect(new Float32Array(bytes.buffer.slice(0, 12))).toEqual(w);
    expect(new Int32Array(bytes.buffer.slice(12, 16))).toEqual(Int32Array.of(8));
    expect(() => encodeData({ x: Float64Array.of(1) })).toThrow(/unsupported typed array Float64Array/);
  });
});
