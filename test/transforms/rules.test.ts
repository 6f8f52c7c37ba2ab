import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { OP_NAMES, type OpName } from "../../ir/ops/attrs.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { arb, sizeOf } from "../../src/testing/index.js";
import { convCaseArb } from "../support/conv-cases.js";

/**
 * Every transform rule of every primitive, checked on random shapes and values (float64, JS
 * backend): the JVP against central finite differences, the JVP and VJP against each other
 * (⟨jvp(t), u⟩ = ⟨t, vjp(u)⟩), and the batching rule against the per-example computation
 * (vmap(f)(xs)[i] = f(xs[i]) exactly, with random batch axes and unbatched operands). The case
 * table is keyed by every primitive: a new primitive fails the type check until it has a case.
 */

interface Operand {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly values: readonly number[];
  /** A random key (varied freely per batch element); other int32 operands are indices (kept in range). */
  readonly key?: true;
}

interface Instance {
  readonly operands: readonly Operand[];
  readonly build: (xs: readonly gg.Expr[]) => gg.Expr;
}

interface Case {
  readonly instance: fc.Arbitrary<Instance>;
  /** Check the JVP against finite differences (smooth at the drawn values, float64 operands); default true. */
  readonly fd?: boolean;
  /** Relative tolerance of the dot-product test (default 1e-12: float64 rounding). */
  readonly dotTol?: number;
}

type Coverage = { readonly [K in OpName]: Case | { readonly none: string } };

const f64 = (shape: readonly number[], values: readonly number[]): Operand => ({ shape, dtype: "float64", values });
const valued = (shape: fc.Arbitrary<number[]>, values: (n: number) => fc.Arbitrary<number[]>): fc.Arbitrary<Operand> =>
  shape.chain((s) => values(sizeOf(s)).map((v) => f64(s, v)));

function unary(op: OpName, values: (n: number) => fc.Arbitrary<number[]> = (n) => arb.values(n), fd = true): Case {
  return { fd, instance: valued(arb.shape({ maxRank: 3, maxDim: 3 }), values).map((x) => ({ operands: [x], build: ([a]) => prim(op, [a as gg.Expr], {} as never) })) };
}

function binary(op: OpName, ranges: readonly [(n: number) => fc.Arbitrary<number[]>, (n: number) => fc.Arbitrary<number[]>]): Case {
  return {
    instance: arb.broadcastShapes(2, { maxRank: 3, maxDim: 3 }).chain(([sa, sb]) =>
      fc.tuple(ranges[0](sizeOf(sa as number[])), ranges[1](sizeOf(sb as number[]))).map(([va, vb]) => ({
        operands: [f64(sa as number[], va), f64(sb as number[], vb)],
        build: ([a, b]) => prim(op, [a as gg.Expr, b as gg.Expr], {} as never),
      })),
    ),
  };
}

/** `n` values pairwise 0.15 apart (in [−n/8, n/8]): no ties, none within a differences' step of one. */
const spreadValues = (n: number): fc.Arbitrary<number[]> => arb.values(n, { min: -n / 8, max: n / 8, distinct: 0.15 });

/** Two operands of one shape whose elements are pairwise far apart (no ties: max/min and comparisons are smooth there). */
function apart(op: OpName): Case {
  return {
    instance: arb.shape({ maxRank: 2, maxDim: 3 }).chain((s) =>
      spreadValues(2 * sizeOf(s)).map((v) => ({
        operands: [f64(s, v.slice(0, sizeOf(s))), f64(s, v.slice(sizeOf(s)))],
        build: ([a, b]) => prim(op, [a as gg.Expr, b as gg.Expr], {} as never),
      })),
    ),
  };
}

const any = (shape: fc.Arbitrary<number[]> = arb.shape({ maxRank: 3, maxDim: 3 })): fc.Arbitrary<Operand> => valued(shape, (n) => arb.values(n));

