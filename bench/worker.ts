import os from "node:os";
import { findImpl } from "./impls/registry.js";
import { median, measureWorkload } from "./measure.js";
import { type Figure, NotExpressible } from "./protocol.js";
import { RESULT_MARKER } from "./result-marker.js";
import { FIGURES, FULL, isWorkloadId, type Mode, type TimingPlan, timingPlan, TINY, type WorkloadConfigs, type WorkloadId } from "./workloads.js";

/**
 * One implementation, one workload, in a process of its own:
 *   tsx bench/worker.ts <impl> <workload> [--quick] [--workaround] [--check-only] [--tiny]
 * prints one line `@@bench {json}` (a Figure) on stdout, whatever happens.
 * --check-only: only the correctness numbers (first steps; W5 one training run), no timing.
 */

function checkOnlyPlan(id: WorkloadId, mode: Mode, configs: WorkloadConfigs): TimingPlan {
  const p = timingPlan(id, mode, configs);
  return id === "W5" ? { ...p, warmupSeconds: 0, maxRuns: 1, minRuns: 1, budgetSeconds: 0 } : { ...p, warmup: Math.min(p.warmup, 2), warmupSeconds: 0, maxRuns: 0, minRuns: 0 };
}

async function main(argv: readonly string[]): Promise<Figure> {
  const [implId, workload] = argv;
  const flags = new Set(argv.slice(2));
  if (implId === undefined || workload === undefined || !isWorkloadId(workload)) {
    throw new Error("usage: tsx bench/worker.ts <impl> <W1..W5> [--quick] [--workaround] [--check-only] [--tiny]");
  }
  const variant = flags.has("--workaround") ? "workaround" : "as-is";
  const base = { impl: implId, workload, variant } as const;
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const wall = (): number => (performance.now() - started) / 1000;
  const load = (): { start: number; end: number } => ({ start: loadAtStart, end: os.loadavg()[0] ?? 0 });
  const info = findImpl(implId);
  if (info === undefined) return { ...base, status: "failed", reason: `unknown implementation '${implId}'` };
  try {
    const impl = await info.load();
    const factories = variant === "workaround" ? { ...impl, ...impl.workarounds } : impl;
    if (variant === "workaround" && impl.workarounds?.[workload] === undefined) throw new Error(`no workaround for ${workload}`);
    const mode: Mode = flags.has("--quick") ? "quick" : "full";
    const configs = flags.has("--tiny") ? TINY : FULL;
    const plan = flags.has("--check-only") ? checkOnlyPlan(workload, mode, configs) : timingPlan(workload, mode, configs);
    const m = await measureWorkload(factories, workload, configs, plan);
    const spec = FIGURES[workload];
    const samples = m.seconds.map((s) => spec.fromSeconds(s, configs));
    return {
      ...base,
      status: "ok",
      ...(m.seconds.length > 0 ? { value: spec.fromSeconds(median(m.seconds), configs) } : {}),
      unit: spec.unit,
      higherIsBetter: spec.higherIsBetter,
      runs: m.seconds.length,
      stepsPerRun: plan.stepsPerRun,
      warmup: plan.warmup,
      samples,
      check: m.check,
      notes: impl.notes?.() ?? {},
      load: load(),
      wallSeconds: wall(),
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message.split("\n")[0] ?? e.name : String(e);
    const status = e instanceof NotExpressible ? "not-expressible" : "failed";
    return { ...base, status, reason, load: load(), wallSeconds: wall() };
  }
}

const figure = await main(process.argv.slice(2));
// Exit once the line is written: some libraries keep worker threads or timers alive.
process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(figure)}\n`, () => process.exit(0));
