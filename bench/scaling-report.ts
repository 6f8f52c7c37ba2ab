import { compareCheck, FALLBACK_REFERENCES, REFERENCE_IMPL } from "./checks.js";
import { type PlotSeries, scalingSvg } from "./plot.js";
import type { Figure } from "./protocol.js";
import { formatNumber, type ImplColumn, memoryText, Notes, table } from "./report.js";
import { SCALING, type ScalingPoint, type ScalingSeries } from "./scaling.js";
import { FULL, withOverride } from "./workloads.js";

/**
 * The scaling section: per series, a table of the figures (W2 ms/step; W3 words/s and seconds per
 * step), a table of peak memory, and an SVG (log–log) of both. Each cell's first losses are
 * checked against the reference at the same size (gg-js, else the first of gg-wasm-1t, gg-wasm and
 * the peers that ran it), as in the main table.
 */
const SCALING_REFERENCES = [REFERENCE_IMPL, "gg-wasm-1t", "gg-wasm", ...FALLBACK_REFERENCES];

const samePoint = (f: Figure, s: ScalingSeries, p: ScalingPoint): boolean => f.workload === s.workload && JSON.stringify(f.config) === JSON.stringify(p.config);

function cellFigure(figures: readonly Figure[], impl: string, s: ScalingSeries, p: ScalingPoint): Figure | undefined {
  return figures.find((f) => f.impl === impl && samePoint(f, s, p));
}

/** Seconds per step from a W3 words/s figure (words per step: unrolled steps × batch at that size). */
function secondsPerStep(f: Figure, p: ScalingPoint): number | undefined {
  const c = withOverride(FULL, "W3", p.config).W3;
  return f.value === undefined ? undefined : (c.numSteps * c.batch) / f.value;
}

function flagged(figures: readonly Figure[], f: Figure, s: ScalingSeries, p: ScalingPoint): boolean {
  const ref = SCALING_REFERENCES.map((id) => cellFigure(figures, id, s, p)).find((r) => r?.status === "ok" && r.check !== undefined);
  if (ref === undefined || ref === f) return false;
  return !compareCheck(s.workload, f.check, ref.check).ok;
}

function valueText(figures: readonly Figure[], f: Figure | undefined, s: ScalingSeries, p: ScalingPoint, notes: Notes): string {
  if (f === undefined) return "";
  const mark = f.variant === "workaround" ? " †" : "";
  if (f.status !== "ok" || f.value === undefined) {
    const what = f.status === "too-slow" ? "too slow" : f.status === "not-yet" ? "not yet" : f.status === "not-expressible" ? "not expressible" : "fails";
    return f.status === "failed" || f.status === "not-expressible" ? `${what}: ${notes.ref(f.reason ?? "")}` : what;
  }
  const warn = flagged(figures, f, s, p) ? " ⚠" : "";
  if (s.workload === "W3") {
    const sec = secondsPerStep(f, p);
    return `${formatNumber(f.value)}${sec === undefined ? "" : ` (${formatNumber(sec)} s)`}${mark}${warn}`;
  }
  return `${formatNumber(f.value)}${mark}${warn}`;
}

export interface ScalingReport {
  readonly lines: string[];
  /** File name → SVG document. */
  readonly svgs: ReadonlyMap<string, string>;
}

export function svgName(s: ScalingSeries): string {
  return `scaling-${s.workload.toLowerCase()}.svg`;
}

export function scalingReport(figures: readonly Figure[], impls: readonly ImplColumn[], series: readonly ScalingSeries[] = SCALING): ScalingReport {
  const lines: string[] = [];
  const svgs = new Map<string, string>();
  for (const s of series) {
    const unit = s.workload === "W3" ? "words/s, higher is better (seconds per step)" : "ms/step, lower is better";
    lines.push("", `${s.title}: ${unit}:`, "");
    const notes = new Notes();
    lines.push(...table([s.parameter, ...impls.map((i) => i.id)], s.points.map((p) => [p.label, ...impls.map((i) => valueText(figures, cellFigure(figures, i.id, s, p), s, p, notes))])));
    notes.texts.forEach((t, i) => lines.push(`[${i + 1}] ${t}`));
    lines.push("", `${s.title}: peak memory (RSS of the computing process; graphgrad WASM: planned arena):`, "");
    lines.push(...table([s.parameter, ...impls.map((i) => i.id)], s.points.map((p) => [p.label, ...impls.map((i) => memoryText(cellFigure(figures, i.id, s, p)))])));
    const seriesOf = (y: (f: Figure, p: ScalingPoint) => number | undefined, suffix = ""): PlotSeries[] =>
      impls
        .map((i) => ({
          label: `${i.id}${suffix}`,
          colorKey: i.id,
          dashed: suffix !== "",
          points: s.points.flatMap((p) => {
            const f = cellFigure(figures, i.id, s, p);
            const v = f?.status === "ok" ? y(f, p) : undefined;
            return v === undefined ? [] : [{ x: p.x, y: v }];
          }),
        }))
        .filter((x) => x.points.length > 0);
    const timePanel =
      s.workload === "W3"
        ? { title: "throughput", yLabel: "words/s", logY: true, series: seriesOf((f) => f.value) }
        : { title: "time per step", yLabel: "ms/step", logY: true, series: seriesOf((f) => f.value) };
    const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 2 ** 20);
    const memoryPanel = {
      title: "peak memory",
      yLabel: "MiB",
      logY: false,
      series: [...seriesOf((f) => mib(f.memory?.peakRssBytes)), ...seriesOf((f) => mib(f.memory?.arenaBytes), " arena")],
    };
    svgs.set(svgName(s), scalingSvg({ title: s.title, xLabel: s.parameter, xTicks: s.points.map((p) => ({ x: p.x, label: `${p.x}` })), panels: [timePanel, memoryPanel] }));
  }
  if (figures.some((f) => f.variant === "workaround")) lines.push("", "† the implementation's documented workaround for the workload (see the main table's notes).");
  return { lines, svgs };
}