const CASES: Coverage = {
  neg: unary("neg"),
  exp: unary("exp"),
  log: unary("log", (n) => arb.values(n, { min: 0.2, max: 3 })),
  sqrt: unary("sqrt", (n) => arb.values(n, { min: 0.2, max: 3 })),
  abs: unary("abs", (n) => arb.values(n, { min: -2, max: 2, awayFromZero: 0.05 })),
  sign: unary("sign", (n) => arb.values(n, { min: -2, max: 2, awayFromZero: 0.05 })),
  tanh: unary("tanh"),
  floor: unary("floor", (n) => arb.values(n, { min: -3, max: 3, awayFromIntegers: 0.05 })),
  // Its JVP is zero by definition, not the derivative of its (identity) value.
  stopGradient: unary("stopGradient", (n) => arb.values(n), false),
  sin: unary("sin", (n) => arb.values(n, { min: -7, max: 7 })),
  cos: unary("cos", (n) => arb.values(n, { min: -7, max: 7 })),
  erf: unary("erf", (n) => arb.values(n, { min: -3, max: 3 })),
  add: binary("add", [(n) => arb.values(n), (n) => arb.values(n)]),
  sub: binary("sub", [(n) => arb.values(n), (n) => arb.values(n)]),
  mul: binary("mul", [(n) => arb.values(n), (n) => arb.values(n)]),
  div: binary("div", [(n) => arb.values(n), (n) => arb.values(n, { min: -2, max: 2, awayFromZero: 0.3 })]),
  pow: binary("pow", [(n) => arb.values(n, { min: 0.3, max: 2 }), (n) => arb.values(n, { min: -2, max: 2 })]),
  maximum: apart("maximum"),
  minimum: apart("minimum"),
  greater: apart("greater"),
  less: apart("less"),
  equal: apart("equal"),
  where: {
    instance: arb.shape({ maxRank: 2, maxDim: 3 }).chain((s) =>
      fc.tuple(spreadValues(2 * sizeOf(s)), arb.values(sizeOf(s)), arb.values(sizeOf(s))).map(([c, a, b]) => ({
        operands: [f64(s, c.slice(0, sizeOf(s))), f64(s, c.slice(sizeOf(s))), f64(s, a), f64(s, b)],
        build: ([p, q, a1, b1]) => gg.where(gg.greater(p as gg.Expr, q as gg.Expr), a1 as gg.Expr, b1 as gg.Expr),
      })),
    ),
  },
  cast: {
    // float64 -> float32 -> float64: the tangent passes both casts, rounded to float32 on the way
    // (so the dot-product identity holds to float32 rounding).
    fd: false,
    dotTol: 2 ** -22,
    instance: any().map((x) => ({ operands: [x], build: ([a]) => gg.cast(gg.mul(gg.cast(a as gg.Expr, "float32"), 2), "float64") })),
  },
  reduceSum: {
    instance: arb.shape({ maxRank: 3, maxDim: 3 }).chain((s) =>
      fc.tuple(arb.values(sizeOf(s)), fc.subarray([...s.keys()]), fc.boolean()).map(([v, axes, keep]) => ({ operands: [f64(s, v)], build: ([a]) => gg.sum(a as gg.Expr, axes, keep) })),
    ),
  },
  reduceMax: {
    instance: arb.shape({ maxRank: 3, maxDim: 3 }).chain((s) =>
      fc.tuple(spreadValues(sizeOf(s)), fc.subarray([...s.keys()]), fc.boolean()).map(([v, axes, keep]) => ({ operands: [f64(s, v)], build: ([a]) => gg.max(a as gg.Expr, axes, keep) })),
    ),
  },
  matmul: {
    instance: fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), arb.broadcastShapes(2, { maxRank: 2, maxDim: 2 }))
      .chain(([m, k, n, [ba, bb]]) => {
        const sa = [...(ba as number[]), m, k];
        const sb = [...(bb as number[]), k, n];
        return fc.tuple(arb.values(sizeOf(sa)), arb.values(sizeOf(sb))).map(([va, vb]) => ({ operands: [f64(sa, va), f64(sb, vb)], build: ([a, b]) => gg.matmul(a as gg.Expr, b as gg.Expr) }));
      }),
  },
  reshape: {
    instance: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })).chain(([p, q, r]) =>
      arb.values(p * q * r).map((v) => ({ operands: [f64([p, q, r], v)], build: ([a]) => gg.reshape(a as gg.Expr, [q, -1]) })),
    ),
  },
  transpose: {
    instance: arb.shape({ maxRank: 3, maxDim: 3 }).chain((s) =>
      fc.tuple(arb.values(sizeOf(s)), arb.permutation(s.length)).map(([v, perm]) => ({ operands: [f64(s, v)], build: ([a]) => gg.transpose(a as gg.Expr, perm) })),
    ),
  },
  broadcast: {
    instance: arb.broadcastShapes(1, { maxRank: 2, maxDim: 3 }).chain(([s]) =>
      fc.tuple(arb.values(sizeOf(s as number[])), fc.integer({ min: 1, max: 3 })).map(([v, lead]) => ({
        operands: [f64(s as number[], v)],
        build: ([a]) => gg.broadcastTo(a as gg.Expr, [lead, ...(s as number[]).map((d) => (d === 1 ? 2 : d))]),
      })),
    ),
  },
  slice: {
    instance: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 3 }).chain((s) =>
      arb.values(sizeOf(s)).map((v) => ({ operands: [f64(s, v)], build: ([a]) => gg.slice(a as gg.Expr, s.map(() => 1), s.map((d) => d - 1)) })),
    ),
  },
  pad: {
    instance: arb.shape({ maxRank: 3, maxDim: 3 }).chain((s) =>
      arb.values(sizeOf(s)).map((v) => ({ operands: [f64(s, v)], build: ([a]) => gg.pad(a as gg.Expr, s.map((_, i) => [i % 2, 1] as [number, number])) })),
    ),
  },
  concat: {
    instance: fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 })).chain(([s, extra]) => {
      const t = [...s.slice(0, -1), extra];
      return fc.tuple(arb.values(sizeOf(s)), arb.values(sizeOf(t))).map(([va, vb]) => ({ operands: [f64(s, va), f64(t, vb)], build: ([a, b]) => gg.concat([a as gg.Expr, b as gg.Expr], s.length - 1) }));
    }),
  },
  gather: {
    instance: fc.tuple(fc.integer({ min: 1, max: 4 }), arb.shape({ maxRank: 2, maxDim: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 })).chain(([rows, rest, is]) =>
      fc.tuple(arb.values(rows * sizeOf(rest)), fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: sizeOf(is), maxLength: sizeOf(is) })).map(([v, idx]) => ({
        operands: [f64([rows, ...rest], v), { shape: is, dtype: "int32" as DType, values: idx }],
        build: ([p, i]) => gg.gather(p as gg.Expr, i as gg.Expr),
      })),
    ),
  },
  scatterAdd: {
    instance: fc.tuple(fc.integer({ min: 1, max: 4 }), arb.shape({ maxRank: 2, maxDim: 3 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 })).chain(([rows, rest, is]) =>
      fc.tuple(arb.values(sizeOf(is) * sizeOf(rest)), fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: sizeOf(is), maxLength: sizeOf(is) })).map(([v, idx]) => ({
        operands: [f64([...is, ...rest], v), { shape: is, dtype: "int32" as DType, values: idx }],
        build: ([u, i]) => gg.scatterAdd(u as gg.Expr, i as gg.Expr, rows),
      })),
    ),
  },
  checkIndex: {
    // No tangent (int32); batching checks the batched indices, in range here, and passes them on to a gather.
    instance: fc.tuple(fc.integer({ min: 1, max: 4 }), arb.shape({ maxRank: 1, maxDim: 2 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 })).chain(([rows, rest, is]) =>
      fc.tuple(arb.values(rows * sizeOf(rest)), fc.array(fc.integer({ min: 0, max: rows - 1 }), { minLength: sizeOf(is), maxLength: sizeOf(is) })).map(([v, idx]) => ({
        operands: [f64([rows, ...rest], v), { shape: is, dtype: "int32" as DType, values: idx }],
        build: ([p, i]) => prim("gather", [p as gg.Expr, prim("checkIndex", [i as gg.Expr], { size: rows, caller: "test", operand: "indices" })], {}),
      })),
    ),
  },
  random: {
    // No tangent; batching over keys: each batch element's numbers are those of its own key.
    fd: false,
    instance: fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 }), arb.shape({ maxRank: 2, maxDim: 3 })).map(([k0, k1, s]) => ({
      operands: [{ shape: [2], dtype: "int32" as DType, values: [k0, k1], key: true }],
      build: ([k]) => gg.cast(prim("random", [k as gg.Expr], { shape: s, dtype: "int32", dist: "bits" }), "float64"),
    })),
  },
  scan: {
    // A small recurrence with a closed-over weight, a carried pair (one of them only carried along), ys and reverse order.
    instance: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([T, n, reverse]) =>
      fc.tuple(arb.values(n), arb.values(n), arb.values(T * n)).map(([w, h, x]) => ({
        operands: [f64([n], w), f64([n], h), f64([T, n], x)],
        build: ([wv, hv, xv]) => {
          const [[hT, count], ys] = gg.scan(
            ([c, k]: readonly gg.Expr[], xt: gg.Expr) => {
              const next = gg.tanh(gg.add(gg.mul(c as gg.Expr, wv as gg.Expr), xt));
              return [[next, gg.add(k as gg.Expr, gg.sum(xt))], gg.mul(next, c as gg.Expr)] as const;
            },
            [hv as gg.Expr, gg.sum(gg.mul(hv as gg.Expr, 0.5))],
            xv as gg.Expr,
            { reverse },
          );
          return gg.add(gg.sum(ys, 0), gg.mul(hT as gg.Expr, count as gg.Expr));
        },
      })),
    ),
  },
  customVjp: {
    // f(u, v) = u·sin(v) with its exact derivative as the rule: the JVP derived from the rule is f's.
    instance: arb.shape({ maxRank: 2, maxDim: 3 }).chain((s) =>
      fc.tuple(arb.values(sizeOf(s)), arb.values(sizeOf(s))).map(([a, c]) => ({
        operands: [f64(s, a), f64(s, c)],
        build: ([x, y]) =>
          gg.customVjp((u: gg.Expr, v: gg.Expr) => gg.mul(u, gg.sin(v)), {
            vjp: (ct, { args: [u, v] }) => [gg.mul(ct, gg.sin(v)), gg.mul(gg.mul(ct, u), gg.cos(v))],
          })(x as gg.Expr, y as gg.Expr),
      })),
    ),
  },
  // 1-3 spatial axes, strides, input and kernel dilation, padding (negative: cropping), groups, broadcast batch axes.
  conv: {
    instance: convCaseArb().chain((c) =>
      fc.tuple(arb.values(sizeOf(c.x)), arb.values(sizeOf(c.w))).map(([vx, vw]) => ({
        operands: [f64([...c.x], vx), f64([...c.w], vw)],
        build: ([x, w]) => prim("conv", [x as gg.Expr, w as gg.Expr], c.attrs),
      })),
    ),
  },
  reverse: {
    instance: arb.shape({ maxRank: 3, maxDim: 3 }).chain((s) =>
      fc.tuple(arb.values(sizeOf(s)), fc.subarray([...s.keys()])).map(([v, axes]) => ({ operands: [f64(s, v)], build: ([a]) => gg.reverse(a as gg.Expr, axes) })),
    ),
  },
  input: { none: "no operands (a leaf: never batched, no tangent rule is called)" },
  fill: { none: "no operands" },
  literal: { none: "no operands" },
  iota: { none: "no operands" },
};

