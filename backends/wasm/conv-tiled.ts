import type { ConvKernel } from "../../ir/kernel/index.js";
import { FunctionBuilder } from "./encoder.js";
import { I, V } from "./opcodes.js";

/**
 * The register-tiled direct convolution (float32): no patch matrix. A tile of R output rows
 * (consecutive along one row axis, so their inputs lie a fixed distance apart) × 4·V output
 * channels keeps R·V f32x4 accumulators in registers while the reduction (kernel taps and input
 * channels, in the loop order of the operands' strides, innermost the smallest) runs over both
 * operands in place: each step splats one input element per row and loads V vectors of the
 * kernel row. Interior tiles have R = 4 rows and V = 2 (8 accumulators); the rows next to
 * padding (whose taps fall partly outside the input) are tiles of one row and up to 8 vectors,
 * each tap range clipped to the input, so padding costs no multiplication.
 *
 * When a tile's pass over the reduction would touch more than L1 holds (the kernel gradient, whose
 * "kernel" is the whole output cotangent), the reduction's outer axes are cut into chunks and the
 * accumulators go through the output between chunks, so that a chunk's operands stay in L1 while
 * the tiles that share them pass over them. Every output element is summed in the same order
 * whichever block or thread computes it.
 */

/** One axis of the reduction: a kernel tap axis (spatial axis `axis`) or the channels (`axis` = -1). */
interface ReductionAxis {
  readonly axis: number;
  readonly size: number;
  /** Bytes from one index to the next in x and in the kernel. */
  readonly xStep: number;
  readonly wStep: number;
  /** Indices per chunk (`size`: not chunked). */
  readonly chunk: number;
}

export interface TiledLayout {
  /** Rows of a tile run along the batch axis n, or along the last spatial axis. */
  readonly tileAxis: "batch" | "spatial";
  /** Tile axis length, and bytes between consecutive rows in x and in the output. */
  readonly length: number;
  readonly xRowStep: number;
  readonly outRowStep: number;
  /** Outer to inner. */
  readonly order: readonly ReductionAxis[];
  /** Spatial axes whose taps may fall outside the input (padding): their tap ranges are clipped per row. */
  readonly checked: readonly boolean[];
  /** Lines: every row coordinate but the tile axis. */
  readonly lines: number;
  readonly linesPerBlock: number;
  readonly lineBlocks: number;
  /** Output vectors (4 channels) per column block, and column blocks. */
  readonly vectorsPerBlock: number;
  readonly columnBlocks: number;
}

/** Bytes of cache lines one tile's pass over a chunk may touch (within L1, with room for the neighbours that share them). */
const CHUNK_BYTES = 24 << 10;
/**
 * Blocks to aim for per kernel (threads take them from a counter). A chunked reduction streams its
 * operands once per block (each block passes over every chunk), so it gets one block per thread.
 */
const TARGET_BLOCKS = 16;

const BYTES = 4;

/** Whether the tiled kernel applies: float32, no input dilation, output channels in whole vectors and contiguous. */
export function tiledApplies(k: ConvKernel): boolean {
  const og = k.outChannels / k.geometry.groups;
  const nb = k.batch.length;
  const d = k.inSpatial.length;
  return k.dtype === "float32" && k.geometry.lhsDilation.every((a) => a === 1) && og % 4 === 0 && og > 0 && (og === 1 || k.w.strides[nb + d + 1] === 1) && k.n > 0 && k.outSpatial.every((t) => t > 0);
}

