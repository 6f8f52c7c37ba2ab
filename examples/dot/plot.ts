import type { Matrix } from "../data/matrix.js";
import { axes, el, frame, niceTicks, pathData, svgDocument, text } from "../svg.js";
import type { Point } from "./marching-squares.js";

/**
 * The seed's picture: the points coloured by class (red for y_c = 1, blue for 0, as its
 * `label_color`) and the contour of the network's output at 0.5 over [-3, 3]², x1 across, x2 up.
 */
export function decisionBoundarySvg(o: {
  readonly title: string;
  readonly x: Matrix;
  readonly y: Matrix;
  readonly contour: readonly (readonly Point[])[];
  readonly range?: Point;
  readonly size?: number;
}): string {
  const [lo, hi] = o.range ?? [-3, 3];
  const size = o.size ?? 480;
  const f = frame({ left: 60, top: 40, width: size, height: size }, [lo, hi], [lo, hi]);
  const ticks = niceTicks(lo, hi, 6);
  const points: string[] = [];
  for (let r = 0; r < o.x.rows; r++) {
    const x1 = o.x.data[2 * r] as number;
    const x2 = o.x.data[2 * r + 1] as number;
    if (x1 < lo || x1 > hi || x2 < lo || x2 > hi) continue;
    const positive = (o.y.data[r] as number) !== 0;
    points.push(el("circle", { class: positive ? "class-1" : "class-0", cx: f.x(x1), cy: f.y(x2), r: 3, fill: positive ? "red" : "blue", "fill-opacity": 0.7 }));
  }
  const boundary = o.contour.map((line) =>
    el("path", { class: "boundary", d: pathData(line.map(([a, b]) => [f.x(a), f.y(b)])), fill: "none", stroke: "black", "stroke-width": 1.5 }),
  );
  const width = size + 90;
  const height = size + 90;
  return svgDocument(width, height, [
    el("rect", { x: 0, y: 0, width, height, fill: "white" }),
    el("text", { x: f.left + size / 2, y: 24, "text-anchor": "middle", "font-family": "sans-serif", "font-size": 15 }, [text(o.title)]),
    el("clipPath", { id: "plot-area" }, [el("rect", { x: f.left, y: f.top, width: size, height: size })]),
    el("g", { class: "points" }, points),
    el("g", { class: "contour", "clip-path": "url(#plot-area)" }, boundary),
    axes(f, { xTicks: ticks, yTicks: ticks, xLabel: "x1", yLabel: "x2" }),
  ], o.title);
}
