/**
 * A tiny SVG writer: elements as strings (attribute values and text escaped), a linear scale, and
 * two ready-made pictures' building blocks: axes with ticks, and line plots of several series
 * (e.g. the loss per epoch of several optimizers). Output is a standalone SVG 1.1 document.
 */

export type Attrs = Readonly<Record<string, string | number | undefined>>;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Numbers in attributes: at most 2 decimals, no exponent, no "-0". */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

/** `<name attrs>children</name>`; children are serialized elements (use `text` for character data). */
export function el(name: string, attrs: Attrs = {}, children: readonly string[] = []): string {
  const a = Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : escapeXml(v)}"`)
    .join("");
  return children.length === 0 ? `<${name}${a}/>` : `<${name}${a}>${children.join("")}</${name}>`;
}

export const text = escapeXml;

export function svgDocument(width: number, height: number, children: readonly string[], title?: string): string {
  const body = title === undefined ? children : [el("title", {}, [text(title)]), ...children];
  const root = el("svg", { xmlns: "http://www.w3.org/2000/svg", version: "1.1", width, height, viewBox: `0 0 ${num(width)} ${num(height)}` }, body);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}

export type Point = readonly [number, number];

/** Path data through the points ("M x y L x y ..."), closed with Z when asked. */
export function pathData(points: readonly Point[], close = false): string {
  const parts = points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${num(x)} ${num(y)}`);
  return parts.join(" ") + (close && points.length > 0 ? " Z" : "");
}

/** The affine map of [d0, d1] onto [r0, r1]. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

const fmtTick = (v: number): string => String(Number(v.toPrecision(6)));

/** A plotting frame: data ranges mapped onto a pixel rectangle (y up). */
export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
}

export function frame(box: { left: number; top: number; width: number; height: number }, xRange: Point, yRange: Point): Frame {
  return {
    ...box,
    x: linearScale(xRange[0], xRange[1], box.left, box.left + box.width),
    y: linearScale(yRange[0], yRange[1], box.top + box.height, box.top),
  };
}

/** The frame's border, tick marks with labels, axis titles. `yTickLabel` formats a y tick (e.g. 10^v for log plots). */
export function axes(
  f: Frame,
  o: { xTicks: readonly number[]; yTicks: readonly number[]; xLabel?: string; yLabel?: string; yTickLabel?: (v: number) => string },
): string {
  const tick = { stroke: "#333", "stroke-width": 1 };
  const label = { "font-family": "sans-serif", "font-size": 11, fill: "#333" };
  const parts: string[] = [el("rect", { x: f.left, y: f.top, width: f.width, height: f.height, fill: "none", stroke: "#333" })];
  const bottom = f.top + f.height;
  for (const v of o.xTicks) {
    parts.push(el("line", { x1: f.x(v), y1: bottom, x2: f.x(v), y2: bottom + 4, ...tick }));
    parts.push(el("text", { x: f.x(v), y: bottom + 16, "text-anchor": "middle", ...label }, [text(fmtTick(v))]));
  }
  for (const v of o.yTicks) {
    parts.push(el("line", { x1: f.left - 4, y1: f.y(v), x2: f.left, y2: f.y(v), ...tick }));
    parts.push(el("text", { x: f.left - 7, y: f.y(v) + 4, "text-anchor": "end", ...label }, [text((o.yTickLabel ?? fmtTick)(v))]));
  }
  if (o.xLabel !== undefined) parts.push(el("text", { x: f.left + f.width / 2, y: bottom + 34, "text-anchor": "middle", ...label }, [text(o.xLabel)]));
  if (o.yLabel !== undefined) {
    const cx = f.left - 48;
    const cy = f.top + f.height / 2;
    parts.push(el("text", { x: cx, y: cy, "text-anchor": "middle", transform: `rotate(-90 ${num(cx)} ${num(cy)})`, ...label }, [text(o.yLabel)]));
  }
  return el("g", { class: "axes" }, parts);
}

export const PALETTE: readonly string[] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export interface Series {
  readonly label: string;
  /** y values at x = 0, 1, 2, ... (e.g. one per epoch). */
  readonly values: readonly number[];
  readonly color?: string;
}

/**
 * Line plot of several series against their index, with a legend. `logY` plots log10 of the
 * values (which must then be positive), labelled in the original units.
 */
export function linePlot(o: {
  readonly series: readonly Series[];
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}): string {
  const { width = 640, height = 400, logY = false } = o;
  const tf = (v: number): number => (logY ? Math.log10(v) : v);
  const finite = o.series.flatMap((s) => s.values.map(tf)).filter(Number.isFinite);
  const n = Math.max(1, ...o.series.map((s) => s.values.length));
  const lo = finite.length > 0 ? Math.min(...finite) : 0;
  const hi = finite.length > 0 ? Math.max(...finite) : 1;
  const pad = hi > lo ? (hi - lo) * 0.05 : 1;
  const f = frame({ left: 70, top: o.title === undefined ? 20 : 40, width: width - 220, height: height - (o.title === undefined ? 70 : 90) }, [0, Math.max(1, n - 1)], [lo - pad, hi + pad]);
  const yTicks = logY ? niceTicks(lo - pad, hi + pad, 5).filter(Number.isInteger) : niceTicks(lo - pad, hi + pad, 5);
  const parts: string[] = [el("rect", { x: 0, y: 0, width, height, fill: "white" })];
  if (o.title !== undefined) parts.push(el("text", { x: width / 2, y: 24, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 15 }, [text(o.title)]));
  parts.push(axes(f, { xTicks: niceTicks(0, Math.max(1, n - 1), 6), yTicks, xLabel: o.xLabel, yLabel: o.yLabel, yTickLabel: logY ? (v) => `1e${v}` : undefined }));
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? "black";
    const pts = s.values.map((v, k) => [k, tf(v)] as const).filter(([, v]) => Number.isFinite(v));
    parts.push(el("path", { class: "series", d: pathData(pts.map(([k, v]) => [f.x(k), f.y(v)])), fill: "none", stroke: color, "stroke-width": 1.5 }));
    const ly = f.top + 10 + 18 * i;
    const lx = f.left + f.width + 16;
    parts.push(el("line", { x1: lx, y1: ly, x2: lx + 20, y2: ly, stroke: color, "stroke-width": 2 }));
    parts.push(el("text", { x: lx + 26, y: ly + 4, "font-family": "sans-serif", "font-size": 12 }, [text(s.label)]));
  });
  return svgDocument(width, height, parts, o.title);
}