export function planTiled(k: ConvKernel, threads: number): TiledLayout {
  const g = k.geometry;
  const d = k.inSpatial.length;
  const nb = k.batch.length;
  const xs = k.x.strides;
  const ws = k.w.strides;
  const G = g.groups;
  const cg = k.channels / G;
  const og = k.outChannels / G;
  const positions = k.outSpatial.reduce((a, b) => a * b, 1);
  const last = d - 1;
  const spatial = { tileAxis: "spatial" as const, length: k.outSpatial[last] as number, xRowStep: (g.strides[last] as number) * (xs[nb + 1 + last] as number) * BYTES, outRowStep: k.outChannels * BYTES };
  const batch = { tileAxis: "batch" as const, length: k.n, xRowStep: (xs[nb] as number) * BYTES, outRowStep: positions * k.outChannels * BYTES };
  const candidates = [spatial, batch].filter((c) => c.length >= 4);
  const tile =
    candidates.length === 0 ? (spatial.length >= batch.length ? spatial : batch) : candidates.reduce((a, b) => (Math.abs(b.xRowStep) < Math.abs(a.xRowStep) ? b : a));
  const checked = k.kernelSpatial.map((size, i) => {
    const lo = g.lo[i] as number;
    const reach = ((k.outSpatial[i] as number) - 1) * (g.strides[i] as number) + (size - 1) * (g.rhsDilation[i] as number) - lo;
    return lo > 0 || reach > (k.inSpatial[i] as number) - 1;
  });
  const taps = k.kernelSpatial.map((size, i) => ({ axis: i, size, xStep: (g.rhsDilation[i] as number) * (xs[nb + 1 + i] as number) * BYTES, wStep: (ws[nb + i] as number) * BYTES }));
  const channels = { axis: -1, size: cg, xStep: (xs[nb + 1 + d] as number) * BYTES, wStep: (ws[nb + d] as number) * BYTES };
  // Outer to inner by the input's stride (the kernel's as a tie-break), so the innermost loop walks the nearest elements.
  const axes = [...taps, channels]
    .filter((a) => a.size > 1 || (a.axis >= 0 && checked[a.axis] === true))
    .sort((a, b) => Math.abs(b.xStep) - Math.abs(a.xStep) || Math.abs(b.wStep) - Math.abs(a.wStep));
  const order = chunked(axes, (a) => a.axis < 0 || checked[a.axis] !== true);
  const lines = (k.n * positions) / tile.length;
  const vectors = og / 4;
  const streaming = order.some((a) => a.chunk < a.size);
  const outer = k.batch.reduce((a, b) => a * b, 1) * G;
  const target = streaming ? Math.max(1, Math.ceil(threads / outer)) : Math.max(1, Math.ceil(TARGET_BLOCKS / outer));
  const columnBlocks = Math.min(Math.ceil(vectors / 8), Math.max(1, Math.ceil(target / lines)), target);
  const vectorsPerBlock = Math.ceil(vectors / columnBlocks / 8) * 8;
  const lineBlocks = Math.min(lines, Math.max(1, Math.ceil(target / Math.ceil(vectors / vectorsPerBlock))));
  const linesPerBlock = Math.ceil(lines / lineBlocks);
  return {
    ...tile,
    order,
    checked,
    lines,
    linesPerBlock,
    lineBlocks: Math.ceil(lines / linesPerBlock),
    vectorsPerBlock,
    columnBlocks: Math.ceil(vectors / vectorsPerBlock),
  };
}

/**
 * Chunk sizes for the reduction axes (outer to inner): going outwards, the cache lines one pass
 * touches grow by each axis's size (per innermost step: the lines of x and w it moves through);
 * the first axis past CHUNK_BYTES is cut to fit, and every axis outside it into chunks of one.
 * Only axes without tap clipping are cut; otherwise nothing is.
 */
function chunked(axes: readonly Omit<ReductionAxis, "chunk">[], cuttable: (a: Omit<ReductionAxis, "chunk">) => boolean): ReductionAxis[] {
  const lines = (step: number): number => Math.min(64, Math.abs(step));
  const whole = axes.map((a) => ({ ...a, chunk: a.size }));
  let bytes = 0;
  for (let j = axes.length - 1; j >= 0; j--) {
    const a = axes[j] as Omit<ReductionAxis, "chunk">;
    const inner = j === axes.length - 1 ? lines(a.xStep) + lines(a.wStep) : bytes;
    const pass = a.size * inner;
    if (pass > CHUNK_BYTES && j < axes.length - 1) {
      if (!axes.slice(0, j + 1).every(cuttable)) return whole;
      return whole.map((b, i) => (i < j ? { ...b, chunk: 1 } : i === j ? { ...b, chunk: Math.max(1, Math.floor(CHUNK_BYTES / inner)) } : b));
    }
    bytes = pass;
  }
  return whole;
}

