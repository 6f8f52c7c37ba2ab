import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Backend } from "../../backends/backend.js";
import { js } from "../../backends/js/index.js";
import { allocate, type DType } from "../../ir/dtype.js";
import { graphOf } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { BINARY_OPS, COMPARE_OPS, UNARY as UNARY_DEFS, UNARY_OPS } from "../../ir/ops/elementwise.js";
import { broadcastShapesArb, sizeOf } from "../support/arbitraries.js";
import { listGraph, randomGraphArb } from "../support/random-graph.js";
import { type ConvCase, convCaseArb } from "../support/conv-cases.js";

/**
 * The conformance suite every compiled backend passes: its results against the JS reference
 * (the semantics) on random graphs, on every primitive, and on a train step of every optimizer.
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

/** The spacing of float32 values at |w| (2⁻¹⁴⁹ among subnormals). */
const ulpOf = (w: number): number => (Math.abs(w) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(w))) - 23));

export const sameValue = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

function expectExact(got: Tensor, want: Tensor, what: string): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect([...got.shape], what).toEqual([...want.shape]);
  for (let i = 0; i < want.size; i++) {
    if (!sameValue(got.data[i] as number, want.data[i] as number)) {
      throw new Error(`${what}: element ${i} is ${got.data[i]}, the JS reference gives ${want.data[i]}`);
    }
  }
}

function expectClose(got: Tensor, want: Tensor, bound: (i: number) => number, what: string): void {
  expect([...got.shape], what).toEqual([...want.shape]);
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    if (!(Math.abs(g - w) <= bound(i)) && !sameValue(g, w)) throw new Error(`${what}: element ${i} is ${g}, reference ${w}, bound ${bound(i)}`);
  }
}

async function runBoth(backend: Backend, outputs: Record<string, gg.Expr>, feeds: Record<string, Tensor>): Promise<[Record<string, Tensor>, Record<string, Tensor>]> {
  const nodes = Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node]));
  const graph = graphOf(nodes);
  const f = new Map(Object.entries(feeds));
  const got = await (await backend.compile(graph)).run(f);
  const want = await (await js().compile(graph)).run(f);
  return [got, want];
}

