import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "./cli.js";
import { pickReference, REFERENCE_IMPL } from "./checks.js";
import { type Ceiling, measureCeiling } from "./ceiling.js";
import type { ImplInfo } from "./impls/registry.js";
import { machine } from "./machine.js";
import type { Figure } from "./protocol.js";
import { formatNumber, report } from "./report.js";
import { writeReport } from "./report-files.js";
import { SCALING, SCALING_LIMIT_SECONDS, SCALING_PLAN } from "./scaling.js";
import { scalingReport } from "./scaling-report.js";
import { runScaling } from "./scaling-run.js";
import { ROOT, runWorker } from "./spawn.js";
import { FIGURES, FULL, timingPlan } from "./workloads.js";

/**
 * `npm run bench`: every workload on graphgrad (each backend it exports) and on the peers, one
 * process per (implementation, workload), one after the other so they never share the two cores;
 * then (full runs) how cost grows with the batch (W2) and the model size (W3). Prints each figure
 * as it comes, then the tables, the ratios and the correctness guard; writes everything to
 * bench/results.json (or --out) and the report with its plots to bench/report/ (or --report).
 */
const options = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
})();

/** Optional peers whose requirements are missing are dropped with one line each (a requirement shared by several is asked once). */
function usableImpls(impls: readonly ImplInfo[]): ImplInfo[] {
  const verdicts = new Map<() => string | undefined, string | undefined>();
  for (const i of impls) if (i.missing !== undefined && !verdicts.has(i.missing)) verdicts.set(i.missing, i.missing());
  for (const reason of verdicts.values()) if (reason !== undefined) console.log(reason);
  return impls.filter((i) => i.missing === undefined || verdicts.get(i.missing) === undefined);
}

const started = new Date();
const host = machine();
const modeFlags = [...(options.mode === "quick" ? ["--quick"] : []), ...(options.profile ? ["--profile"] : [])];
console.log(`graphgrad bench, ${options.mode} mode, ${started.toISOString()}`);
console.log(`${host.cpu}, ${host.cores} cores, Node ${host.node}; load average ${host.loadAverage.join(" ")}`);
const impls = usableImpls(options.impls);
console.log(`implementations: ${impls.map((i) => i.id).join(", ")}; workloads: ${options.workloads.join(", ")}${options.scaling ? "; then the scaling section" : ""}`);

