import os from "node:os";
import { findImpl } from "./impls/registry.js";
import { median, measureWorkload } from "./measure.js";
import { type Figure, type MemoryUse, NotExpressible, NotYet } from "./protocol.js";
import { RESULT_MARKER } from "./result-marker.js";
import { SCALING_PLAN } from "./scaling.js";
import { FIGURES, FULL, isWorkloadId, type Mode, type TimingPlan, timingPlan, TINY, withOverride, type WorkloadConfigs, type WorkloadId } from "./workloads.js";

/**
 * One implementation, one workload, in a process of its own:
 *   tsx bench/worker.ts <impl> <workload> [--quick] [--workaround] [--check-only] [--tiny]
 *                       [--scaling] [--config '{"batch":256}']
 * prints one line `@@bench {json}` (a Figure) on stdout, whatever happens.
 * --check-only: only the correctness numbers (first steps; W5 one training run), no timing.
 * --config: sizes replacing the workload's standard ones; --scaling: the short plan of the scaling runs.
 */
export const WORKER_USAGE =
  "usage: tsx bench/worker.ts <impl> <W1..W6> [--quick] [--workaround] [--check-only] [--tiny] [--scaling] [--profile] [--config '{\"batch\":256}']";

function checkOnlyPlan(id: WorkloadId, mode: Mode, configs: WorkloadConfigs): TimingPlan {
  const p = timingPlan(id, mode, configs);
  return id === "W5" ? { ...p, warmupSeconds: 0, maxRuns: 1, minRuns: 1, budgetSeconds: 0 } : { ...p, warmup: Math.min(p.warmup, 2), warmupSeconds: 0, maxRuns: 0, minRuns: 0 };
}

interface WorkerArgs {
  readonly implId: string;
  readonly workload: WorkloadId;
  readonly flags: ReadonlySet<string>;
  readonly override: Readonly<Record<string, number>> | undefined;
}

function parseWorkerArgs(argv: readonly string[]): WorkerArgs {
  const [implId, workload, ...rest] = argv;
  if (implId === undefined || workload === undefined || !isWorkloadId(workload)) throw new Error(WORKER_USAGE);
  const flags = new Set<string>();
  let override: Record<string, number> | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a !== "--config") {
      flags.add(a);
      continue;
    }
    const parsed: unknown = JSON.parse(rest[++i] ?? "null");
    if (typeof parsed !== "object" || parsed === null || Object.values(parsed).some((v) => typeof v !== "number")) throw new Error(`--config needs a JSON object of numbers\n${WORKER_USAGE}`);
    override = parsed as Record<string, number>;
  }
  return { implId, workload, flags, override };
}

/** This process's peak RSS (Node reports ru_maxrss in KiB), unless the implementation knows better. */
function memoryUse(reported: Partial<MemoryUse>): MemoryUse {
  const own = process.resourceUsage().maxRSS * 1024;
  return { peakRssBytes: reported.peakRssBytes ?? own, ...(reported.arenaBytes === undefined ? {} : { arenaBytes: reported.arenaBytes }) };
}

async function main(argv: readonly string[]): Promise<Figure> {
  const { implId, workload, flags, override } = parseWorkerArgs(argv);
  const variant = flags.has("--workaround") ? "workaround" : "as-is";
  const base = { impl: implId, workload, variant, ...(override === undefined ? {} : { config: override }) } as const;
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const wall = (): number => (performance.now() - started) / 1000;
  const load = (): { start: number; end: number } => ({ start: loadAtStart, end: os.loadavg()[0] ?? 0 });
  const info = findImpl(implId);
  if (info === undefined) return { ...base, status: "failed", reason: `unknown implementation '${implId}'` };
  try {
    const impl = await info.load(flags.has("--profile") ? { profile: true } : undefined);
    const factories = variant === "workaround" ? { ...impl, ...impl.workarounds } : impl;
    if (variant === "workaround" && impl.workarounds?.[workload] === undefined) throw new Error(`no workaround for ${workload}`);
    const mode: Mode = flags.has("--quick") ? "quick" : "full";
    const configs = withOverride(flags.has("--tiny") ? TINY : FULL, workload, override);
    const plan = flags.has("--check-only") ? checkOnlyPlan(workload, mode, configs) : flags.has("--scaling") ? SCALING_PLAN : timingPlan(workload, mode, configs);
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
      memory: memoryUse((await impl.memory?.()) ?? {}),
      notes: impl.notes?.() ?? {},
      load: load(),
      wallSeconds: wall(),
      ...(impl.profile === undefined ? {} : { profile: impl.profile() }),
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message.split("\n")[0] ?? e.name : String(e);
    const status = e instanceof NotExpressible ? "not-expressible" : e instanceof NotYet ? "not-yet" : "failed";
    return { ...base, status, reason, load: load(), wallSeconds: wall() };
  }
}

const figure = await main(process.argv.slice(2));
// Exit once the line is written: some libraries keep worker threads or timers alive.
process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(figure)}\n`, () => process.exit(0));
