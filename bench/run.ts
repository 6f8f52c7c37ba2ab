import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "./cli.js";
import { REFERENCE_IMPL } from "./checks.js";
import { measureCeiling } from "./ceiling.js";
import { machine } from "./machine.js";
import type { Figure } from "./protocol.js";
import { formatNumber, report } from "./report.js";
import { ROOT, runWorker } from "./spawn.js";
import { FIGURES, FULL, timingPlan } from "./workloads.js";

/**
 * `npm run bench`: every workload on graphgrad (each backend it exports) and on the peers, one
 * process per (implementation, workload), one after the other so they never share the two cores.
 * Prints each figure as it comes, then the table, the ratios and the correctness guard, and writes
 * everything to bench/results.json (or --out).
 */
const options = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
})();
const started = new Date();
const host = machine();
const modeFlags = options.mode === "quick" ? ["--quick"] : [];
console.log(`graphgrad bench, ${options.mode} mode, ${started.toISOString()}`);
console.log(`${host.cpu}, ${host.cores} cores, Node ${host.node}; load average ${host.loadAverage.join(" ")}`);
console.log(`implementations: ${options.impls.map((i) => i.id).join(", ")}; workloads: ${options.workloads.join(", ")}`);
const ceiling = await measureCeiling();
const ceilingLine = `SIMD128 ceiling of one core: ${ceiling.mulAdd.toFixed(1)} GFLOP/s with f32x4.mul + f32x4.add, ${ceiling.fma === undefined ? "no relaxed-SIMD FMA in this engine" : `${ceiling.fma.toFixed(1)} GFLOP/s with f32x4.relaxed_madd`} (${ceiling.method})`;
console.log(`${ceilingLine}\n`);

function progress(f: Figure): void {
  const name = `${f.workload} ${f.impl}${f.variant === "workaround" ? " (workaround)" : ""}`.padEnd(30);
  const what =
    f.status === "ok" && f.value !== undefined
      ? `${formatNumber(f.value)} ${f.unit ?? ""}  (median of ${f.runs} runs × ${f.stepsPerRun})`
      : f.status === "ok"
        ? "check only"
        : `${f.status}: ${f.reason ?? ""}`;
  const load = f.load === undefined ? "" : `, load ${f.load.start.toFixed(1)}→${f.load.end.toFixed(1)}`;
  console.log(`${name} ${what}  [${(f.wallSeconds ?? 0).toFixed(1)} s${load}]`);
}

const figures: Figure[] = [];
const references: Figure[] = [];
for (const w of options.workloads) {
  for (const impl of options.impls) {
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
  const timedReference = figures.find((f) => f.impl === REFERENCE_IMPL && f.workload === w && f.status === "ok");
  if (timedReference !== undefined) references.push(timedReference);
  else if (options.reference) {
    // gg-js was not among the timed implementations: run it for the correctness numbers only.
    const ref = await runWorker(REFERENCE_IMPL, w, [...modeFlags, "--check-only"], options.timeoutSeconds);
    references.push(ref);
    progress({ ...ref, impl: `${REFERENCE_IMPL} (reference)` });
  }
}

const workaroundNotes = Object.fromEntries(options.impls.map((i) => [i.id, i.workarounds]));
const r = report(
  figures,
  references,
  options.impls.map((i) => ({ id: i.id, kind: i.kind })),
  options.workloads,
  workaroundNotes,
);
console.log(`\nMeasured ${started.toISOString().slice(0, 10)} on ${host.cpu}, ${host.cores} cores, Node ${host.node} (${options.mode} mode; load average ${host.loadAverage.join(" ")} at the start).\n`);
console.log(r.lines.join("\n"));
console.log(`\n${ceilingLine}`);
// A worker keeps about one core busy itself; a higher load means other processes shared the cores.
const busiest = Math.max(0, ...figures.map((f) => Math.max(f.load?.start ?? 0, f.load?.end ?? 0)));
if (busiest > host.cores) {
  console.log(`\n⚠ The machine was busy during this run (1-minute load average up to ${busiest.toFixed(1)} on ${host.cores} cores): other processes shared the cores, so these figures are skewed. Rerun on an idle machine for figures to publish.`);
}
const flagged = r.checks.filter((c) => !c.outcome.ok);
if (flagged.length > 0) console.log(`\n⚠ ${flagged.length} figure(s) disagree with gg-js: see the correctness table.`);

const finished = new Date();
const out = path.resolve(ROOT, options.out);
const results = {
  date: started.toISOString(),
  seconds: (finished.getTime() - started.getTime()) / 1000,
  machine: { ...host, loadAverageAtEnd: machine().loadAverage, busiestLoadAverage: busiest, busy: busiest > host.cores },
  mode: options.mode,
  command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
  method:
    "one process per (implementation, workload), run one after another; data and initial parameters generated by the harness from a fixed seed, the same for every implementation; warm-up excluded; each figure is the median over its timed runs (count in `runs`, per-run figures in `samples`); every train step ends with its loss read back to the host, W4 with C read back.",
  implementations: options.impls.map((i) => ({ id: i.id, kind: i.kind, describe: i.describe, workarounds: i.workarounds })),
  workloads: Object.fromEntries(
    options.workloads.map((w) => [w, { title: FIGURES[w].title, unit: FIGURES[w].unit, higherIsBetter: FIGURES[w].higherIsBetter, config: FULL[w], plan: timingPlan(w, options.mode) }]),
  ),
  figures,
  references,
  ceiling,
  ratios: r.ratios,
  checks: r.checks,
  table: r.lines,
};
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${path.relative(process.cwd(), out)} (${results.seconds.toFixed(0)} s in all)`);