/** Blocks of a tiled conv per batch index and group. */
export function tiledBlocks(t: TiledLayout): number {
  return t.lineBlocks * t.columnBlocks;
}

export interface TiledGenOptions {
  readonly addr: (buffer: number) => number;
  readonly fma: boolean;
}

/** Tap bounds of one spatial axis for one row: locals holding [lo, hi). */
interface Bounds {
  readonly lo: number;
  readonly hi: number;
}

/** A chunk of a reduction axis: locals holding [begin, end). */
interface Range {
  readonly begin: number;
  readonly end: number;
}

/**
 * The block function (block index, scratch address) -> (): block → (batch index, group, line
 * block, column block); then chunk by chunk, for each column group, each line of the block, its
 * tiles along the tile axis.
 */
export function genTiledBlock(k: ConvKernel, t: TiledLayout, o: TiledGenOptions): FunctionBuilder {
  const f = new FunctionBuilder(["i32", "i32"], []);
  const BLOCK = 0;
  const g = k.geometry;
  const d = k.inSpatial.length;
  const nb = k.batch.length;
  const xs = k.x.strides;
  const ws = k.w.strides;
  const G = g.groups;
  const cg = k.channels / G;
  const og = k.outChannels / G;
  const vectors = og / 4;
  const positions = k.outSpatial.reduce((a, b) => a * b, 1);
  const local = (): number => f.local("i32");
  const [rest, group, xg, wg, outg, lineBegin, lineEnd, vBegin, vEnd] = Array.from({ length: 9 }, local) as [number, number, number, number, number, number, number, number, number];

  // Block -> (batch index, group, line block, column block).
  const perGroup = t.lineBlocks * t.columnBlocks;
  f.get(BLOCK).i32(t.columnBlocks).op(I.i32_rem_u).i32(t.vectorsPerBlock).op(I.i32_mul).tee(vBegin);
  f.i32(t.vectorsPerBlock).op(I.i32_add).set(vEnd);
  f.i32(vectors).get(vEnd).get(vEnd).i32(vectors).op(I.i32_gt_s).op(I.select).set(vEnd);
  f.get(BLOCK).i32(t.columnBlocks).op(I.i32_div_u).i32(t.lineBlocks).op(I.i32_rem_u).i32(t.linesPerBlock).op(I.i32_mul).tee(lineBegin);
  f.i32(t.linesPerBlock).op(I.i32_add).set(lineEnd);
  f.i32(t.lines).get(lineEnd).get(lineEnd).i32(t.lines).op(I.i32_gt_s).op(I.select).set(lineEnd);
  f.get(BLOCK).i32(perGroup).op(I.i32_div_u).set(rest);
  f.get(rest).i32(G).op(I.i32_rem_u).set(group);
  f.get(rest).i32(G).op(I.i32_div_u).set(rest);
  f.i32(o.addr(k.out)).get(rest).i32(k.n * positions * k.outChannels * BYTES).op(I.i32_mul).op(I.i32_add).get(group).i32(og * BYTES).op(I.i32_mul).op(I.i32_add).set(outg);
  f.i32(o.addr(k.x.buffer) + k.x.offset * BYTES).get(group).i32(cg * (xs[nb + 1 + d] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(xg);
  f.i32(o.addr(k.w.buffer) + k.w.offset * BYTES).get(group).i32(og * (ws[nb + d + 1] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(wg);
  const idx = local();
  for (let j = nb - 1; j >= 0; j--) {
    const size = k.batch[j] as number;
    f.get(rest).i32(size).op(I.i32_rem_u).set(idx);
    f.get(rest).i32(size).op(I.i32_div_u).set(rest);
    if (xs[j] !== 0) f.get(xg).get(idx).i32((xs[j] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(xg);
    if (ws[j] !== 0) f.get(wg).get(idx).i32((ws[j] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(wg);
  }

  // Chunk loops over the chunked reduction axes (outer to inner), each giving its range [begin, end).
  const first = local();
  const ranges = new Map<ReductionAxis, Range>();
  const body = (): void => {
    f.i32(1).set(first);
    for (const r of ranges.values()) f.get(first).get(r.begin).op(I.i32_eqz).op(I.i32_and).set(first);
    const lanes = { ranges, first };
    // Interior tiles of 4 rows × 2 vectors, then the rows next to padding (and the remainder) one by one, 8 vectors at a time.
    for (const rows of [4, 1]) {
      const width = rows === 4 ? 2 : 8;
      const v = local();
      f.forRange(v, { local: vBegin }, { local: vEnd }, width, () => {
        const full = (): void => lineLoop(rows, width, v, lanes);
        if (vectors % width === 0) full();
        else f.get(vEnd).get(v).op(I.i32_sub).i32(width).op(I.i32_lt_s).ifThen(() => lineLoop(rows, vectors % width, v, lanes), full);
      });
    }
  };
  const cut = t.order.filter((a) => a.chunk < a.size);
  const chunkLoops = (j: number): void => {
    const a = cut[j];
    if (a === undefined) return body();
    const r = { begin: local(), end: local() };
    ranges.set(a, r);
    f.forRange(r.begin, 0, a.size, a.chunk, () => {
      // end = min(begin + chunk, size)
      f.get(r.begin).i32(a.chunk).op(I.i32_add).tee(r.end).i32(a.size).get(r.end).i32(a.size).op(I.i32_lt_s).op(I.select).set(r.end);
      chunkLoops(j + 1);
    });
  };
  chunkLoops(0);

  /** For each line of the block, the tiles of `rows` rows (those the tile axis has) at vector v0, `width` vectors. */
  function lineLoop(rows: number, width: number, v0: number, lanes: { ranges: ReadonlyMap<ReductionAxis, Range>; first: number }): void {
    const segments = tileSegments(k, t, rows);
    if (segments.length === 0) return;
    const [line, q, xLine, oLine, wCol, oCol] = [local(), local(), local(), local(), local(), local()];
    const coord = local();
    const bounds: (Bounds | undefined)[] = t.checked.map((c) => (c ? { lo: local(), hi: local() } : undefined));
    f.forRange(line, { local: lineBegin }, { local: lineEnd }, 1, () => {
      // The line's coordinates: (n, t_0 .. t_{d-2}) along the last spatial axis, (t_0 .. t_{d-1}) along n.
      f.get(line).set(q);
      f.get(xg).set(xLine);
      f.get(outg).set(oLine);
      const spatialAxes = t.tileAxis === "spatial" ? d - 1 : d;
      const sizes = k.outSpatial.slice(0, spatialAxes);
      for (let i = spatialAxes - 1; i >= 0; i--) {
        const size = sizes[i] as number;
        f.get(q).i32(size).op(I.i32_rem_u).set(coord);
        f.get(q).i32(size).op(I.i32_div_u).set(q);
        // x: (t·s − lo)·stride; out: t·(positions after axis i)·O
        const s = g.strides[i] as number;
        const lo = g.lo[i] as number;
        const xStride = (xs[nb + 1 + i] as number) * BYTES;
        f.get(xLine).get(coord).i32(s * xStride).op(I.i32_mul).op(I.i32_add).i32(lo * xStride).op(I.i32_sub).set(xLine);
        const after = k.outSpatial.slice(i + 1).reduce((a, b) => a * b, 1);
        f.get(oLine).get(coord).i32(after * k.outChannels * BYTES).op(I.i32_mul).op(I.i32_add).set(oLine);
        const b = bounds[i];
        if (b !== undefined) tapBounds(i, coord, b);
      }
      if (t.tileAxis === "spatial") {
        // What is left of the line index is n.
        f.get(xLine).get(q).i32((xs[nb] as number) * BYTES).op(I.i32_mul).op(I.i32_add).set(xLine);
        f.get(oLine).get(q).i32(positions * k.outChannels * BYTES).op(I.i32_mul).op(I.i32_add).set(oLine);
        // The tile axis starts at −lo.
        f.get(xLine).i32((g.lo[d - 1] as number) * (xs[nb + d] as number) * BYTES).op(I.i32_sub).set(xLine);
      }
      f.get(wg).get(v0).i32(16).op(I.i32_mul).op(I.i32_add).set(wCol);
      f.get(oLine).get(v0).i32(16).op(I.i32_mul).op(I.i32_add).set(oCol);
      const tileAxisBounds = t.tileAxis === "spatial" ? bounds[d - 1] : undefined;
      for (const seg of segments) {
        const r = local();
        f.forRange(r, seg.from, seg.to, rows, () => {
          const [xRow, oRow] = [local(), local()];
          f.get(xLine).get(r).i32(t.xRowStep).op(I.i32_mul).op(I.i32_add).set(xRow);
          f.get(oCol).get(r).i32(t.outRowStep).op(I.i32_mul).op(I.i32_add).set(oRow);
          if (tileAxisBounds !== undefined) {
            if (rows === 1) tapBounds(d - 1, r, tileAxisBounds);
            else {
              f.i32(0).set(tileAxisBounds.lo);
              f.i32(k.kernelSpatial[d - 1] as number).set(tileAxisBounds.hi);
            }
          }
          emitTile(f, k, t, { rows, width, x: xRow, w: wCol, out: oRow, bounds, ...lanes, fma: o.fma });
        });
      }
    });
  }

  /** [lo, hi) of the taps along spatial axis i that land inside the input for output coordinate `coord`. */
  function tapBounds(i: number, coord: number, b: Bounds): void {
    const [s, rd, lo] = [g.strides[i] as number, g.rhsDilation[i] as number, g.lo[i] as number];
    const size = k.inSpatial[i] as number;
    const K = k.kernelSpatial[i] as number;
    const base = local();
    // base = t·s − lo; taps with base + k·rd in [0, size): k ≥ ⌈−base/rd⌉, k ≤ ⌊(size − 1 − base)/rd⌋.
    f.get(coord).i32(s).op(I.i32_mul).i32(lo).op(I.i32_sub).set(base);
    f.i32(rd - 1).get(base).op(I.i32_sub).i32(rd).op(I.i32_div_s).i32(0).get(base).i32(0).op(I.i32_lt_s).op(I.select).set(b.lo);
    f.i32(size - 1).get(base).op(I.i32_sub).i32(rd).op(I.i32_div_s).i32(1).op(I.i32_add).set(b.hi);
    f.get(b.hi).i32(K).get(b.hi).i32(K).op(I.i32_lt_s).op(I.select).set(b.hi);
    f.i32(0).get(b.hi).i32(size - 1).get(base).op(I.i32_sub).i32(0).op(I.i32_lt_s).op(I.select).set(b.hi);
  }
  return f;
}

/** Static ranges of the tile axis covered by tiles of `rows` rows (4: interior tiles; 1: the rest). */
function tileSegments(k: ConvKernel, t: TiledLayout, rows: number): { from: number; to: number }[] {
  const L = t.length;
  let [a, b] = [0, L]; // rows [a, b) read no padding along the tile axis
  if (t.tileAxis === "spatial") {
    const d = k.inSpatial.length;
    const g = k.geometry;
    const [s, rd, lo] = [g.strides[d - 1] as number, g.rhsDilation[d - 1] as number, g.lo[d - 1] as number];
    const S = k.inSpatial[d - 1] as number;
    const K = k.kernelSpatial[d - 1] as number;
    if (t.checked[d - 1] === true) {
      a = Math.max(0, Math.min(L, Math.ceil(lo / s)));
      b = Math.max(a, Math.min(L, Math.floor((S - 1 + lo - (K - 1) * rd) / s) + 1));
    }
  }
  const fours = Math.floor((b - a) / 4) * 4;
  if (rows === 4) return fours > 0 ? [{ from: a, to: a + fours }] : [];
  return [
    { from: 0, to: a },
    { from: a + fours, to: L },
  ].filter((s) => s.to > s.from);
}

interface TileLocals {
  readonly rows: number;
  /** Vectors of 4 output channels. */
  readonly width: number;
  /** x at the row's tap 0 (all axes), the kernel at the tile's first column, the output at the tile's first row and column. */
  readonly x: number;
  readonly w: number;
  readonly out: number;
  readonly bounds: readonly (Bounds | undefined)[];
  /** The chunked axes' current chunks. */
  readonly ranges: ReadonlyMap<ReductionAxis, Range>;
  readonly first: number;
  readonly fma: boolean;
}

/** One tile: accumulators from zero (first chunk) or the output, the reduction loops, the store. */
function emitTile(f: FunctionBuilder, k: ConvKernel, t: TiledLayout, l: TileLocals): void {
  const acc = Array.from({ length: l.rows * l.width }, () => f.local("v128"));
  const at = (r: number, v: number): number => acc[r * l.width + v] as number;
  f.get(l.first).ifThen(
    () => {
      for (const a of acc) f.f32(0).simd(V.f32x4_splat).set(a);
    },
    () => {
      for (let r = 0; r < l.rows; r++) for (let v = 0; v < l.width; v++) f.get(l.out).simdMem(V.v128_load, { align: 2, offset: r * t.outRowStep + v * 16 }).set(at(r, v));
    },
  );
  const wv = l.rows > 1 ? Array.from({ length: l.width }, () => f.local("v128")) : [];
  const s = f.local("v128");
  const madd = (a: number, pushW: () => void): void => {
    if (l.fma) {
      f.get(s);
      pushW();
      f.get(a).simd(V.f32x4_relaxed_madd).set(a);
    } else {
      f.get(s);
      pushW();
      f.simd(V.f32x4_mul).get(a).simd(V.f32x4_add).set(a);
    }
  };
  const level = (depth: number, xp: number, wp: number): void => {
    if (depth === t.order.length) {
      if (l.rows === 1) {
        f.get(xp).simdMem(V.v128_load32_splat, { align: 2, offset: 0 }).set(s);
        for (let v = 0; v < l.width; v++) madd(at(0, v), () => void f.get(wp).simdMem(V.v128_load, { align: 2, offset: v * 16 }));
        return;
      }
      for (let v = 0; v < l.width; v++) f.get(wp).simdMem(V.v128_load, { align: 2, offset: v * 16 }).set(wv[v] as number);
      for (let r = 0; r < l.rows; r++) {
        const off = r * t.xRowStep;
        if (off >= 0) f.get(xp).simdMem(V.v128_load32_splat, { align: 2, offset: off });
        else f.get(xp).i32(off).op(I.i32_add).simdMem(V.v128_load32_splat, { align: 2, offset: 0 });
        f.set(s);
        for (let v = 0; v < l.width; v++) madd(at(r, v), () => void f.get(wv[v] as number));
      }
      return;
    }
    const a = t.order[depth] as ReductionAxis;
    const [i, nx, nw] = [f.local("i32"), f.local("i32"), f.local("i32")];
    const b = a.axis >= 0 ? l.bounds[a.axis] : undefined;
    const c = l.ranges.get(a);
    const from = c !== undefined ? { local: c.begin } : b !== undefined ? { local: b.lo } : 0;
    const to = c !== undefined ? { local: c.end } : b !== undefined ? { local: b.hi } : a.size;
    // Pointers at the first index of the range.
    const start = (p: number, step: number, into: number): void => {
      if (typeof from === "number") f.get(p).set(into);
      else f.get(p).get(from.local).i32(step).op(I.i32_mul).op(I.i32_add).set(into);
    };
    start(xp, a.xStep, nx);
    start(wp, a.wStep, nw);
    f.forRange(i, from, to, 1, () => {
      level(depth + 1, nx, nw);
      f.get(nx).i32(a.xStep).op(I.i32_add).set(nx);
      f.get(nw).i32(a.wStep).op(I.i32_add).set(nw);
    });
  };
  level(0, l.x, l.w);
  for (let r = 0; r < l.rows; r++) for (let v = 0; v < l.width; v++) f.get(l.out).get(at(r, v)).simdMem(V.v128_store, { align: 2, offset: r * t.outRowStep + v * 16 });
}
