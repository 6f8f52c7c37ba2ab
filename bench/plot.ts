import { axes, el, frame, niceTicks, PALETTE, pathData, svgDocument, text } from "../examples/svg.js";

/**
 * Line plots for the scaling section, built from examples/svg.ts: one SVG with panels side by side
 * (x on a log scale; y on a log scale, or linear from 0), a series per implementation (missing
 * points, e.g. "too slow", are left out). Series sharing a colour key share the colour; `dashed`
 * draws a secondary measure (an arena next to the RSS).
 */
export interface PlotSeries {
  readonly label: string;
  /** Series with the same key get the same colour (default: the label). */
  readonly colorKey?: string;
  readonly dashed?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly logY: boolean;
  readonly series: readonly PlotSeries[];
}

/** 1, 2, 5 × 10^k between lo and hi (positive), as log10 values. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) out.push(Math.log10(v));
    }
  }
  return out;
}

const tickLabel = (log: number): string => {
  const v = 10 ** log;
  return v >= 1 ? String(Math.round(v)) : String(Number(v.toPrecision(2)));
};

function panel(p: Panel, box: { left: number; top: number; width: number; height: number }, xTicks: readonly { x: number; label: string }[], xLabel: string, colors: ReadonlyMap<string, string>): string {
  const ys = p.series.flatMap((s) => s.points.map((q) => q.y)).filter((y) => y > 0);
  const lo = ys.length > 0 ? Math.min(...ys) / 1.3 : 1;
  const hi = ys.length > 0 ? Math.max(...ys) * 1.3 : 10;
  const xs = xTicks.map((t) => Math.log10(t.x));
  const xPad = ((Math.max(...xs) - Math.min(...xs)) || 1) * 0.06;
  const yOf = (v: number): number => (p.logY ? Math.log10(v) : v);
  const f = frame(box, [Math.min(...xs) - xPad, Math.max(...xs) + xPad], p.logY ? [Math.log10(lo), Math.log10(hi)] : [0, hi]);
  const yAxis = p.logY ? { yTicks: logTicks(lo, hi), yTickLabel: tickLabel } : { yTicks: niceTicks(0, hi, 5) };
  const parts = [axes(f, { xTicks: [], yLabel: p.yLabel, xLabel, ...yAxis })];
  const bottom = f.top + f.height;
  for (const t of xTicks) {
    const x = f.x(Math.log10(t.x));
    parts.push(el("line", { x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: "#333" }));
    parts.push(el("text", { x, y: bottom + 16, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 11, fill: "#333" }, [text(t.label)]));
  }
  parts.push(el("text", { x: f.left + f.width / 2, y: box.top - 8, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 13 }, [text(p.title)]));
  for (const s of p.series) {
    const color = colors.get(s.colorKey ?? s.label) ?? "black";
    const pts = s.points.filter((q) => q.y > 0).map((q) => [f.x(Math.log10(q.x)), f.y(yOf(q.y))] as const);
    if (pts.length > 1) parts.push(el("path", { d: pathData(pts), fill: "none", stroke: color, "stroke-width": 1.5, "stroke-dasharray": s.dashed === true ? "4 3" : undefined }));
    for (const [x, y] of pts) parts.push(el("circle", { cx: x, cy: y, r: 2.5, fill: color }));
  }
  return el("g", {}, parts);
}

/** Panels side by side sharing the x axis ticks and one legend. */
export function scalingSvg(o: { title: string; xLabel: string; xTicks: readonly { x: number; label: string }[]; panels: readonly Panel[] }): string {
  const panelWidth = 380;
  const legendWidth = 170;
  const height = 340;
  const labels = [...new Set(o.panels.flatMap((p) => p.series.map((s) => s.colorKey ?? s.label)))];
  const colors = new Map(labels.map((l, i) => [l, PALETTE[i % PALETTE.length] ?? "black"]));
  const width = o.panels.length * panelWidth + legendWidth;
  const parts: string[] = [el("rect", { x: 0, y: 0, width, height, fill: "white" })];
  parts.push(el("text", { x: width / 2, y: 20, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 15 }, [text(o.title)]));
  o.panels.forEach((p, i) => parts.push(panel(p, { left: i * panelWidth + 75, top: 60, width: panelWidth - 100, height: height - 120 }, o.xTicks, o.xLabel, colors)));
  labels.forEach((l, i) => {
    const x = o.panels.length * panelWidth + 5;
    const y = 70 + 18 * i;
    parts.push(el("line", { x1: x, y1: y, x2: x + 20, y2: y, stroke: colors.get(l) ?? "black", "stroke-width": 2 }));
    parts.push(el("text", { x: x + 26, y: y + 4, "font-family": "sans-serif", "font-size": 12 }, [text(l)]));
  });
  if (o.panels.some((p) => p.series.some((s) => s.dashed === true))) {
    const y = 70 + 18 * labels.length + 10;
    const x = o.panels.length * panelWidth + 5;
    parts.push(el("line", { x1: x, y1: y, x2: x + 20, y2: y, stroke: "#333", "stroke-width": 1.5, "stroke-dasharray": "4 3" }));
    parts.push(el("text", { x: x + 26, y: y + 4, "font-family": "sans-serif", "font-size": 12 }, [text("planned arena")]));
  }
  return svgDocument(width, height, parts, o.title);
}