const tensor = (o: Operand): gg.Tensor => gg.tensorFrom(o.dtype === "int32" ? Int32Array.from(o.values) : Float64Array.from(o.values), o.dtype, o.shape);
const inputs = (ops: readonly Operand[], prefix = "x"): gg.Expr[] => ops.map((o, i) => gg.input(`${prefix}${i}`, o.shape, o.dtype));
const feeds = (ops: readonly Operand[], prefix = "x"): Record<string, gg.Tensor> => Object.fromEntries(ops.map((o, i) => [`${prefix}${i}`, tensor(o)]));
/** Compiles and runs, feeding only the inputs the optimized graph still has. */
async function run(outputs: Readonly<Record<string, gg.Expr>>, all: Readonly<Record<string, gg.Tensor>>): Promise<Record<string, gg.Tensor>> {
  const exe = await gg.compile({ outputs });
  const names = new Set(exe.graph.nodes.flatMap((n) => (n.op === "input" ? [n.attrs.name] : [])));
  return exe.run(Object.fromEntries(Object.entries(all).filter(([k]) => names.has(k))));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((acc, v, i) => acc + v * (b[i] as number), 0);

/** Deterministic directions in [-1, 1] (a tangent or a cotangent). */
const direction = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(1.3 + 2.1 * i + 0.7 * seed));

