/**
 * Marching squares: the level-`level` contour of a field sampled on a rectilinear grid, as line
 * segments, plus a joiner that links them into polylines.
 *
 * The field is `values[i·ys.length + j]` at (xs[i], ys[j]) (numpy's `np.mgrid` layout, raveled).
 * Each cell's corners are classed above (v >= level) or below; the contour crosses every edge whose
 * ends differ, at the linearly interpolated point. A cell has 0, 2 or 4 crossings; with 4 (a
 * saddle) the cell-centre average decides which pair of opposite corners is connected.
 * A crossing is computed from its edge's two grid points in a fixed order, so neighbouring cells
 * produce bit-identical endpoints and the segments join exactly.
 */
export type Point = readonly [number, number];
export type Segment = readonly [Point, Point];

export interface GridField {
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly values: ArrayLike<number>;
}

export function marchingSquares(g: GridField, level: number): Segment[] {
  const nx = g.xs.length;
  const ny = g.ys.length;
  if (g.values.length !== nx * ny) throw new Error(`marchingSquares: ${g.values.length} values for a ${nx}×${ny} grid`);
  const v = (i: number, j: number): number => g.values[i * ny + j] as number;
  const x = (i: number): number => g.xs[i] as number;
  const y = (j: number): number => g.ys[j] as number;
  /** The crossing on the edge from grid point (i0, j0) to (i1, j1), (i1, j1) >= (i0, j0). */
  const cross = (i0: number, j0: number, i1: number, j1: number): Point => {
    const a = v(i0, j0);
    const t = (level - a) / (v(i1, j1) - a);
    return [x(i0) + t * (x(i1) - x(i0)), y(j0) + t * (y(j1) - y(j0))];
  };
  const out: Segment[] = [];
  for (let i = 0; i + 1 < nx; i++) {
    for (let j = 0; j + 1 < ny; j++) {
      // Corners a (i, j), b (i+1, j), c (i+1, j+1), d (i, j+1).
      const va = v(i, j), vb = v(i + 1, j), vc = v(i + 1, j + 1), vd = v(i, j + 1);
      if (![va, vb, vc, vd].every(Number.isFinite)) continue;
      const A = va >= level, B = vb >= level, C = vc >= level, D = vd >= level;
      const bottom = A !== B ? cross(i, j, i + 1, j) : undefined; // a–b
      const right = B !== C ? cross(i + 1, j, i + 1, j + 1) : undefined; // b–c
      const top = D !== C ? cross(i, j + 1, i + 1, j + 1) : undefined; // d–c
      const left = A !== D ? cross(i, j, i, j + 1) : undefined; // a–d
      const hits = [bottom, right, top, left].filter((p): p is Point => p !== undefined);
      if (hits.length === 2) out.push([hits[0] as Point, hits[1] as Point]);
      else if (hits.length === 4 && bottom && right && top && left) {
        // Saddle: a, c on one side, b, d on the other. If the centre is on a's side, a and c
        // connect through the middle and the contour cuts off b and d; otherwise a and c.
        const centreWithA = (va + vb + vc + vd) / 4 >= level === A;
        if (centreWithA) out.push([bottom, right], [top, left]);
        else out.push([left, bottom], [right, top]);
      }
    }
  }
  return out;
}

const keyOf = (p: Point): string => `${p[0]},${p[1]}`;

/**
 * Links segments sharing endpoints into polylines (each as its list of points; a closed one ends
 * where it starts). Every segment is used once.
 */
export function joinSegments(segments: readonly Segment[]): Point[][] {
  const at = new Map<string, number[]>();
  segments.forEach((s, k) => {
    for (const p of s) {
      const list = at.get(keyOf(p)) ?? [];
      list.push(k);
      at.set(keyOf(p), list);
    }
  });
  const used = new Uint8Array(segments.length);
  /** Extends `line` from its last point until no unused segment continues it. */
  const extend = (line: Point[]): void => {
    for (;;) {
      const end = line[line.length - 1] as Point;
      const next = (at.get(keyOf(end)) ?? []).find((k) => used[k] === 0);
      if (next === undefined) return;
      used[next] = 1;
      const [p, q] = segments[next] as Segment;
      line.push(keyOf(p) === keyOf(end) ? q : p);
    }
  };
  const degree = (p: Point): number => (at.get(keyOf(p)) ?? []).length;
  const lines: Point[][] = [];
  // Open lines first, started from endpoints used by one segment only; then the closed loops.
  const minDegree = (k: number): number => Math.min(degree((segments[k] as Segment)[0]), degree((segments[k] as Segment)[1]));
  const order = segments.map((_, k) => k).sort((a, b) => minDegree(a) - minDegree(b));
  for (const k of order) {
    if (used[k] === 1) continue;
    used[k] = 1;
    const s = segments[k] as Segment;
    const startsOpen = degree(s[1]) === 1;
    const line: Point[] = startsOpen ? [s[1], s[0]] : [s[0], s[1]];
    extend(line);
    if (!startsOpen) {
      // Grow the other way too, in case the first segment was in the middle of an open line.
      line.reverse();
      extend(line);
    }
    lines.push(line);
  }
  return lines;
}
