import { joinSegments, marchingSquares } from "../dot/marching-squares.js";
import type { DotPoints } from "./trainer.js";

/**
 * The decision-boundary picture: the network's output over the square [-3, 3]² as a heat map
 * (orange where it predicts 0, white at 0.5, blue at 1), its 0.5 contour, and the data points
 * in their class's colour. The output is sampled on an n × n grid of cell centres.
 */
export const EXTENT = 3;
export const GRID = 64;

/** Cell-centre coordinates along one axis. */
export const GRID_AXIS: readonly number[] = Array.from({ length: GRID }, (_, i) => -EXTENT + (2 * EXTENT * (i + 0.5)) / GRID);

/** The grid's points as rows (x1, x2), point i·GRID + j at (GRID_AXIS[i], GRID_AXIS[j]) (marching squares' layout). */
export const GRID_POINTS: Float32Array = Float32Array.from(GRID_AXIS.flatMap((a) => GRID_AXIS.flatMap((b) => [a, b])));

type Rgb = readonly [number, number, number];
const CLASS_0: Rgb = [245, 147, 34];
const CLASS_1: Rgb = [8, 119, 189];
const MIDDLE: Rgb = [250, 250, 250];

/** The classes' colours, paler, for the heat map (so that the points stand out). */
const towardWhite = (c: number): number => Math.round(0.45 * 255 + 0.55 * c);
const pale = ([r, g, b]: Rgb): Rgb => [towardWhite(r), towardWhite(g), towardWhite(b)];
const PALE_0 = pale(CLASS_0);
const PALE_1 = pale(CLASS_1);

/** The heat map's colour for an output v (0 → pale orange, 0.5 → white, 1 → pale blue; clamped outside). */
export function colourOf(v: number): Rgb {
  const t = Number.isNaN(v) ? 0.5 : Math.min(1, Math.max(0, v));
  const [from, to, s] = t < 0.5 ? [PALE_0, MIDDLE, 2 * t] : [MIDDLE, PALE_1, 2 * t - 1];
  const mix = (c: 0 | 1 | 2): number => Math.round(from[c] + s * (to[c] - from[c]));
  return [mix(0), mix(1), mix(2)];
}

/** Paints the field (GRID² outputs) into `scratch` (a GRID × GRID canvas) and draws the picture on ctx. */
export function drawPlane(ctx: CanvasRenderingContext2D, scratch: HTMLCanvasElement, field: ArrayLike<number>, points: DotPoints): void {
  const { width, height } = ctx.canvas;
  const image = new ImageData(GRID, GRID);
  for (let i = 0; i < GRID; i++) {
    for (let j = 0; j < GRID; j++) {
      // Column i is x1 = GRID_AXIS[i]; row 0 is the top, x2 = +EXTENT.
      const at = 4 * ((GRID - 1 - j) * GRID + i);
      const [r, g, b] = colourOf(field[i * GRID + j] as number);
      image.data.set([r, g, b, 255], at);
    }
  }
  const sctx = scratch.getContext("2d");
  if (sctx === null) throw new Error("playground: no 2D context on the scratch canvas");
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, width, height);

  const px = (x: number): number => ((x + EXTENT) / (2 * EXTENT)) * width;
  const py = (y: number): number => ((EXTENT - y) / (2 * EXTENT)) * height;
  ctx.strokeStyle = "#222";
  ctx.lineWidth = 2;
  for (const line of joinSegments(marchingSquares({ xs: GRID_AXIS, ys: GRID_AXIS, values: field }, 0.5))) {
    ctx.beginPath();
    line.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
  }
  ctx.lineWidth = 0.8;
  for (let r = 0; r < points.x.rows; r++) {
    const [red, green, blue] = (points.y.data[r] as number) !== 0 ? CLASS_1 : CLASS_0;
    ctx.fillStyle = `rgb(${red}, ${green}, ${blue})`;
    ctx.strokeStyle = "#333";
    ctx.beginPath();
    ctx.arc(px(points.x.data[2 * r] as number), py(points.x.data[2 * r + 1] as number), 3.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}
