import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNumericCsv } from "../../examples/data/csv.js";
import { DOT_CSV, readDot } from "../../examples/data/dot.js";
import { joinSegments, marchingSquares, type Point, type Segment } from "../../examples/dot/marching-squares.js";
import * as dot from "../../examples/dot/mlp.js";
import { linePlot } from "../../examples/svg.js";
import * as gg from "../../src/index.js";
import { NumpyRandomState } from "../support/numpy-legacy-random.js";
import { findAll, parseXml } from "./xml.js";

const quiet = (): void => {};
const EPOCHS = 41;

describe("dot.csv", () => {
  it("has 300 rows of x1, x2, y_c: numpy.random.RandomState(2).randn(300, 2) to 9 decimals, y_c = x1² + x2² < 2", () => {
    const csv = parseNumericCsv(readFileSync(DOT_CSV, "utf8"));
    expect(csv.columns).toEqual(["x1", "x2", "y_c"]);
    expect(csv.rows).toHaveLength(300);
    const x = new NumpyRandomState(2).randn(600);
    csv.rows.forEach((r, i) => {
      const [x1, x2] = [x[2 * i] as number, x[2 * i + 1] as number];
      // Written with 9 decimals: within half a unit of the 9th (plus the float64 of the text).
      expect(Math.abs((r[0] as number) - x1)).toBeLessThanOrEqual(5e-10 + 1e-15);
      expect(Math.abs((r[1] as number) - x2)).toBeLessThanOrEqual(5e-10 + 1e-15);
      expect(r[2]).toBe(x1 * x1 + x2 * x2 < 2 ? 1 : 0);
    });
    const d = readDot();
    expect([d.x.rows, d.x.cols, d.y.rows, d.y.cols]).toEqual([300, 2, 300, 1]);
    expect(d.x.data[2 * 299 + 1]).toBe(Math.fround(csv.rows[299]?.[1] as number));
    expect(d.y.data[299]).toBe(csv.rows[299]?.[2]);
  });

  it("malformed CSV is rejected naming the line", () => {
    expect(() => parseNumericCsv("a,b\n1,2\n3\n")).toThrow(/csv:3: 1 cells, expected 2/);
    expect(() => parseNumericCsv("a,b\n1,x\n")).toThrow(/csv:2: 'x' is not a number/);
    expect(() => parseNumericCsv("")).toThrow(/empty/);
  });
});

/** Segments whose endpoints are (within 1e-9) on the level set of a field `f`. */
const onLevel = (segs: readonly Segment[], f: (p: Point) => number, level: number, tol: number): boolean =>
  segs.every((s) => s.every((p) => Math.abs(f(p) - level) <= tol));

