import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareCheck, pickReference, relativeDifference } from "../bench/checks.js";
import { parseArgs } from "../bench/cli.js";
import { w1Data, w2Data, w3Data, w4Data, w5Data } from "../bench/data/datasets.js";
import { graphgrad } from "../bench/impls/graphgrad/index.js";
import { checksum, measureTrainer, measureWorkload, median } from "../bench/measure.js";
import { type Figure, NotYet } from "../bench/protocol.js";
import { orientedRatio, report } from "../bench/report.js";
import { runWorker } from "../bench/spawn.js";
import { type TimingPlan, TINY, w5Steps } from "../bench/workloads.js";
import * as gg from "../src/index.js";
import { matmulReference, w1Losses, w2FirstLoss, w3FirstLoss, w5Losses } from "./bench-reference.js";

/**
 * Keeps the benchmark harness from rotting: graphgrad's side of every workload runs at tiny sizes
 * and must give the losses (and W4 product) that a plain float64 host computation gives; the
 * harness's own logic (plans, medians, checksum, correctness guard, ratios, arguments) is checked;
 * and one worker process runs end to end. Nothing here times anything.
 */

const impl = graphgrad(gg.js());
/** Two checked steps, one timed run of one step (W5: of a whole tiny training run). */
const plan = (stepsPerRun = 1): TimingPlan => ({ warmup: 2, warmupSeconds: 0, stepsPerRun, maxRuns: 1, minRuns: 1, budgetSeconds: 0 });
const close = (a: number | undefined, b: number, rel: number): void => {
  expect(a).toBeDefined();
  expect(relativeDifference(a as number, b)).toBeLessThanOrEqual(rel);
};

describe("graphgrad's workloads at tiny sizes", () => {
  it("W1: the seed recipe's first two SGD steps", async () => {
    const m = await measureWorkload(impl, "W1", TINY, plan());
    const [l1, l2] = w1Losses(TINY.W1, w1Data(TINY.W1));
    close(m.check.firstLoss, l1, 1e-6);
    close(m.check.secondLoss, l2, 1e-6);
    expect(m.seconds).toHaveLength(1);
    expect(m.seconds[0]).toBeGreaterThan(0);
  });

  it("W2: the MLP's first loss", async () => {
    const m = await measureWorkload(impl, "W2", TINY, plan());
    close(m.check.firstLoss, w2FirstLoss(w2Data(TINY.W2)), 1e-6);
    // Adam moved the parameters: the second batch's loss is not the first's.
    expect(m.check.secondLoss).not.toBe(m.check.firstLoss);
  });

  it("W3: the LSTM language model's first loss", async () => {
    const m = await measureWorkload(impl, "W3", TINY, plan());
    close(m.check.firstLoss, w3FirstLoss(TINY.W3, w3Data(TINY.W3)), 1e-6);
    expect(Number.isFinite(m.check.secondLoss)).toBe(true);
  });

  it("W4: the 64³ product (checksum of the float64 reference)", async () => {
    const d = w4Data(TINY.W4);
    const m = await measureWorkload(impl, "W4", TINY, plan());
    close(m.check.checksum, checksum(matmulReference(d.a, d.b, TINY.W4.n)), 1e-6);
  });

  it("W5: a whole training run, step by step", async () => {
    const steps = w5Steps(TINY.W5);
    const m = await measureWorkload(impl, "W5", TINY, plan(steps));
    const losses = w5Losses(TINY.W5, w5Data(TINY.W5), steps);
    close(m.check.firstLoss, losses[0] as number, 1e-6);
    close(m.check.secondLoss, losses[1] as number, 1e-6);
    close(m.check.finalLoss, losses[steps - 1] as number, 1e-5);
  });
});

