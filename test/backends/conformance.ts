import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../backends/backend.js";
import { js } from "../../backends/js/index.js";
import { allocate, type DType } from "../../ir/dtype.js";
import { type Graph, graphOf } from "../../ir/graph.js";
import { BINARY_OPS, COMPARE_OPS, UNARY as UNARY_DEFS, UNARY_OPS } from "../../ir/ops/elementwise.js";
import { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { arb, type BackendFeeds, type BackendSubject, checkBackends, type Results, sizeOf } from "../../src/testing/index.js";
import { type ConvCase, convCaseArb } from "../support/conv-cases.js";

/**
 * The conformance suite every compiled backend passes: its results against the JS reference
 * (the semantics) on random graphs, on every primitive, and on a train step of every optimizer.
 * Each case is one graph and its feeds, run by graphgrad/testing's `checkBackends` with the
 * case's bounds (ULPs and absolute differences per output).
 *
 * Stated tolerances:
 * - elementwise ops, casts, comparisons, layout ops, gather, iota, random, reductions (float64
 *   accumulation in row-major order, as the reference): EXACT (bit for bit; ±0 may differ where
 *   the reference's own order allows);
 * - float32 matmul (and what consumes it): |got - ref| <= 4·k·2⁻²⁴·Σ|a||b| per element (the
 *   backend may accumulate in float32, in another order, with FMA);
 * - float64 graphs: exact where the backend supports float64 (`float64: true`);
 * - a backend computing in float32 only (WebGPU) states its own bounds (`float32`), used in place
 *   of exactness where they apply: float32 functions within so many ULPs, float32 sums within a
 *   multiple of 2⁻²⁴·Σ|term|, subnormals possibly flushed to zero.
 */
export interface ConformanceOptions {
  readonly float64: boolean;
  /** numRuns for the random properties (keep small for slow backends). */
  readonly runs: number;
  /** The stated float32 error bounds of a backend without float64 accumulation; absent: exact. */
  readonly float32?: Float32Accuracy;
}

export interface Float32Accuracy {
  /** Largest error of these float32 ops (and of random "normal"s), in ULPs of the reference's result; other ops are exact. */
  readonly ulps: Readonly<Record<string, number>>;
  /** A float32 sum of n terms is within sumUnits(n)·2⁻²⁴·Σ|term| of the reference. */
  readonly sumUnits: (n: number) => number;
  /** Subnormals may be flushed to zero: generated values avoid magnitudes below 2⁻⁶⁰, results below 2⁻¹²⁶ may read as ±0. */
  readonly flushesSubnormals: boolean;
}

/** An element's bound as `checkBackends` takes it: a number, or computed from the reference's results and the feed set. */
type Atol = number | ((element: number, reference: Results, run: number) => number);

/** The bounds of one case's outputs: ULPs and absolute differences by output name (an output named in neither: exact). */
interface Bounds {
  readonly ulps: Readonly<Record<string, number>>;
  readonly atol: Readonly<Record<string, Atol>>;
}

const EXACT: Bounds = { ulps: {}, atol: {} };
const merge = (...bs: readonly Bounds[]): Bounds => ({ ulps: Object.assign({}, ...bs.map((b) => b.ulps)), atol: Object.assign({}, ...bs.map((b) => b.atol)) });
const absoluteBounds = (atol: Readonly<Record<string, Atol>>): Bounds => ({ ulps: {}, atol });

/** The float32 values of an output of the reference's results. */
const valuesOf = (ref: Results, name: string): ArrayLike<number> => (ref[name] as Tensor).data;

/** A tensor of any values: stored as a typed-array store converts them (int32 wraps, bool is "non-zero"), to reach every bit pattern. */
const t32 = (shape: readonly number[], values: readonly number[], dtype: DType = "float32"): Tensor => {
  const data = allocate(dtype, values.length);
  data.set(dtype === "bool" ? values.map((v) => (v !== 0 ? 1 : 0)) : values);
  return new Tensor(dtype, shape, data);
};

const graphOfOutputs = (outputs: Readonly<Record<string, gg.Expr>>): Graph => graphOf(Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node])));