async function checkJvp(inst: Instance, fd: boolean, dotTol: number): Promise<void> {
  const xs = inputs(inst.operands);
  const y = inst.build(xs);
  if (y.dtype !== "float64") return;
  const diff = inst.operands.map((o, i) => ({ o, i })).filter(({ o }) => o.dtype === "float64");
  if (diff.length === 0) return;
  const ts = diff.map(({ o, i }) => gg.input(`t${i}`, o.shape, "float64"));
  const jt = gg.jvp(y, diff.map(({ i }) => xs[i] as gg.Expr), ts);
  const u = gg.input("u", y.shape, "float64");
  const vj = gg.grad(gg.sum(gg.mul(y, u)), diff.map(({ i }) => xs[i] as gg.Expr));
  const tv = diff.map(({ o }, k) => direction(sizeOf(o.shape), k + 1));
  const uv = direction(sizeOf(y.shape as number[]), 7);
  const baseFeeds = { ...feeds(inst.operands), ...Object.fromEntries(diff.map(({ o, i }, k) => [`t${i}`, gg.tensorFrom(Float64Array.from(tv[k] as number[]), "float64", o.shape)])), u: gg.tensorFrom(Float64Array.from(uv), "float64", y.shape as number[]) };
  const outs: Record<string, gg.Expr> = { jt, ...Object.fromEntries(vj.map((g, k) => [`g${k}`, g])) };
  const r = await run(outs, baseFeeds);
  const jtv = (r["jt"] as gg.Tensor).data;
  // ⟨jvp(t), u⟩ = ⟨t, vjp(u)⟩
  const lhs = dot(jtv, uv);
  const rhs = diff.reduce((acc, _d, k) => acc + dot(tv[k] as number[], (r[`g${k}`] as gg.Tensor).data), 0);
  expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(dotTol * Math.max(1, Math.abs(lhs), Math.abs(rhs)));
  if (!fd) return;
  // Finite differences along t, the five-point stencil (8(f(h) − f(−h)) − (f(2h) − f(−2h)))/12h: its
  // truncation error is O(h⁴), so the comparison is limited by rounding (about ε·|y|/h) alone.
  const h = 1e-4;
  const moved = async (step: number): Promise<Float64Array | Float32Array | Int32Array | Uint8Array> => {
    const ops = inst.operands.map((o, i) => {
      const k = diff.findIndex((d) => d.i === i);
      return k < 0 ? o : { ...o, values: o.values.map((v, j) => v + step * h * ((tv[k] as number[])[j] as number)) };
    });
    return ((await run({ y }, feeds(ops)))["y"] as gg.Tensor).data;
  };
  const [p1, m1, p2, m2] = [await moved(1), await moved(-1), await moved(2), await moved(-2)];
  const scale = Math.max(1, ...Array.from(jtv, Math.abs), ...Array.from(p2, Math.abs), ...Array.from(m2, Math.abs));
  Array.from(jtv).forEach((a, j) => {
    const numeric = (8 * ((p1[j] as number) - (m1[j] as number)) - ((p2[j] as number) - (m2[j] as number))) / (12 * h);
    const rel = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), 1e-3 * scale);
    if (!(rel < 1e-7)) throw new Error(`tangent element ${j}: jvp ${a}, finite differences ${numeric}`);
  });
}