describe("the harness", () => {
  it("median: the middle of the sorted values (mean of the two middle ones for even counts)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 9 }), (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        const n = s.length;
        const expected = n % 2 === 1 ? s[(n - 1) / 2] : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
        expect(median(xs)).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it("checksum depends on positions: a transposed product is caught", () => {
    const n = 4; // n ≡ 1 (mod 3), like 1024
    const c = Float32Array.from({ length: n * n }, (_, k) => k + 1);
    const t = Float32Array.from({ length: n * n }, (_, k) => c[(k % n) * n + Math.floor(k / n)] as number);
    expect(checksum(t)).not.toBe(checksum(c));
    expect(checksum(Float32Array.from(c, (v) => -v))).toBe(checksum(c));
  });

  it("a trainer is stepped warm-up + runs × stepsPerRun times, within the run limits", async () => {
    let steps = 0;
    const counting = { step: async () => ++steps };
    const p: TimingPlan = { warmup: 3, warmupSeconds: 0, stepsPerRun: 4, maxRuns: 5, minRuns: 2, budgetSeconds: 0 };
    const m = await measureTrainer(counting, p);
    expect(m.seconds).toHaveLength(2); // budget 0: stops at minRuns
    expect(steps).toBe(3 + 2 * 4);
    expect(m.check).toEqual({ firstLoss: 1, secondLoss: 2 });
  });

  it("the correctness guard flags a number beyond tolerance and passes one within", () => {
    const ref = { firstLoss: 2.5, secondLoss: 2.4 };
    expect(compareCheck("W2", { firstLoss: 2.5 * (1 + 5e-6), secondLoss: 2.4 }, ref).ok).toBe(true);
    const bad = compareCheck("W2", { firstLoss: 2.5, secondLoss: 2.41 }, ref);
    expect(bad.ok).toBe(false);
    expect(bad.compared.find((c) => !c.ok)?.key).toBe("secondLoss");
    expect(compareCheck("W2", { firstLoss: Number.NaN, secondLoss: 2.4 }, ref).ok).toBe(false);
  });

  it("ratios are > 1 when graphgrad is better, for times and for throughputs", () => {
    const fig = (impl: string, value: number, higherIsBetter: boolean): Figure => ({ impl, workload: "W1", variant: "as-is", status: "ok", value, higherIsBetter });
    expect(orientedRatio(fig("gg", 10, false), fig("peer", 30, false))).toBe(3);
    expect(orientedRatio(fig("gg", 30, true), fig("peer", 10, true))).toBe(3);
  });

  it("the report uses a peer's workaround figure when it fails as is, and flags a disagreeing figure", () => {
    const base = { workload: "W3", unit: "words/s", higherIsBetter: true } as const;
    const figures: Figure[] = [
      { ...base, impl: "gg-js", variant: "as-is", status: "ok", value: 100, check: { firstLoss: 184.3, secondLoss: 184.2 } },
      { ...base, impl: "tfjs-wasm", variant: "as-is", status: "failed", reason: "Kernel 'UnsortedSegmentSum' not registered" },
      { ...base, impl: "tfjs-wasm", variant: "workaround", status: "ok", value: 50, check: { firstLoss: 184.3, secondLoss: 190 } },
    ];
    const impls = [
      { id: "gg-js", kind: "graphgrad" },
      { id: "tfjs-wasm", kind: "peer" },
    ] as const;
    const r = report(figures, figures.slice(0, 1), impls, ["W3"], { "tfjs-wasm": { W3: "scatterND" } });
    expect(r.ratios).toEqual([{ workload: "W3", graphgrad: "gg-js", peer: "tfjs-wasm", peerVariant: "workaround", ratio: 2 }]);
    expect(r.checks.find((c) => c.impl === "tfjs-wasm")?.outcome.ok).toBe(false);
    const text = r.lines.join("\n");
    expect(text).toContain("as is fails: Kernel 'UnsortedSegmentSum' not registered; 50.0 ⚠ with workaround†");
  });

  it("parses --workloads, --impls and --quick; rejects unknown names", () => {
    const o = parseArgs(["--workloads", "W4,W1", "--impls", "gg-js,peers", "--quick"]);
    expect(o.workloads).toEqual(["W1", "W4"]);
    expect(o.mode).toBe("quick");
    expect(o.impls.map((i) => i.id)).toEqual(["gg-js", "tfjs-cpu", "tfjs-wasm", "jax-wasm", "torch", "torch-1t"]);
    expect(() => parseArgs(["--workloads", "W9"])).toThrow(/unknown workload/);
    expect(() => parseArgs(["--impls", "nope"])).toThrow(/unknown or unavailable implementation/);
  });

  it("the full run has the scaling section, --quick does not, --scaling runs only it", () => {
    const pick = (argv: string[]): [boolean, boolean] => {
      const o = parseArgs(argv);
      return [o.main, o.scaling];
    };
    expect(pick([])).toEqual([true, true]);
    expect(pick(["--quick"])).toEqual([true, false]);
    expect(pick(["--no-scaling"])).toEqual([true, false]);
    expect(pick(["--scaling"])).toEqual([false, true]);
    expect(parseArgs(["--report", "/tmp/r"]).reportDir).toBe("/tmp/r");
  });

  it("a trainer that times its own steps (another process) is timed by its own clock", async () => {
    let steps = 0;
    const remote = {
      step: async () => ++steps,
      timeSteps: async (n: number) => {
        steps += n;
        return { seconds: 0.5 * n, lastLoss: steps };
      },
    };
    const p: TimingPlan = { warmup: 2, warmupSeconds: 0, stepsPerRun: 4, maxRuns: 3, minRuns: 3, budgetSeconds: 0 };
    const m = await measureTrainer(remote, p);
    expect(m.seconds).toEqual([0.5, 0.5, 0.5]);
    expect(steps).toBe(2 + 3 * 4);
  });

  it("a workload the implementation lacks is reported \"not yet\", and its table cell says so", async () => {
    const lacking = { ...impl, W6: undefined };
    await expect(measureWorkload(lacking, "W6", TINY, plan())).rejects.toBeInstanceOf(NotYet);
    const figures: Figure[] = [
      { impl: "gg-js", workload: "W6", variant: "as-is", status: "not-yet", reason: "W6 is not implemented here yet" },
      { impl: "torch-1t", workload: "W6", variant: "as-is", status: "ok", value: 90, unit: "ms/step", higherIsBetter: false, check: { firstLoss: 2.3, secondLoss: 2.4 }, memory: { peakRssBytes: 300 * 2 ** 20 } },
    ];
    const impls = [
      { id: "gg-js", kind: "graphgrad" },
      { id: "torch-1t", kind: "peer" },
    ] as const;
    const r = report(figures, [pickReference(figures, "W6") as Figure], impls, ["W6"], {});
    const text = r.lines.join("\n");
    expect(text).toContain("| not yet | 90.0 |");
    expect(text).toContain("| W6 | not yet | 300 MiB |");
    expect(r.ratios).toEqual([]);
    expect(r.checks.find((c) => c.impl === "torch-1t")?.outcome.note).toBeUndefined();
    expect(text).toMatch(/\| W6 \| torch-1t \| .* \| reference \|/);
  });

  it("a worker process runs a workload and reports it as JSON", async () => {
    const f = await runWorker("gg-js", "W1", ["--quick", "--tiny"], 60);
    expect(f.status).toBe("ok");
    expect(f.unit).toBe("µs/step");
    expect(f.runs).toBeGreaterThanOrEqual(3);
    close(f.check?.firstLoss, w1Losses(TINY.W1, w1Data(TINY.W1))[0], 1e-6);
  });

  it("--profile: a WASM worker's figure says where its runs' time went, per kernel (other backends' say nothing)", async () => {
    expect(parseArgs(["--profile"]).profile).toBe(true);
    expect(parseArgs([]).profile).toBe(false);
    const [wasmFigure, jsFigure] = await Promise.all([runWorker("gg-wasm-1t", "W4", ["--quick", "--tiny", "--profile"], 60), runWorker("gg-js", "W4", ["--quick", "--tiny", "--profile"], 60)]);
    expect(wasmFigure.status).toBe("ok");
    const lines = wasmFigure.profile ?? [];
    expect(lines[0]).toMatch(/^program 1: \d+ runs, [\d.]+ ms per run:$/);
    expect(lines.some((l) => /matmul float32 \[64,64\]·\[64,64\] +[\d.]+ GFLOP\/s$/.test(l))).toBe(true);
    expect(jsFigure.status).toBe("ok");
    expect(jsFigure.profile ?? []).toEqual([]);
  });
});
