import { describe, expect, it } from "vitest";
import { compareCheck, relativeDifference } from "../bench/checks.js";
import { w1Data, w2Data, w3Data, w4Data, w5Data, w6Data } from "../bench/data/datasets.js";
import { graphgrad } from "../bench/impls/graphgrad/index.js";
import { pythonEnv, torchMissing } from "../bench/impls/torch/python.js";
import { checksum, measureWorkload } from "../bench/measure.js";
import type { Check } from "../bench/protocol.js";
import { runWorker } from "../bench/spawn.js";
import { type TimingPlan, TINY, WORKLOAD_IDS, type WorkloadId, w5Steps } from "../bench/workloads.js";
import * as gg from "../src/index.js";
import { matmulReference, w1Losses, w2FirstLoss, w3FirstLoss, w5Losses, w6FirstLoss } from "./bench-reference.js";

/**
 * The PyTorch peer runs every workload in quick mode at tiny sizes, in its Python worker, and its
 * numbers pass the bench's correctness guard against graphgrad's JS backend (W6, which graphgrad
 * does not have yet, against the float64 reference). Skipped with one line when /usr/bin/python3
 * (or GRAPHGRAD_BENCH_PYTHON) has no torch; GRAPHGRAD_REQUIRE_TORCH=1 (set by CI) makes that a failure.
 */
const missing = torchMissing();
const required = process.env["GRAPHGRAD_REQUIRE_TORCH"] === "1";
if (missing !== undefined && !required) console.log(missing);

const close = (a: number | undefined, b: number, rel: number): void => {
  expect(a).toBeDefined();
  expect(relativeDifference(a as number, b)).toBeLessThanOrEqual(rel);
};

/** What graphgrad's JS backend gives at the tiny sizes (the guard's reference). */
async function ggCheck(w: WorkloadId): Promise<Check> {
  const plan: TimingPlan = { warmup: 2, warmupSeconds: 0, stepsPerRun: w === "W5" ? w5Steps(TINY.W5) : 1, maxRuns: w === "W5" ? 1 : 0, minRuns: w === "W5" ? 1 : 0, budgetSeconds: 0 };
  return (await measureWorkload(graphgrad(gg.js()), w, TINY, plan)).check;
}

describe.skipIf(missing !== undefined && !required)("the PyTorch peer", () => {
  it("is available", () => {
    expect(missing).toBeUndefined();
  });

  it("runs W1–W6 (W2 timed in quick mode, the others for their check numbers) on one thread and W4 on two; its numbers pass the guard", async () => {
    // The machine's environment may pin OpenBLAS to older kernels; the peer must clear that.
    const env = { ...process.env, OPENBLAS_CORETYPE: "Haswell" };
    // In parallel: most of each worker's time is starting Node and importing torch.
    const [twoThreads, ...figures] = await Promise.all([
      runWorker("torch", "W4", ["--quick", "--tiny", "--check-only"], 60, env),
      ...WORKLOAD_IDS.map((w) => runWorker("torch-1t", w, ["--quick", "--tiny", ...(w === "W2" ? [] : ["--check-only"])], 60, env)),
    ]);
    expect(twoThreads?.status, twoThreads?.reason).toBe("ok");
    expect(twoThreads?.notes?.["threads"]).toBe(2);
    expect(twoThreads?.notes?.["blasThreads"]).toBe(2);
    for (const f of figures) {
      expect(f.status, `${f.workload}: ${f.reason ?? ""}`).toBe("ok");
      expect(f.memory?.peakRssBytes).toBeGreaterThan(50 * 2 ** 20);
      expect(f.notes?.["OPENBLAS_CORETYPE"]).toBe("(unset)");
      expect(f.notes?.["threads"]).toBe(1);
      expect(f.notes?.["blasThreads"]).toBe(1);
      expect(f.notes?.["blasCore"]).toMatch(/^\w+$/);
      if (f.workload !== "W6") expect(compareCheck(f.workload, f.check, await ggCheck(f.workload)).ok, f.workload).toBe(true);
    }
    const timed = figures.find((f) => f.workload === "W2");
    expect(timed?.runs).toBeGreaterThanOrEqual(2);
    expect(timed?.value).toBeGreaterThan(0);
    const check = (w: WorkloadId): Check => figures.find((f) => f.workload === w)?.check ?? {};
    const [l1, l2] = w1Losses(TINY.W1, w1Data(TINY.W1));
    close(check("W1").firstLoss, l1, 1e-6);
    close(check("W1").secondLoss, l2, 1e-6);
    close(check("W2").firstLoss, w2FirstLoss(w2Data(TINY.W2)), 1e-6);
    close(check("W3").firstLoss, w3FirstLoss(TINY.W3, w3Data(TINY.W3)), 1e-6);
    const d4 = w4Data(TINY.W4);
    close(check("W4").checksum, checksum(matmulReference(d4.a, d4.b, TINY.W4.n)), 1e-6);
    const losses = w5Losses(TINY.W5, w5Data(TINY.W5), w5Steps(TINY.W5));
    close(check("W5").finalLoss, losses[losses.length - 1] as number, 1e-5);
    close(check("W6").firstLoss, w6FirstLoss(TINY.W6, w6Data(TINY.W6)), 1e-6);
  });

});

describe("the PyTorch worker's environment", () => {
  it("sets every thread pool and clears OPENBLAS_CORETYPE", () => {
    const env = pythonEnv(2, { OPENBLAS_CORETYPE: "Haswell", PATH: "/bin" });
    expect(env["OPENBLAS_CORETYPE"]).toBeUndefined();
    expect([env["OPENBLAS_NUM_THREADS"], env["OMP_NUM_THREADS"], env["MKL_NUM_THREADS"]]).toEqual(["2", "2", "2"]);
    expect(env["PATH"]).toBe("/bin");
  });

  it("a Python without torch is one line saying how to add it", () => {
    const line = torchMissing({ ...process.env, GRAPHGRAD_BENCH_PYTHON: "/nonexistent/python3" });
    expect(line).toMatch(/^PyTorch peers skipped: .*apt-get install -y python3-torch libopenblas0-pthread.*GRAPHGRAD_BENCH_PYTHON/);
    expect(line).not.toContain("\n");
  });
});