describe("marching squares", () => {
  const h = 0.1;
  const grid = dot.GRID;
  const fieldOf = (f: (x: number, y: number) => number): Float64Array => Float64Array.from(grid.flatMap((x) => grid.map((y) => f(x, y))));

  it("the seed's grid is np.mgrid[-3:3:.1]: 60 points from -3 to 2.9", () => {
    expect(grid).toHaveLength(60);
    expect(grid[0]).toBe(-3);
    expect(grid[59]).toBe(2.9);
    grid.forEach((v, i) => expect(v).toBeCloseTo(-3 + 0.1 * i, 12));
  });

  it("on x² + y², the contour at r² is one closed loop at radius r (within the interpolation bound), length 2πr, area πr²", () => {
    for (const r of [0.37, 1.55, 2.42]) {
      const segs = marchingSquares({ xs: grid, ys: grid, values: fieldOf((x, y) => x * x + y * y) }, r * r);
      const lines = joinSegments(segs);
      expect(lines).toHaveLength(1);
      const loop = lines[0] as Point[];
      expect(loop[0]).toEqual(loop[loop.length - 1]);
      expect(loop.length - 1).toBe(segs.length);
      // Along an edge the field is a parabola with second derivative 2, so linear interpolation is
      // off by at most 2·h²/8 in value; convexity puts the point inside: r - h²/4/(2r - h) <= |p| <= r.
      const bound = h ** 2 / 4 / (2 * r - h);
      for (const [x, y] of loop) {
        expect(Math.hypot(x, y)).toBeLessThanOrEqual(r + 1e-12);
        expect(Math.hypot(x, y)).toBeGreaterThanOrEqual(r - bound);
      }
      let length = 0;
      let area = 0;
      for (let k = 0; k + 1 < loop.length; k++) {
        const [x0, y0] = loop[k] as Point;
        const [x1, y1] = loop[k + 1] as Point;
        length += Math.hypot(x1 - x0, y1 - y0);
        area += (x0 * y1 - x1 * y0) / 2;
      }
      // A chord c of a circle of radius r is shorter than its arc by ≈ c³/(24r²) and cuts off
      // ≈ c³/(12r) of area; chords here are at most a cell's diagonal, and the vertices are up
      // to `bound` inside the circle.
      const c = h * Math.SQRT2;
      expect(Math.abs(length / (2 * Math.PI * r) - 1)).toBeLessThan(c ** 2 / (24 * r ** 2) + bound / r);
      expect(Math.abs(Math.abs(area) / (Math.PI * r * r) - 1)).toBeLessThan(c ** 2 / (6 * r ** 2) + (2 * bound) / r);
    }
  });

  it("on a linear field the contour is exact and one open line across the grid", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -1000, max: 1000 }),
        (ka, kb, kl) => {
          const [a, b, level] = [ka / 1000, kb / 1000, kl / 1000 + Math.SQRT2 * 1e-4];
          // The line a·x + b·y = level meets the disc of radius 2.8, which lies inside the grid.
          fc.pre(Math.hypot(a, b) > 0.1 && Math.abs(level) / Math.hypot(a, b) < 2.8);
          const f = ([x, y]: Point): number => a * x + b * y;
          const values = fieldOf((x, y) => f([x, y]));
          // A grid value exactly at the level is a tie (the contour runs through a grid point and
          // may split into pieces there): excluded, it has measure zero.
          fc.pre(values.every((v) => Math.abs(v - level) > 1e-9));
          const segs = marchingSquares({ xs: grid, ys: grid, values }, level);
          expect(segs.length).toBeGreaterThan(0);
          expect(onLevel(segs, f, level, 1e-9)).toBe(true);
          const lines = joinSegments(segs);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toHaveLength(segs.length + 1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("resolves saddles by the cell centre and finds nothing when the level is out of range", () => {
    // Corners a (0,0) = 1, b (1,0) = 0, c (1,1) = 1, d (0,1) = 0. Centre 0.5.
    const saddle = { xs: [0, 1], ys: [0, 1], values: [1, 0, 0, 1] }; // values[i·2 + j] at (xs[i], ys[j])
    const near = (p: Point, corner: Point): boolean => Math.abs(p[0] - corner[0]) + Math.abs(p[1] - corner[1]) <= 0.5 + 1e-12;
    const cutsOff = (segs: Segment[], corners: Point[]): boolean => segs.every((s) => corners.some((c) => s.every((p) => near(p, c))));
    const below = marchingSquares(saddle, 0.4); // centre above the level, with a: b and d cut off
    expect(below).toHaveLength(2);
    expect(cutsOff(below, [[1, 0], [0, 1]])).toBe(true);
    const above = marchingSquares(saddle, 0.6); // centre below, with b: a and c cut off
    expect(above).toHaveLength(2);
    expect(cutsOff(above, [[0, 0], [1, 1]])).toBe(true);
    expect(marchingSquares(saddle, 2)).toEqual([]);
    expect(marchingSquares(saddle, -1)).toEqual([]);
    expect(() => marchingSquares({ xs: [0, 1], ys: [0], values: [1] }, 0)).toThrow(/1 values for a 2×1 grid/);
  });
});

describe("svg helper", () => {
  it("a line plot is well-formed XML with one path per series and the legend's labels escaped", () => {
    const svg = linePlot({
      title: "loss <per> epoch & more",
      series: [
        { label: "SGD", values: [1, 0.5, 0.25] },
        { label: "a<b & 'c'", values: [0.9, 0.4, 0.1, 0.05] },
      ],
      xLabel: "epoch",
      yLabel: "loss",
      logY: true,
    });
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(root.attrs["xmlns"]).toBe("http://www.w3.org/2000/svg");
    const paths = findAll(root, "path").filter((p) => p.attrs["class"] === "series");
    expect(paths).toHaveLength(2);
    expect((paths[1]?.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(4);
    const texts = findAll(root, "text").map((t) => t.text);
    expect(texts).toContain("a<b & 'c'");
    expect(texts).toContain("loss <per> epoch & more");
    expect(findAll(root, "title")[0]?.text).toBe("loss <per> epoch & more");
  });

  it("the XML checker rejects what is not well-formed", () => {
    expect(() => parseXml("<a><b></a></b>")).toThrow(/closes/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml("<a x=1/>")).toThrow(/not quoted/);
    expect(() => parseXml("<a>1 & 2</a>")).toThrow(/bare '&'/);
    expect(() => parseXml("<a/><b/>")).toThrow(/after the root/);
    expect(() => parseXml("<a>")).toThrow(/unclosed/);
  });
});

describe(`2-11-1 MLP on dot.csv, ${EPOCHS} epochs, without and with L2`, () => {
  let results: dot.VariantResult[];
  const lines: string[] = [];
  const outDir = join(mkdtempSync(join(tmpdir(), "graphgrad-dot-")), "nested", "report");
  const data = readDot();
  beforeAll(async () => {
    results = await dot.run({ epochs: EPOCHS, outDir, log: (l) => lines.push(l) });
  });
  afterAll(() => rmSync(join(outDir, "..", ".."), { recursive: true, force: true }));

  it("the MSE falls in both runs, and L2 leaves smaller weights from the same start", () => {
    expect(results.map((r) => r.variant.l2)).toEqual([undefined, 0.03]);
    for (const r of results) {
      expect(r.mse).toHaveLength(EPOCHS);
      expect(r.mse[EPOCHS - 1] as number).toBeLessThan((r.mse[0] as number) / 4);
      expect(r.mse[EPOCHS - 1] as number).toBeLessThan(r.mse[20] as number);
    }
    const norm = (t: gg.Tensor | undefined): number => Math.hypot(...Array.from(t?.data ?? []));
    const [plain, l2] = results as [dot.VariantResult, dot.VariantResult];
    expect(norm(l2.params["w1"])).toBeLessThan(norm(plain.params["w1"]));
    expect(norm(l2.params["w2"])).toBeLessThan(norm(plain.params["w2"]));
    // With L2 the printed (total) loss exceeds the MSE part by 0.03·Σ w²/2 > 0.
    expect(l2.losses[EPOCHS - 1] as number).toBeGreaterThan(l2.mse[EPOCHS - 1] as number);
  });

  it("classifies the training points better than the majority class, and at least 80% of them", () => {
    // Predicting the majority class (y_c = 1, 188 of 300) scores 62.7%; at 41 epochs both runs put
    // 86% of the points on the right side of 0.5 (94% after the full 800), so 80% has slack.
    const ones = data.y.data.filter((v) => v === 1).length;
    const majority = Math.max(ones, 300 - ones) / 300;
    for (const r of results) {
      expect(r.accuracy).toBeGreaterThan(majority);
      expect(r.accuracy).toBeGreaterThanOrEqual(0.8);
    }
  });

  it("prints 'epoch: N loss: L' every 20 epochs, as the seed", () => {
    for (const r of results) {
      expect(r.reports.map((p) => p.epoch)).toEqual([0, 20, 40]);
      for (const p of r.reports) {
        expect(p.loss).toBe(r.losses[p.epoch]);
        expect(lines).toContain(`epoch: ${p.epoch} loss: ${p.loss}`);
      }
    }
    expect(lines.filter((l) => /^epoch: \d+ loss: [\d.e-]+$/.test(l))).toHaveLength(6);
  });

  it("writes a well-formed SVG per run with every point, coloured by class, and the 0.5 contour", () => {
    const inRange = Array.from({ length: 300 }, (_, r) => r).filter((r) => [data.x.data[2 * r], data.x.data[2 * r + 1]].every((v) => (v as number) >= -3 && (v as number) <= 3));
    const redIn = inRange.filter((r) => data.y.data[r] === 1).length;
    for (const r of results) {
      expect(r.file).toBe(join(outDir, `${r.variant.id}.svg`));
      expect(existsSync(r.file as string)).toBe(true);
      expect(readFileSync(r.file as string, "utf8")).toBe(r.svg);
      const root = parseXml(r.svg);
      expect(root.name).toBe("svg");
      const circles = findAll(root, "circle");
      expect(circles).toHaveLength(inRange.length);
      expect(circles.filter((c) => c.attrs["fill"] === "red")).toHaveLength(redIn);
      expect(circles.filter((c) => c.attrs["fill"] === "blue")).toHaveLength(inRange.length - redIn);
      const boundary = findAll(root, "path").filter((p) => p.attrs["class"] === "boundary");
      expect(boundary.length).toBe(r.contour.length);
      expect(boundary.length).toBeGreaterThan(0);
      expect(findAll(root, "text").map((t) => t.text)).toContain(r.variant.title);
    }
  });

  it("the contour is the 0.5 level of the network's output on the grid", () => {
    const cell = (v: number): number => (v + 3) / 0.1; // grid coordinate of a position
    for (const r of results) {
      expect(r.field).toHaveLength(3600);
      const v = (i: number, j: number): number => r.field[i * 60 + j] as number;
      // Every contour point lies on a grid edge whose ends straddle 0.5, where the linear
      // interpolation of the two ends is 0.5.
      let points = 0;
      for (const line of r.contour) {
        for (const [x, y] of line) {
          const [gx, gy] = [cell(x), cell(y)];
          const alongY = Math.abs(gx - Math.round(gx)) < 1e-6; // on a vertical grid line
          const [i0, j0] = alongY ? [Math.round(gx), Math.min(58, Math.floor(gy + 1e-9))] : [Math.min(58, Math.floor(gx + 1e-9)), Math.round(gy)];
          const [i1, j1] = alongY ? [i0, j0 + 1] : [i0 + 1, j0];
          const t = alongY ? gy - j0 : gx - i0;
          const [a, b] = [v(i0, j0), v(i1, j1)];
          expect((a - 0.5) * (b - 0.5)).toBeLessThanOrEqual(0);
          expect(Math.abs(a + t * (b - a) - 0.5)).toBeLessThan(1e-6 * (1 + Math.abs(b - a)));
          points++;
        }
      }
      expect(points).toBeGreaterThan(20);
    }
  });

  it("is deterministic: the same seed gives the same losses, field and picture", async () => {
    const again = await dot.run({ epochs: 3, outDir: null, log: quiet });
    const once = await dot.run({ epochs: 3, outDir: null, log: quiet });
    expect(again.map((r) => [r.losses, r.mse, Array.from(r.field), r.svg])).toEqual(once.map((r) => [r.losses, r.mse, Array.from(r.field), r.svg]));
    expect(once.map((r) => r.losses)).toEqual(results.map((r) => r.losses.slice(0, 3)));
    expect(once.every((r) => r.file === undefined)).toBe(true);
    const other = await dot.run({ epochs: 3, outDir: null, log: quiet, initSeed: 2, variants: dot.SEED_VARIANTS.slice(0, 1) });
    expect(other[0]?.losses).not.toEqual(once[0]?.losses);
  });
});