const f32Values = (n: number, lo = -3, hi = 3, flush = false): fc.Arbitrary<number[]> =>
  fc
    .array(fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
    .map((vs) => (flush ? vs.map((v) => (Math.abs(v) < 2 ** -60 ? 0 : v)) : vs));

/** A tensor of any values: stored as a typed-array store converts them (int32 wraps, bool is "non-zero"), to reach every bit pattern. */
const t32 = (shape: readonly number[], values: readonly number[], dtype: DType = "float32"): Tensor => {
  const data = allocate(dtype, values.length);
  data.set(dtype === "bool" ? values.map((v) => (v !== 0 ? 1 : 0)) : values);
  return new Tensor(dtype, shape, data);
};

const UNARY = UNARY_OPS;
const BINARY = BINARY_OPS;
const COMPARE = COMPARE_OPS;

export function conformanceSuite(name: string, makeBackend: () => Backend, o: ConformanceOptions): void {
  describe(`${name} backend conformance (against the JS reference)`, () => {
    const backend = makeBackend();
    const acc = o.float32;
    const values = (n: number): fc.Arbitrary<number[]> => f32Values(n, -3, 3, acc?.flushesSubnormals === true);
    /** Exact, or within the backend's stated bound for float32 `op`. */
    const expectOp = (got: Tensor, want: Tensor, op: string, what: string): void => {
      if (acc === undefined || want.dtype !== "float32") return expectExact(got, want, what);
      expect(got.dtype, what).toBe(want.dtype);
      const ulps = acc.ulps[op] ?? 0;
      const flush = acc.flushesSubnormals ? 2 ** -126 : 0;
      expectClose(got, want, (i) => ulps * ulpOf(want.data[i] as number) + flush, what);
    };
    /** A float32 sum of n terms (each within `termUlps` of the reference's): the stated bound, given Σ|term|; else exact. */
    const expectSum = (got: Tensor, want: Tensor, absSum: Tensor, n: number, what: string, termUlps = 0): void => {
      if (acc === undefined || want.dtype !== "float32") return expectExact(got, want, what);
      const flush = acc.flushesSubnormals ? n * 2 ** -126 : 0;
      expectClose(got, want, (i) => (acc.sumUnits(n) * 2 ** -24 + termUlps * 2 ** -23) * (absSum.data[i] as number) + flush, what);
    };

    if (o.float64) {
      it("random float64 graphs give exactly the reference's values", async () => {
        await fc.assert(
          fc.asyncProperty(randomGraphArb(), async (c) => {
            const got = await (await backend.compile(c.graph)).run(c.feeds);
            const want = await (await js().compile(c.graph)).run(c.feeds);
            for (const k of Object.keys(want)) {
              try {
                expectClose(got[k] as Tensor, want[k] as Tensor, () => 0, k);
              } catch (e) {
                throw new Error(`${String(e)}\n${listGraph(c.graph)}`);
              }
            }
          }),
          { numRuns: o.runs * 2 },
        );
      });
    }

    it("every unary primitive on float32 (with NaN, ±Inf, ±0) is exact (or within the stated float32 bound)", async () => {
      const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -2.5, 0.5, 3.75, 100];
      for (const op of UNARY) {
        const x = gg.input("x", [specials.length + 7]);
        const vals = [...specials, 0.1, 1.5, -1.5, 2.2, -7.9, 12.3, 0.0001];
        const [got, want] = await runBoth(backend, { y: prim(op, [x], {}) }, { x: t32([vals.length], vals) });
        expectOp(got["y"] as Tensor, want["y"] as Tensor, op, op);
      }
    });

    it("every unary primitive on int32 and bool (where it accepts them), over SIMD-length vectors, is exact", async () => {
      const ints = [0, 1, -1, 2, -3, 7, -8, 100, -1000, 2147483647, -2147483648, 5, 6, -6, 13, 21, -34];
      for (const op of UNARY_OPS) {
        const dtypes: DType[] = UNARY_DEFS[op].accepts === "float" ? [] : UNARY_DEFS[op].accepts === "any" ? ["int32", "bool"] : ["int32"];
        for (const dtype of dtypes) {
          const vals = dtype === "bool" ? ints.map((v) => (v > 0 ? 1 : 0)) : ints;
          const x = gg.input("x", [vals.length], dtype);
          const [got, want] = await runBoth(backend, { y: prim(op, [x], {}) }, { x: t32([vals.length], vals, dtype) });
          expectExact(got["y"] as Tensor, want["y"] as Tensor, `${op} ${dtype}`);
        }
      }
    });

    it("every binary and compare primitive with broadcasting, float32 and int32, is exact (or within the stated float32 bound)", async () => {
      await fc.assert(
        fc.asyncProperty(
          broadcastShapesArb(2, 3, 6).chain(([a, b]) => fc.tuple(fc.constant(a as number[]), fc.constant(b as number[]), values(sizeOf(a as number[])), values(sizeOf(b as number[])))),
          async ([sa, sb, va, vb]) => {
            for (const dtype of ["float32", "int32"] as const) {
              const a = gg.input("a", sa, dtype);
              const b = gg.input("b", sb, dtype);
              const outs: Record<string, gg.Expr> = {};
              for (const op of [...BINARY, ...COMPARE]) if (!(op === "pow" && dtype === "int32")) outs[op] = prim(op, [a, b], {});
              outs["where"] = prim("where", [prim("greater", [a, b], {}), a, b], {});
              const ints = (v: number[]): number[] => v.map((x) => Math.round(x * 5));
              const fa = dtype === "int32" ? ints(va) : va;
              const fb = dtype === "int32" ? ints(vb) : vb;
              const [got, want] = await runBoth(backend, outs, { a: t32(sa, fa, dtype), b: t32(sb, fb, dtype) });
              for (const k of Object.keys(outs)) expectOp(got[k] as Tensor, want[k] as Tensor, k, `${k} ${dtype}`);
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
        const [got, want] = await runBoth(backend, outs, { x: t32([vals.length], vals, from) });
        for (const to of dtypes) expectExact(got[to] as Tensor, want[to] as Tensor, `cast ${from} -> ${to}`);
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
            const [got, want] = await runBoth(backend, outs, { x: t32(shape, vals) });
            const n = axes.reduce((a, i) => a * (shape[i] as number), 1);
            expectSum(got["s"] as Tensor, want["s"] as Tensor, want["abs"] as Tensor, n, "s", acc?.ulps["exp"] ?? 0);
            for (const k of ["m", "si"]) expectExact(got[k] as Tensor, want[k] as Tensor, k);
          },
        ),
        { numRuns: o.runs },
      );
    });

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
            const k = sa[2] as number;
            const [got, want] = await runBoth(backend, { c: gg.matmul(a, b), ab: gg.matmul(gg.abs(a), gg.abs(b)) }, { a: t32(sa, va), b: t32(sb, vb) });
            const mag = want["ab"] as Tensor;
            expectClose(got["c"] as Tensor, want["c"] as Tensor, (i) => 4 * k * 2 ** -24 * (mag.data[i] as number) + 1e-30, "matmul");
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
            const [got, want] = await runBoth(backend, outs, {
              at: t32([2, k, m], va),
              bt: t32([n, k], vb.slice(0, n * k)),
              a2: t32([2, m, k], va),
              b2: t32([2, k, n], vb),
            });
            // |a|, |b| <= 3, so Σ|a||b| <= 9k.
            const bound = (): number => 4 * k * 2 ** -24 * 9 * k;
            for (const name of ["tt", "tn", "nt"]) expectClose(got[name] as Tensor, want[name] as Tensor, bound, name);
          },
        ),
        { numRuns: o.runs },
      );
    });

    /**
     * conv(x, w) and its gradients with respect to x and w (convolutions of reversed and transposed
     * views): float32 within the matmul's bound, 4·k·2⁻²⁴·Σ|x||w| (k: the longest reduction, at most
     * the largest operand's size; Σ|x||w| from the same graph on |x|, |w|, |dy|); float64 and int32 exact.
     */
    const checkConv = async (c: ConvCase, dtype: DType, vx: readonly number[], vw: readonly number[], what: string): Promise<void> => {
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
      const vdy = Array.from({ length: sizeOf(y.shape as number[]) }, (_, i) => Math.cos(i * 0.7) * 2);
      const feeds = { x: t32(c.x, vx, dtype), w: t32(c.w, vw, dtype), ...(float ? { dy: t32(y.shape as number[], vdy, dtype) } : {}) };
      const [got, want] = await runBoth(backend, outs, feeds);
      if (dtype !== "float32") {
        for (const k of Object.keys(outs)) expectExact(got[k] as Tensor, want[k] as Tensor, `${what} ${k}`);
        return;
      }
      const abs = (v: readonly number[]): number[] => v.map(Math.abs);
      const [, mag] = await runBoth(js(), outs, { x: t32(c.x, abs(vx)), w: t32(c.w, abs(vw)), dy: t32(y.shape as number[], abs(vdy)) });
      const k = Math.max(sizeOf(c.x), sizeOf(c.w), sizeOf(y.shape as number[]));
      const flush = acc?.flushesSubnormals === true ? k * 2 ** -126 : 0;
      for (const name of Object.keys(outs)) {
        const m = mag[name] as Tensor;
        expectClose(got[name] as Tensor, want[name] as Tensor, (i) => 4 * k * 2 ** -24 * (m.data[i] as number) + flush + 1e-30, `${what} ${name}`);
      }
    };

    it("conv and its gradients (1-3 spatial axes, strides, dilations, padding, groups, broadcast batch axes) are within the stated bound (float64, int32: exact)", async () => {
      const dtypes: DType[] = ["float32", "int32", ...(o.float64 ? (["float64"] as const) : [])];
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(fc.constantFrom(...dtypes), convCaseArb({ maxChannels: 3 })).chain(([d, c]) =>
            fc.tuple(fc.constant(d), fc.constant(c), d === "int32" ? fc.array(fc.integer({ min: -9, max: 9 }), { minLength: sizeOf(c.x), maxLength: sizeOf(c.x) }) : values(sizeOf(c.x)), d === "int32" ? fc.array(fc.integer({ min: -9, max: 9 }), { minLength: sizeOf(c.w), maxLength: sizeOf(c.w) }) : values(sizeOf(c.w))),
          ),
          async ([d, c, vx, vw]) => checkConv(c, d, vx, vw, `conv ${d} ${JSON.stringify(c)}`),
        ),
        { numRuns: o.runs * 3 },
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
      ];
      for (const c of cases) await checkConv(c, "float32", sin(sizeOf(c.x), 0.37), sin(sizeOf(c.w), 0.11), `conv ${JSON.stringify(c)}`);
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
        am: gg.argmax(x, 1),
        mx: gg.sum(gg.transpose(x), 1),
        saAbs: prim("scatterAdd", [prim("gather", [gg.abs(x), idx], {}), idx], { size: 3 }),
        mxAbs: gg.sum(gg.transpose(gg.abs(x)), 1),
      };
      const vals = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 3);
      const [got, want] = await runBoth(backend, outs, { x: t32([3, 4], vals), i: t32([5], [2, 0, -3, 7, 2], "int32") });
      for (const k of ["t", "s", "b", "r", "c", "g", "io", "oh", "am"]) expectExact(got[k] as Tensor, want[k] as Tensor, k);
      expectOp(got["p"] as Tensor, want["p"] as Tensor, "exp", "p");
      // scatterAdd adds up to 3 rows into one (clamped indices); mx sums 3 terms.
      expectSum(got["sa"] as Tensor, want["sa"] as Tensor, want["saAbs"] as Tensor, 3, "sa");
      expectSum(got["mx"] as Tensor, want["mx"] as Tensor, want["mxAbs"] as Tensor, 3, "mx");
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
      const exe = await backend.compile(graph);
      const reference = await js().compile(graph);
      const feeds = (tableRows: number, idx: number[], lab: number[]): Map<string, Tensor> =>
        new Map([
          ["table", t32([tableRows, 2], Array.from({ length: tableRows * 2 }, (_, i) => i / 4))],
          ["ids", t32([2, 2], idx, "int32")],
          ["logits", t32([2, 3], [0.5, -1, 2, 1, 0, -0.5])],
          ["labels", t32([2], lab, "int32")],
          ["w", t32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8])],
        ]);
      const cases: [number, number[], number[], string][] = [
        [4, [0, 1, 4, 2], [0, 2], "gather: indices[1,0] = 4 is not in [0, 4)"],
        [4, [0, -1, 3, 2], [0, 2], "gather: indices[0,1] = -1 is not in [0, 4)"],
        [3, [0, 1, 3, 2], [0, 2], "gather: indices[1,0] = 3 is not in [0, 3)"], // a symbolic bound, bound to 3
        [4, [0, 1, 3, 2], [3, 2], "losses.sparseSoftmaxCrossEntropyWithLogits: labels[0] = 3 is not in [0, 3)"],
        [4, [0, 1, 3, 2], [0, -2147483648], "losses.sparseSoftmaxCrossEntropyWithLogits: labels[1] = -2147483648 is not in [0, 3)"],
      ];
      for (const [rows, idx, lab, message] of cases) {
        const f = feeds(rows, idx, lab);
        await expect(reference.run(f), "reference").rejects.toThrow(message);
        await expect(exe.run(f), backend.name).rejects.toThrow(message);
      }
      // A failed run leaves nothing behind: the same executable then computes what the reference does.
      const good = feeds(4, [0, 1, 3, 2], [0, 2]);
      const [got, want] = [await exe.run(good), await reference.run(good)];
      const [l, lw] = [(got["loss"] as Tensor).item(), (want["loss"] as Tensor).item()];
      expect(Math.abs(l - lw), `loss ${l} vs ${lw}`).toBeLessThan(1e-5 * Math.abs(lw));
      expectExact(got["w"] as Tensor, want["w"] as Tensor, "w");
      // Both checks failing: the one that runs first (the reference's order) is reported.
      const both = feeds(4, [9, 1, 3, 2], [5, 2]);
      const first = await reference.run(both).then(() => "", (e: unknown) => (e as Error).message);
      await expect(exe.run(both)).rejects.toThrow(first);
    });

    it("index checks inside a scan's body fail the run at the first step with a bad index, then good feeds run", async () => {
      const table = gg.input("table", [4, 2]);
      const steps = gg.input("steps", [3, 2], "int32");
      const [total] = gg.scan((h: gg.Expr, ids: gg.Expr) => [gg.add(h, gg.sum(gg.gather(table, ids), 0)), h] as const, gg.zeros([2]), steps);
      const graph = graphOf({ total: (total as gg.Expr).node });
      const [exe, reference] = [await backend.compile(graph), await js().compile(graph)];
      const feeds = (ids: number[]): Map<string, Tensor> => new Map([["table", t32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8])], ["steps", t32([3, 2], ids, "int32")]]);
      for (const [ids, message] of [
        [[0, 1, 2, -1, 3, 9], "gather: indices[1] = -1 is not in [0, 4)"], // step 1 fails before step 2
        [[0, 1, 2, 3, 4, 0], "gather: indices[0] = 4 is not in [0, 4)"],
      ] as const) {
        await expect(reference.run(feeds([...ids])), "reference").rejects.toThrow(message);
        await expect(exe.run(feeds([...ids])), backend.name).rejects.toThrow(message);
      }
      const good = feeds([0, 1, 2, 3, 3, 0]);
      expectExact((await exe.run(good))["total"] as Tensor, (await reference.run(good))["total"] as Tensor, "total");
    });

    it("random numbers are bit-identical (uniform, normal, bits, split keys; float32-only normals: within the stated bound)", async () => {
      const key = gg.random.key(1234);
      const [k1, k2] = gg.random.split(key) as [gg.Expr, gg.Expr];
      const outs = { u: gg.random.uniform(k1, [37]), n: gg.random.normal(k2, [5, 7]), s: gg.concat(gg.random.split(key, 3)) };
      const [got, want] = await runBoth(backend, outs, {});
      for (const k of ["u", "s"]) expectExact(got[k] as Tensor, want[k] as Tensor, k);
      expectOp(got["n"] as Tensor, want["n"] as Tensor, "normal", "n");
    });

    it("bool inputs and outputs, and a symbolic batch run at two sizes from one executable", async () => {
      const x = gg.input("x", [null, 3]);
      const m = gg.input("m", [null, 3], "bool");
      const outs = { y: gg.where(m, gg.tanh(x), gg.mul(x, 2)), g: gg.greater(x, 0.5), s: gg.sum(x, 0), abs: gg.sum(gg.abs(x), 0) };
      const graph = graphOf(Object.fromEntries(Object.entries(outs).map(([k, e]) => [k, e.node])));
      const exe = await backend.compile(graph);
      const ref = await js().compile(graph);
      for (const n of [1, 4, 2]) {
        const vals = Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 1.3 + n));
        const feeds = new Map([
          ["x", t32([n, 3], vals)],
          ["m", t32([n, 3], vals.map((v) => (v > 0 ? 1 : 0)), "bool")],
        ]);
        const got = await exe.run(feeds);
        const want = await ref.run(feeds);
        expectOp(got["y"] as Tensor, want["y"] as Tensor, "tanh", `y batch ${n}`);
        expectExact(got["g"] as Tensor, want["g"] as Tensor, `g batch ${n}`);
        expectSum(got["s"] as Tensor, want["s"] as Tensor, want["abs"] as Tensor, n, `s batch ${n}`);
      }
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
          expectClose(got.params[p] as Tensor, want.params[p] as Tensor, (i) => 1e-5 * (1 + Math.abs((want.params[p] as Tensor).data[i] as number)), `${oname} ${p}`);
          expectClose(got.ema[p] as Tensor, want.ema[p] as Tensor, (i) => 1e-5 * (1 + Math.abs((want.ema[p] as Tensor).data[i] as number)), `${oname} ema ${p}`);
        }
      }
    });
  });
}