function progress(f: Figure): void {
  const size = f.config === undefined ? "" : ` ${JSON.stringify(f.config)}`;
  const name = `${f.workload} ${f.impl}${f.variant === "workaround" ? " (workaround)" : ""}${size}`.padEnd(30);
  const what =
    f.status === "ok" && f.value !== undefined
      ? `${formatNumber(f.value)} ${f.unit ?? ""}  (median of ${f.runs} runs × ${f.stepsPerRun})`
      : f.status === "ok"
        ? "check only"
        : `${f.status}: ${f.reason ?? ""}`;
  const memory = f.memory === undefined ? "" : `, peak RSS ${(f.memory.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
  const load = f.load === undefined ? "" : `, load ${f.load.start.toFixed(1)}→${f.load.end.toFixed(1)}`;
  const blas = f.notes?.["blasCore"] === undefined ? "" : `, OpenBLAS ${String(f.notes["blasCore"])} kernels × ${String(f.notes["blasThreads"])}`;
  console.log(`${name} ${what}  [${(f.wallSeconds ?? 0).toFixed(1)} s${memory}${blas}${load}]`);
  if (f.profile !== undefined && f.profile.length > 0) console.log(f.profile.map((l) => `    ${l}`).join("\n"));
}

let ceiling: Ceiling | undefined;
let ceilingLine = "";
const figures: Figure[] = [];
const references: Figure[] = [];
if (options.main) {
  ceiling = await measureCeiling();
  const together = ceiling.fmaAllCores === undefined ? "" : `; ${ceiling.fmaAllCores.threads} cores at once: ${ceiling.fmaAllCores.gflops.toFixed(1)} GFLOP/s with f32x4.relaxed_madd`;
  ceilingLine = `SIMD128 ceiling of one core: ${ceiling.mulAdd.toFixed(1)} GFLOP/s with f32x4.mul + f32x4.add, ${ceiling.fma === undefined ? "no relaxed-SIMD FMA in this engine" : `${ceiling.fma.toFixed(1)} GFLOP/s with f32x4.relaxed_madd`}${together} (${ceiling.method})`;
  console.log(`${ceilingLine}\n`);
  for (const w of options.workloads) {
    for (const impl of impls) {
      const limit = impl.limits?.[w] ?? options.timeoutSeconds;
      const asIs = await runWorker(impl.id, w, modeFlags, limit);
      figures.push(asIs);
      progress(asIs);
      if (impl.workarounds[w] !== undefined) {
        const wa = await runWorker(impl.id, w, [...modeFlags, "--workaround"], options.timeoutSeconds);
        figures.push(wa);
        progress(wa);
      }
    }
    let reference = pickReference(figures, w);
    if (!figures.some((f) => f.impl === REFERENCE_IMPL && f.workload === w) && options.reference) {
      // gg-js was not among the timed implementations: run it for the correctness numbers only.
      const ref = await runWorker(REFERENCE_IMPL, w, [...modeFlags, "--check-only"], options.timeoutSeconds);
      progress({ ...ref, impl: `${REFERENCE_IMPL} (reference)` });
      reference = pickReference([ref, ...figures], w);
    }
    if (reference !== undefined) references.push(reference);
  }
}

const columns = impls.map((i) => ({ id: i.id, kind: i.kind }));
const workaroundNotes = Object.fromEntries(impls.map((i) => [i.id, i.workarounds]));
const r = report(figures, references, columns, options.main ? options.workloads : [], workaroundNotes);
const heading = `Measured ${started.toISOString().slice(0, 10)} on ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node} (${options.mode} mode; load average ${host.loadAverage.join(" ")} at the start).`;
if (options.main) {
  console.log(`\n${heading}\n`);
  console.log(r.lines.join("\n"));
  console.log(`\n${ceilingLine}`);
}

let scalingFigures: Figure[] = [];
let scalingLines: string[] = [];
let svgs: ReadonlyMap<string, string> = new Map();
const scalingStarted = new Date();
if (options.scaling) {
  console.log(`\nHow cost grows: ${SCALING.map((s) => `${s.workload} by ${s.parameter} (${s.points.map((p) => p.x).join(", ")})`).join("; ")}; ${SCALING_LIMIT_SECONDS} s per cell.\n`);
  scalingFigures = await runScaling(impls, progress);
  const sr = scalingReport(scalingFigures, columns);
  scalingLines = sr.lines;
  svgs = sr.svgs;
  console.log(scalingLines.join("\n"));
}

// A two-thread worker (gg-wasm, torch) keeps both cores busy itself: its 1-minute load average
// nears 2 on an idle machine. More than half a core above the core count means other processes
// shared the cores.
const all = [...figures, ...scalingFigures];
const busiest = Math.max(0, ...all.map((f) => Math.max(f.load?.start ?? 0, f.load?.end ?? 0)));
const busy = busiest > host.cores + 0.5;
if (busy) {
  console.log(`\n⚠ The machine was busy during this run (1-minute load average up to ${busiest.toFixed(1)} on ${host.cores} cores): other processes shared the cores, so these figures are skewed. Rerun on an idle machine for figures to publish.`);
}
const flagged = r.checks.filter((c) => !c.outcome.ok);
if (flagged.length > 0) console.log(`\n⚠ ${flagged.length} figure(s) disagree with the reference: see the correctness table.`);

const finished = new Date();
const out = path.resolve(ROOT, options.out);
const results = {
  date: started.toISOString(),
  seconds: (finished.getTime() - started.getTime()) / 1000,
  scalingSeconds: options.scaling ? (finished.getTime() - scalingStarted.getTime()) / 1000 : undefined,
  machine: { ...host, loadAverageAtEnd: machine().loadAverage, busiestLoadAverage: busiest, busy },
  mode: options.mode,
  command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
  method:
    "one process per (implementation, workload), run one after another; data and initial parameters generated by the harness from a fixed seed, the same for every implementation (PyTorch receives them as raw float32 bytes); warm-up excluded; each figure is the median over its timed runs (count in `runs`, per-run figures in `samples`); every train step ends with its loss read back to the host, W4 with C read back; peak memory is the ru_maxrss of the process that computed.",
  implementations: impls.map((i) => ({ id: i.id, kind: i.kind, describe: i.describe, workarounds: i.workarounds })),
  workloads: Object.fromEntries(
    (options.main ? options.workloads : []).map((w) => [w, { title: FIGURES[w].title, unit: FIGURES[w].unit, higherIsBetter: FIGURES[w].higherIsBetter, config: FULL[w], plan: timingPlan(w, options.mode) }]),
  ),
  figures,
  references,
  ceiling,
  ratios: r.ratios,
  checks: r.checks,
  table: options.main ? r.lines : [],
  scaling: options.scaling ? { series: SCALING, plan: SCALING_PLAN, limitSeconds: SCALING_LIMIT_SECONDS, figures: scalingFigures, table: scalingLines } : undefined,
};
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
const written = writeReport(path.resolve(ROOT, options.reportDir), {
  heading: `${heading} Run took ${results.seconds.toFixed(0)} s; busiest 1-minute load average ${busiest.toFixed(1)}.`,
  main: options.main ? [...r.lines, "", ceilingLine] : [],
  scaling: scalingLines,
  svgs,
});
console.log(`\nwrote ${[out, ...written].map((p) => path.relative(process.cwd(), p)).join(", ")} (${results.seconds.toFixed(0)} s in all)`);