/** vmap with a random batch axis per operand (or none), against the per-example computation, exactly. */
async function checkBatch(inst: Instance, choice: { size: number; batched: readonly boolean[]; axisSeed: number }): Promise<void> {
  const { size } = choice;
  const batched = inst.operands.map((_, i) => choice.batched[i] ?? true);
  if (!batched.some(Boolean)) batched[0] = true;
  // Example b of operand i: its values shifted a little (indices and keys: varied within range).
  const example = (o: Operand, b: number): Operand =>
    o.dtype !== "int32"
      ? { ...o, values: o.values.map((v, j) => v + 0.01 * b * Math.cos(j)) }
      : { ...o, values: o.values.map((v, j) => (o.key === true ? v + 17 * b : j % 2 === b % 2 ? v : Math.max(0, v - 1))) };
  const axes = inst.operands.map((o, i) => (batched[i] ? (choice.axisSeed + i) % (o.shape.length + 1) : null));
  const stacked = inst.operands.map((o, i) => {
    const axis = axes[i];
    if (axis === null || axis === undefined) return o;
    const rows = Array.from({ length: size }, (_, b) => example(o, b).values);
    // [size, ...shape] with the batch axis moved to `axis`.
    const front = [size, ...o.shape];
    const shape = [...o.shape.slice(0, axis), size, ...o.shape.slice(axis)];
    const values = new Array<number>(sizeOf(front));
    const inner = sizeOf(o.shape.slice(axis));
    const outer = sizeOf(o.shape.slice(0, axis));
    for (let b = 0; b < size; b++) for (let p = 0; p < outer; p++) for (let q = 0; q < inner; q++) values[p * size * inner + b * inner + q] = (rows[b] as number[])[p * inner + q] as number;
    return { ...o, shape, values };
  });
  const xs = inputs(stacked, "b");
  const vy = gg.vmap((...args: gg.Expr[]) => inst.build(args), { inAxes: axes })(...xs);
  const got = (await run({ vy }, feeds(stacked, "b")))["vy"] as gg.Tensor;
  const y = inst.build(inputs(inst.operands));
  const per = sizeOf(got.shape.slice(1));
  for (let b = 0; b < size; b++) {
    const ops = inst.operands.map((o, i) => (batched[i] ? example(o, b) : o));
    const want = ((await run({ y }, feeds(ops)))["y"] as gg.Tensor).data;
    expect(Array.from(got.data.slice(b * per, (b + 1) * per)), `batch element ${b}`).toEqual(Array.from(want));
  }
}

describe("the transform rules of every primitive", () => {
  it("cover every primitive (the table is keyed by op name)", () => {
    expect(Object.keys(CASES).sort()).toEqual([...OP_NAMES].sort());
  });

  for (const [op, c] of Object.entries(CASES) as [OpName, Case | { none: string }][]) {
    if ("none" in c) continue;
    it(`${op}: JVP vs finite differences and vs the VJP (dot-product test); batching vs per example`, async () => {
      await fc.assert(
        fc.asyncProperty(c.instance, fc.integer({ min: 1, max: 3 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.nat(5), async (inst, size, batched, axisSeed) => {
          await checkJvp(inst, c.fd ?? true, c.dotTol ?? 1e-12);
          await checkBatch(inst, { size, batched, axisSeed });
        }),
        { numRuns: 12 },
      );
    });
  }
});