export function conformanceSuite(name: string, makeBackend: () => Backend, o: ConformanceOptions): void {
  describe(`${name} backend conformance (against the JS reference)`, () => {
    const backend = makeBackend();
    const acc = o.float32;
    const flush = acc?.flushesSubnormals === true ? 2 ** -126 : 0;
    /** float32 values in [-3, 3] (none below 2⁻⁶⁰ in magnitude where the backend flushes subnormals). */
    const values = (n: number): fc.Arbitrary<number[]> =>
      arb.values(n, { dtype: "float32", min: -3, max: 3 }).map((vs) => (flush > 0 ? vs.map((v) => (Math.abs(v) < 2 ** -60 ? 0 : v)) : vs));
    /** Output `out` of float32 op `op`: within the backend's stated ULPs (subnormals may flush); other dtypes, or no stated bounds: exact. */
    const opBound = (out: string, op: string, dtype: DType): Bounds => (acc === undefined || dtype !== "float32" ? EXACT : { ulps: { [out]: acc.ulps[op] ?? 0 }, atol: { [out]: flush } });
    /**
     * Output `out`, float32 sums of n terms each within `termUlps` of the reference's: within the
     * stated bound given Σ|term| (output `magnitude`); other dtypes, or no stated bounds: exact.
     */
    const sumBound = (out: string, magnitude: string, n: (run: number) => number, dtype: DType, termUlps = 0): Bounds =>
      acc === undefined || dtype !== "float32"
        ? EXACT
        : absoluteBounds({ [out]: (i, ref, run) => (acc.sumUnits(n(run)) * 2 ** -24 + termUlps * 2 ** -23) * (valuesOf(ref, magnitude)[i] as number) + n(run) * flush });
    /** One case: the subject on this backend against the reference, within `bounds`. */
    const check = async <K extends string>(subject: BackendSubject<K>, feeds: BackendFeeds<K> | readonly BackendFeeds<K>[], bounds: Bounds = EXACT, rejections: "throw" | "compare" = "throw"): Promise<void> =>
      void (await checkBackends(subject, feeds, { backends: [backend], ulps: bounds.ulps, atol: bounds.atol, rejections }));

    if (o.float64) {
      it("random float64 graphs give exactly the reference's values", async () => {
        await fc.assert(
          fc.asyncProperty(arb.graph(), async (c) => check(c.graph, c.feeds)),
          { numRuns: o.runs * 2 },
        );
      });
    }

    it("every unary primitive on float32 (with NaN, ±Inf, ±0) is exact (or within the stated float32 bound)", async () => {
      const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -2.5, 0.5, 3.75, 100];
      const vals = [...specials, 0.1, 1.5, -1.5, 2.2, -7.9, 12.3, 0.0001];
      for (const op of UNARY_OPS) {
        const x = gg.input("x", [vals.length]);
        await check({ y: prim(op, [x], {}) }, { x: t32([vals.length], vals) }, opBound("y", op, "float32"));
      }
    });

    it("every unary primitive on int32 and bool (where it accepts them), over SIMD-length vectors, is exact", async () => {
      const ints = [0, 1, -1, 2, -3, 7, -8, 100, -1000, 2147483647, -2147483648, 5, 6, -6, 13, 21, -34];
      for (const op of UNARY_OPS) {
        const dtypes: DType[] = UNARY_DEFS[op].accepts === "float" ? [] : UNARY_DEFS[op].accepts === "any" ? ["int32", "bool"] : ["int32"];
        for (const dtype of dtypes) {
          const vals = dtype === "bool" ? ints.map((v) => (v > 0 ? 1 : 0)) : ints;
          const x = gg.input("x", [vals.length], dtype);
          await check({ y: prim(op, [x], {}) }, { x: t32([vals.length], vals, dtype) });
        }
      }
    });

    it("every binary and compare primitive with broadcasting, float32 and int32, is exact (or within the stated float32 bound)", async () => {
      await fc.assert(
        fc.asyncProperty(
          arb.broadcastPair({ maxRank: 3, maxDim: 6 }).chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), values(sizeOf(a)), values(sizeOf(b)))),
          async ([sa, sb, va, vb]) => {
            for (const dtype of ["float32", "int32"] as const) {
              const a = gg.input("a", sa, dtype);
              const b = gg.input("b", sb, dtype);
              const outs: Record<string, gg.Expr> = {};
              for (const op of [...BINARY_OPS, ...COMPARE_OPS]) if (!(op === "pow" && dtype === "int32")) outs[op] = prim(op, [a, b], {});
              outs["where"] = prim("where", [prim("greater", [a, b], {}), a, b], {});
              const ints = (v: number[]): number[] => v.map((x) => Math.round(x * 5));
              const fa = dtype === "int32" ? ints(va) : va;
              const fb = dtype === "int32" ? ints(vb) : vb;
              await check(outs, { a: t32(sa, fa, dtype), b: t32(sb, fb, dtype) }, merge(...Object.entries(outs).map(([k, e]) => opBound(k, k, e.dtype))));
            }
          },
        ),
        { numRuns: o.runs },
      );
    });

    it("casts between every pair of dtypes are exact (saturation, NaN, bools)", async () => {
      const vals = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.7, -1.7, 3e9, -3e9, 2147483647, 1, 42.9];
      const dtypes: DType[] = o.float64 ? ["float32", "float64", "int32", "bool"] : ["float32", "int32", "bool"];
      for (const from of dtypes) {
        const x = gg.input("x", [vals.length], from);
        const outs: Record<string, gg.Expr> = {};
        for (const to of dtypes) outs[to] = prim("cast", [x], { dtype: to });
        await check(outs, { x: t32([vals.length], vals, from) });
      }
    });

    it("reductions (sum, max; any axes, keepdims) are exact (float32 sums: or within the stated bound)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
            fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()]), fc.boolean(), values(sizeOf(shape))),
          ),
          async ([shape, axes, keepdims, vals]) => {
            const x = gg.input("x", shape);
            const e = gg.exp(gg.mul(x, 0.5));
            const outs = { s: gg.sum(e, axes, keepdims), m: gg.max(x, axes, keepdims), si: gg.sum(gg.cast(x, "int32"), axes, keepdims), abs: gg.sum(gg.abs(e), axes, keepdims) };
            const n = axes.reduce((a, i) => a * (shape[i] as number), 1);
            const expUlps = acc?.ulps["exp"] ?? 0;
            await check(outs, { x: t32(shape, vals) }, merge(sumBound("s", "abs", () => n, "float32", expUlps), sumBound("abs", "abs", () => n, "float32", expUlps)));
          },
        ),
        { numRuns: o.runs },
      );
    });

    it("reductions over leading axes keeping a long last axis (bias gradients, pooling windows), with NaN, ±Inf and ±0, are exact (float32 sums: or within the stated bound)", async () => {
      // Values as `values` draws them (off the subnormals a backend may flush), with NaN, ±Inf and ±0 mixed in.
      const finite = fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }).map((v) => (acc?.flushesSubnormals === true && Math.abs(v) < 2 ** -60 ? 0 : v));
      const special = fc.oneof({ arbitrary: finite, weight: 6 }, { arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0), weight: 1 });
      await fc.assert(
        fc.asyncProperty(
          fc
            .tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 4, max: 37 }))
            .chain(([lead, last]) => {
              const shape = [...lead, last];
              return fc.tuple(fc.constant(shape), fc.subarray([...lead.keys()], { minLength: 1 }), fc.boolean(), values(sizeOf(shape)), fc.array(special, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }), values(last));
            }),
          async ([shape, axes, keepdims, vals, withSpecials, row]) => {
            const last = shape[shape.length - 1] as number;
            const x = gg.input("x", shape);
            const y = gg.input("y", shape);
            const b = gg.input("b", [last]);
            // Fused prologues with a broadcast row (exact elementwise ops, so sums are exact on WASM).
            const e = gg.where(gg.greater(x, 0), gg.mul(x, b), gg.add(x, b));
            const outs = { s: gg.sum(e, axes, keepdims), abs: gg.sum(gg.abs(e), axes, keepdims), m: gg.max(y, axes, keepdims), mb: gg.max(gg.mul(y, b), axes, keepdims) };
            const n = axes.reduce((a, i) => a * (shape[i] as number), 1);
            await check(outs, { x: t32(shape, vals), y: t32(shape, withSpecials), b: t32([last], row) }, merge(sumBound("s", "abs", () => n, "float32"), sumBound("abs", "abs", () => n, "float32")));
          },
        ),
        { numRuns: o.runs },
      );
    });

    /** A float32 matmul's bound, 4·k·2⁻²⁴·Σ|a||b|, given Σ|a||b| (output `magnitude`). */
    const matmulBound = (outs: readonly string[], k: number, magnitude: string): Bounds =>
      absoluteBounds(Object.fromEntries(outs.map((out) => [out, (i: number, ref: Results) => 4 * k * 2 ** -24 * (valuesOf(ref, magnitude)[i] as number) + 1e-30])));

    it("float32 matmul (batched, broadcast batch axes, odd sizes) is within the stated bound", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([m, k, n, batch, bcast]) => {
            const sa = [batch, m, k];
            const sb = bcast ? [k, n] : [batch, k, n];
            return fc.tuple(fc.constant(sa), fc.constant(sb), values(sizeOf(sa)), values(sizeOf(sb)));
          }),
          async ([sa, sb, va, vb]) => {
            const a = gg.input("a", sa);
            const b = gg.input("b", sb);
            await check({ c: gg.matmul(a, b), ab: gg.matmul(gg.abs(a), gg.abs(b)) }, { a: t32(sa, va), b: t32(sb, vb) }, matmulBound(["c", "ab"], sa[2] as number, "ab"));
          },
        ),
        { numRuns: o.runs },
      );
    });

    it("matmul of transposed, sliced and broadcast operands (fused as views) is within the stated bound", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 19 })).chain(([m, k, n]) =>
            fc.tuple(fc.constant([m, k, n] as const), values(2 * m * k), values(2 * k * n)),
          ),
          async ([[m, k, n], va, vb]) => {
            const at = gg.input("at", [2, k, m]); // A stored transposed
            const bt = gg.input("bt", [n, k]); // B stored transposed
            const a2 = gg.input("a2", [2, m, k]);
            const b2 = gg.input("b2", [2, k, n]);
            const A = gg.transpose(at, [0, 2, 1]);
            const B = gg.transpose(bt);
            const outs = {
              tt: gg.matmul(A, B),
              tn: gg.matmul(A, gg.slice(b2, [1, 0, 0], [1, k, n])),
              nt: gg.matmul(a2, B),
            };
            const feeds = { at: t32([2, k, m], va), bt: t32([n, k], vb.slice(0, n * k)), a2: t32([2, m, k], va), b2: t32([2, k, n], vb) };
            // |a|, |b| <= 3, so Σ|a||b| <= 9k.
            const bound = 4 * k * 2 ** -24 * 9 * k;
            await check(outs, feeds, absoluteBounds({ tt: bound, tn: bound, nt: bound }));
          },
        ),
        { numRuns: o.runs },
      );
    });

    /**
     * conv(x, w) and its gradients with respect to x and w (convolutions of reversed and transposed
     * views): float32 within the matmul's bound, 4·k·2⁻²⁴·Σ|x||w| (k: the length of the output's sum;
     * Σ|x||w| from the same graph on |x|, |w|, |dy|); float64 and int32 exact.
     */
    const checkConv = async (c: ConvCase, dtype: DType, vx: readonly number[], vw: readonly number[], positive = false): Promise<void> => {
      const x = gg.input("x", c.x, dtype);
      const w = gg.input("w", c.w, dtype);
      const y = prim("conv", [x, w], c.attrs);
      const float = dtype !== "int32";
      const dy = gg.input("dy", y.shape, dtype);
      const outs: Record<string, gg.Expr> = { y };
      if (float) {
        const [gx, gw] = gg.grad(gg.sum(gg.mul(y, dy)), [x, w]);
        Object.assign(outs, { gx: gx as gg.Expr, gw: gw as gg.Expr });
      }
      // `positive`: a cotangent without cancellation, so that a sum missing terms stands out of the bound.
      const vdy = Array.from({ length: sizeOf(y.shape as number[]) }, (_, i) => (positive ? 1.5 + Math.cos(i * 0.7) : Math.cos(i * 0.7) * 2));
      const feeds: Record<string, Tensor> = { x: t32(c.x, vx, dtype), w: t32(c.w, vw, dtype), ...(float ? { dy: t32(y.shape as number[], vdy, dtype) } : {}) };
      if (dtype !== "float32") return check(outs, feeds);
      const abs = (v: readonly number[]): number[] => v.map(Math.abs);
      const absFeeds = new Map([["x", t32(c.x, abs(vx))], ["w", t32(c.w, abs(vw))], ["dy", t32(y.shape as number[], abs(vdy))]]);
      const mag = await (await js().compile(graphOfOutputs(outs))).run(absFeeds);
      // The longest sum behind each output: taps × channels per group (y: input channels, gx: output
      // channels, and the batch indices x is broadcast along), and for gw every output position of
      // every image and batch index w is broadcast along.
      const d = c.attrs.strides.length;
      const taps = sizeOf(c.w.slice(c.w.length - d - 2, c.w.length - 2));
      const [cg, o] = [c.w[c.w.length - 2] as number, c.w[c.w.length - 1] as number];
      const yShape = y.shape as number[];
      const xBroadcast = sizeOf(yShape.slice(0, yShape.length - d - 2)) / sizeOf(c.x.slice(0, c.x.length - d - 2));
      const reductions: Record<string, number> = { y: taps * cg, gx: taps * (o / c.attrs.groups) * xBroadcast, gw: (sizeOf(yShape) / sizeOf(c.w)) * taps * cg };
      const bound = (out: string) => {
        const k = reductions[out] as number;
        return (i: number): number => 4 * k * 2 ** -24 * (valuesOf(mag, out)[i] as number) + k * flush + 1e-30;
      };
      await check(outs, feeds, absoluteBounds(Object.fromEntries(Object.keys(outs).map((out) => [out, bound(out)]))));
    };

    it("conv and its gradients (1-3 spatial axes, strides, dilations, padding, groups, broadcast batch axes) are within the stated bound (float64, int32: exact)", async () => {
      const dtypes: DType[] = ["float32", "int32", ...(o.float64 ? (["float64"] as const) : [])];
      const ints = (n: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: -9, max: 9 }), { minLength: n, maxLength: n });
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(fc.constantFrom(...dtypes), convCaseArb({ maxChannels: 3 })).chain(([d, c]) =>
            fc.tuple(fc.constant(d), fc.constant(c), d === "int32" ? ints(sizeOf(c.x)) : values(sizeOf(c.x)), d === "int32" ? ints(sizeOf(c.w)) : values(sizeOf(c.w))),
          ),
          async ([d, c, vx, vw]) => checkConv(c, d, vx, vw),
        ),
        { numRuns: o.runs * 3 },
      );
    });

    it("conv with channels in fours (WASM: the register-tiled kernel, interior tiles and rows next to padding) and its gradients are within the stated bound", async () => {
      // Four times the channels of a random case (input and output), so that all three convolutions have whole vectors of output channels.
      const fours = convCaseArb({ maxSize: 9, maxChannels: 2, maxSpatial: 2 }).map((c) => ({
        ...c,
        x: [...c.x.slice(0, -1), (c.x[c.x.length - 1] as number) * 4],
        w: [...c.w.slice(0, -2), (c.w[c.w.length - 2] as number) * 4, (c.w[c.w.length - 1] as number) * 4],
      }));
      await fc.assert(
        fc.asyncProperty(
          fours.chain((c) => fc.tuple(fc.constant(c), values(sizeOf(c.x)), values(sizeOf(c.w)))),
          async ([c, vx, vw]) => checkConv(c, "float32", vx, vw),
        ),
        { numRuns: o.runs * 2 },
      );
    });

    it("conv at sizes past one patch block (im2col on WASM: row blocks, a partial block, groups, the kernel gradient's patches) is within the stated bound", async () => {
      const sin = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * s) * 2);
      const ones = (d: number): number[] => new Array<number>(d).fill(1);
      const zeros = (d: number): number[] => new Array<number>(d).fill(0);
      const cases: ConvCase[] = [
        { x: [8, 12, 11, 24], w: [3, 3, 12, 32], attrs: { strides: ones(2), lo: [1, 0], hi: [1, 2], lhsDilation: ones(2), rhsDilation: ones(2), groups: 2 } },
        { x: [3, 17, 10], w: [4, 10, 24], attrs: { strides: [2], lo: [2], hi: [1], lhsDilation: ones(1), rhsDilation: [2], groups: 1 } },
        { x: [2, 6, 7, 5, 4], w: [2, 3, 2, 4, 16], attrs: { strides: [1, 2, 1], lo: zeros(3), hi: [1, 0, 1], lhsDilation: [1, 1, 2], rhsDilation: ones(3), groups: 1 } },
        // The kernel gradient reduces over 8 images of 20×20 cotangents: on WASM (register-tiled: 3 input channels) in chunks through the output.
        { x: [8, 22, 22, 3], w: [3, 3, 3, 32], attrs: { strides: ones(2), lo: zeros(2), hi: zeros(2), lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
        // 3×3 kernels with stride 1 (WASM: Winograd F(2×2, 3×3), and for the input's cotangent too): odd output sizes (half tiles),
        // "same" padding (patches over the edge), 12 output channels (a last half register tile), a batch axis on x only, blocks of tiles across images.
        { x: [2, 3, 9, 11, 8], w: [3, 3, 8, 12], attrs: { strides: ones(2), lo: [1, 1], hi: [1, 1], lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
        { x: [5, 7, 6, 4], w: [3, 3, 4, 8], attrs: { strides: ones(2), lo: [0, 2], hi: [1, 0], lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
        { x: [1, 3, 5, 4], w: [3, 3, 4, 4], attrs: { strides: ones(2), lo: zeros(2), hi: zeros(2), lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
        // 16 channels and more (WASM: Winograd F(4×4, 3×3)): outputs 9×10 and 12×5 (last tiles one, two and one rows or columns deep).
        { x: [2, 9, 10, 16], w: [3, 3, 16, 20], attrs: { strides: ones(2), lo: [1, 1], hi: [1, 1], lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
        { x: [1, 14, 7, 20], w: [3, 3, 20, 16], attrs: { strides: ones(2), lo: zeros(2), hi: zeros(2), lhsDilation: ones(2), rhsDilation: ones(2), groups: 1 } },
      ];
      const attempt = (c: ConvCase, what: string, run: () => Promise<void>): Promise<void> =>
        run().catch((e: unknown) => {
          throw new Error(`${what}, conv ${JSON.stringify(c)}: ${String(e)}`);
        });
      for (const [i, c] of cases.entries()) await attempt(c, `case ${i}`, () => checkConv(c, "float32", sin(sizeOf(c.x), 0.37), sin(sizeOf(c.w), 0.11)));
      // Positive values throughout: every result is its terms' magnitude, so a dropped chunk of the kernel gradient's sum would show.
      const positive = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 1.5 + Math.sin(i * s));
      for (const [i, c] of cases.entries()) await attempt(c, `case ${i} (positive)`, () => checkConv(c, "float32", positive(sizeOf(c.x), 0.37), positive(sizeOf(c.w), 0.11), true));
    });

    it("layout views fused into kernels, pad, concat, gather, scatterAdd, iota, literal are exact (or within the stated float32 bounds)", async () => {
      const x = gg.input("x", [3, 4]);
      const idx = gg.input("i", [5], "int32");
      const outs: Record<string, gg.Expr> = {
        t: gg.add(gg.transpose(x), 1),
        s: gg.mul(gg.slice(x, [1, 1], [2, 2]), gg.slice(x, [0, 2], [2, 2])),
        b: gg.sub(gg.broadcastTo(gg.slice(x, [0, 0], [1, 4]), [3, 4]), x),
        r: gg.reshape(gg.transpose(x), [2, 6]),
        p: gg.pad(gg.exp(x), [[1, 0], [2, 1]]),
        c: gg.concat([x, gg.neg(x), gg.transpose(gg.reshape(x, [4, 3]))], 0),
        // The primitives clamp out-of-range indices (the public builders check them first: below).
        g: prim("gather", [x, idx], {}),
        sa: prim("scatterAdd", [prim("gather", [x, idx], {}), idx], { size: 3 }),
        io: gg.add(gg.iota([3, 4], 1, "float32"), gg.constant([[1, 2, 3, 4]])),
        oh: gg.oneHot(idx, 4),
        // Iotas read by a reduction (computed in place by the compiled backends).
        ioSum: gg.sum(gg.mul(gg.iota([3, 4], 0, "int32"), gg.iota([3, 4], 1, "int32")), 1),
        am: gg.argmax(x, 1),
        mx: gg.sum(gg.transpose(x), 1),
        saAbs: prim("scatterAdd", [prim("gather", [gg.abs(x), idx], {}), idx], { size: 3 }),
        mxAbs: gg.sum(gg.transpose(gg.abs(x)), 1),
      };
      const vals = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 3);
      // scatterAdd adds up to 3 rows into one (clamped indices); mx sums 3 terms.
      const three = (): number => 3;
      const bounds = merge(
        opBound("p", "exp", "float32"),
        sumBound("sa", "saAbs", three, "float32"),
        sumBound("saAbs", "saAbs", three, "float32"),
        sumBound("mx", "mxAbs", three, "float32"),
        sumBound("mxAbs", "mxAbs", three, "float32"),
      );
      await check(outs, { x: t32([3, 4], vals), i: t32([5], [2, 0, -3, 7, 2], "int32") }, bounds);
    });

    it("index checks fail the run as the reference does (the first failing check, in order), and the next run is unaffected", async () => {
      const table = gg.input("table", [null, 2]);
      const ids = gg.input("ids", [2, 2], "int32");
      const logits = gg.input("logits", [2, 3]);
      const labels = gg.input("labels", [2], "int32");
      const w = gg.input("w", [4, 2]);
      // Embedding then loss: an output computed after both checks, and a gradient through gather.
      const emb = gg.gather(table, ids);
      const loss = gg.add(gg.sum(gg.losses.sparseSoftmaxCrossEntropyWithLogits(labels, logits)), gg.sum(gg.mul(emb, emb)));
      const [gTable] = gg.grad(loss, [table]);
      const graph = graphOf({ loss: loss.node, gTable: (gTable as gg.Expr).node, w: gg.add(w, 1).node });
      const feeds = (tableRows: number, idx: number[], lab: number[]): Record<string, Tensor> => ({
        table: t32([tableRows, 2], Array.from({ length: tableRows * 2 }, (_, i) => i / 4)),
        ids: t32([2, 2], idx, "int32"),
        logits: t32([2, 3], [0.5, -1, 2, 1, 0, -0.5]),
        labels: t32([2], lab, "int32"),
        w: t32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
      });
      const cases: [number, number[], number[], string][] = [
        [4, [0, 1, 4, 2], [0, 2], "gather: indices[1,0] = 4 is not in [0, 4)"],
        [4, [0, -1, 3, 2], [0, 2], "gather: indices[0,1] = -1 is not in [0, 4)"],
        [3, [0, 1, 3, 2], [0, 2], "gather: indices[1,0] = 3 is not in [0, 3)"], // a symbolic bound, bound to 3
        [4, [0, 1, 3, 2], [3, 2], "losses.sparseSoftmaxCrossEntropyWithLogits: labels[0] = 3 is not in [0, 3)"],
        [4, [0, 1, 3, 2], [0, -2147483648], "losses.sparseSoftmaxCrossEntropyWithLogits: labels[1] = -2147483648 is not in [0, 3)"],
      ];
      const reference = await js().compile(graph);
      for (const [rows, idx, lab, message] of cases) await expect(reference.run(new Map(Object.entries(feeds(rows, idx, lab)))), "reference").rejects.toThrow(message);
      // Each bad run rejected with the reference's message; then good feeds on the same executable
      // (the loss within 1e-5 relative); then both checks failing: the one that runs first (the reference's order).
      const runs = [...cases.map(([rows, idx, lab]) => feeds(rows, idx, lab)), feeds(4, [0, 1, 3, 2], [0, 2]), feeds(4, [9, 1, 3, 2], [5, 2])];
      await check(graph, runs, absoluteBounds({ loss: (i, ref) => 1e-5 * Math.abs(valuesOf(ref, "loss")[i] as number) }), "compare");
    });

    it("index checks inside a scan's body fail the run at the first step with a bad index, then good feeds run", async () => {
      const table = gg.input("table", [4, 2]);
      const steps = gg.input("steps", [3, 2], "int32");
      const [total] = gg.scan((h: gg.Expr, ids: gg.Expr) => [gg.add(h, gg.sum(gg.gather(table, ids), 0)), h] as const, gg.zeros([2]), steps);
      const graph = graphOf({ total: (total as gg.Expr).node });
      const feeds = (ids: readonly number[]): Record<string, Tensor> => ({ table: t32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]), steps: t32([3, 2], [...ids], "int32") });
      const bad = [
        [[0, 1, 2, -1, 3, 9], "gather: indices[1] = -1 is not in [0, 4)"], // step 1 fails before step 2
        [[0, 1, 2, 3, 4, 0], "gather: indices[0] = 4 is not in [0, 4)"],
      ] as const;
      const reference = await js().compile(graph);
      for (const [ids, message] of bad) await expect(reference.run(new Map(Object.entries(feeds(ids)))), "reference").rejects.toThrow(message);
      await check(graph, [...bad.map(([ids]) => feeds(ids)), feeds([0, 1, 2, 3, 3, 0])], EXACT, "compare");
    });

    it("random numbers are bit-identical (uniform, normal, bits, split keys; float32-only normals: within the stated bound)", async () => {
      const key = gg.random.key(1234);
      const [k1, k2] = gg.random.split(key) as [gg.Expr, gg.Expr];
      const outs = { u: gg.random.uniform(k1, [37]), n: gg.random.normal(k2, [5, 7]), s: gg.concat(gg.random.split(key, 3)) };
      await check(outs, {}, opBound("n", "normal", "float32"));
    });

    it("bool inputs and outputs, and a symbolic batch run at two sizes from one executable", async () => {
      const x = gg.input("x", [null, 3]);
      const m = gg.input("m", [null, 3], "bool");
      const outs = { y: gg.where(m, gg.tanh(x), gg.mul(x, 2)), g: gg.greater(x, 0.5), s: gg.sum(x, 0), abs: gg.sum(gg.abs(x), 0) };
      const sizes = [1, 4, 2];
      const feeds = sizes.map((n) => {
        const vals = Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 1.3 + n));
        return { x: t32([n, 3], vals), m: t32([n, 3], vals.map((v) => (v > 0 ? 1 : 0)), "bool") };
      });
      const batch = (run: number): number => sizes[run] as number;
      await check(outs, feeds, merge(opBound("y", "tanh", "float32"), sumBound("s", "abs", batch, "float32"), sumBound("abs", "abs", batch, "float32")));
    });

    it("a train step of every optimizer follows the reference (float32, 3 steps)", async () => {
      const x = gg.input("x", [null, 4]);
      const y = gg.input("y", [null, 3]);
      const w = gg.param("w", [4, 3]);
      const b = gg.param("b", [3]);
      const loss = gg.mean(gg.losses.softmaxCrossEntropyWithLogits(y, gg.add(gg.matmul(x, w), b)));
      const optimizers = {
        sgd: gg.optim.sgd({ lr: 0.1 }),
        momentum: gg.optim.momentum({ lr: 0.1, nesterov: true }),
        sgdm: gg.optim.sgdm({ lr: 0.1 }),
        adagrad: gg.optim.adagrad({ lr: 0.1 }),
        rmsprop: gg.optim.rmsprop({ lr: 0.01, momentum: 0.5, centered: true }),
        adam: gg.optim.adam({ lr: 0.1 }),
        adadelta: gg.optim.adadelta({ lr: 1 }),
        clipped: gg.optim.chain(gg.optim.clipByGlobalNorm(0.5), gg.optim.sgd({ lr: gg.schedules.exponentialDecay({ initial: 0.2, decayRate: 0.9, decaySteps: 1 }) })),
      };
      const batch = {
        x: [[1, 2, 3, 4], [4, 3, 2, 1], [0.5, -1, 2, 0]],
        y: [[1, 0, 0], [0, 0, 1], [0, 1, 0]],
      };
      const init = { w: Array.from({ length: 4 }, (_, i) => [0.1 * i, -0.2, 0.05 * i]), b: [0, 0.1, -0.1] };
      // Three steps chained on each backend (a state feeding the next step is not one graph's run,
      // which checkBackends compares): parameters and their averages within 1e-5·(1 + |reference|).
      const expectClose = (got: Tensor, want: Tensor, what: string): void =>
        want.data.forEach((v, i) => expect(Math.abs((got.data[i] as number) - v), `${what} element ${i}: ${got.data[i]}, reference ${v}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
      for (const [oname, optimizer] of Object.entries(optimizers)) {
        const states: gg.TrainState[] = [];
        for (const be of [backend, js()]) {
          const step = await gg.trainStep({ loss, optimizer, backend: be, ema: { decay: 0.9 } });
          let s = await step.init(init);
          for (let i = 0; i < 3; i++) [s] = await step.run(s, batch);
          states.push(s);
        }
        const [got, want] = [states[0], states[1]] as [gg.TrainState, gg.TrainState];
        for (const p of ["w", "b"]) {
          expectClose(got.params[p] as Tensor, want.params[p] as Tensor, `${oname} ${p}`);
          expectClose(got.ema[p] as Tensor, want.ema[p] as Tensor, `${oname} ema ${p}`);
        }
      }
    });
  });
}
