import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OP_NAMES, type OpName } from "../../ir/ops/attrs.js";
import { erf } from "../../ir/ops/erf.js";
import { exp32, tanh32 } from "../../ir/ops/float32-math.js";
import { BINARY, BINARY_OPS, COMPARE_OPS, type BinaryOp, type CompareOp, UNARY, type UnaryOp, UNARY_OPS } from "../../ir/ops/elementwise.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { arb, sizeOf } from "../../src/testing/index.js";
import { broadcastCaseArb, concatCaseArb, indexCaseArb, padCaseArb, reshapeCaseArb } from "../support/layout-cases.js";
import * as naive from "./naive.js";
import { convCaseArb } from "../support/conv-cases.js";

/**
 * Forward values of every primitive on the JS reference backend against the naive nested-loop
 * implementations in `naive.ts`, on random shapes (broadcasting included) and values (NaN, ±∞, ±0
 * and int32 extremes included). Elementwise, layout and indexing results must be identical
 * (Object.is: NaN matches NaN, -0 does not match +0); sums are compared within the error bound of
 * float64 summation. The graphs run with no compiler passes, so only the backend is measured.
 * (`random` is checked against Threefry in test/ir/random.test.ts.)
 */

type DType = gg.DType;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const U64 = 2 ** -53; // unit roundoff of float64
const U32 = 2 ** -24; // unit roundoff of float32

// ---- values -------------------------------------------------------------------------------------

const int32Arb = fc.oneof(
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.integer({ min: -8, max: 8 }),
  fc.constantFrom(INT32_MIN, INT32_MAX, INT32_MIN + 1, INT32_MAX - 1, -1, 0, 1),
);
const specialArb = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0);

/**
 * Values for dtype d. "any": every double (NaN, ±∞, ±0, subnormals, huge); float32 values are
 * rounded when the tensor is made. "moderate": |v| <= 1e3 with an occasional special, for sums.
 */
function valueArb(d: DType, range: "any" | "moderate"): fc.Arbitrary<number> {
  switch (d) {
    case "bool":
      return fc.constantFrom(0, 1);
    case "int32":
      return int32Arb;
    case "float32":
    case "float64":
      if (range === "moderate") {
        return fc.oneof({ weight: 12, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) }, { weight: 1, arbitrary: specialArb });
      }
      return d === "float32" ? fc.oneof(fc.float(), fc.double()) : fc.double();
  }
}

const valuesArb = (d: DType, shape: readonly number[], range: "any" | "moderate" = "any"): fc.Arbitrary<number[]> =>
  fc.array(valueArb(d, range), { minLength: sizeOf(shape), maxLength: sizeOf(shape) });

// ---- operands, running, comparing --------------------------------------------------------------------

interface Operand {
  readonly name: string;
  readonly expr: gg.Expr;
  readonly tensor: gg.Tensor;
  readonly shape: number[];
  /** The values the tensor holds (already in its dtype), as nested arrays for the reference. */
  readonly data: naive.Nested;
}

function operand(name: string, dtype: DType, shape: readonly number[], values: readonly number[]): Operand {
  const tensor = gg.tensorFrom(Float64Array.from(values), dtype, shape);
  return { name, expr: gg.input(name, shape, dtype), tensor, shape: [...shape], data: naive.nest(shape, Array.from(tensor.data as ArrayLike<number>)) };
}

/** Runs `e` on the JS backend with no compiler passes (no folding or rewriting in between). */
async function run(e: gg.Expr, operands: readonly Operand[] = []): Promise<gg.Tensor> {
  return gg.evaluate(e, Object.fromEntries(operands.map((o) => [o.name, o.tensor])), { backend: gg.js(), passes: [] });
}

const dataOf = (t: gg.Tensor): number[] => Array.from(t.data as ArrayLike<number>);

/** Same shape, and every element the same number (Object.is). */
function expectExact(got: gg.Tensor, want: naive.Result, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = dataOf(got);
  expect(g.length, `${what}: element count`).toBe(want.values.length);
  const k = g.findIndex((v, i) => !Object.is(v, want.values[i]));
  expect(k, k < 0 ? what : `${what}: element ${k} is ${g[k]}, the reference gives ${want.values[k]}`).toBe(-1);
}

/**
 * Same shape, and every element within `bounds[i]` of the reference; a non-finite reference (NaN,
 * ±∞, which no summation order changes) must be matched exactly.
 */
function expectWithin(got: gg.Tensor, want: naive.Result, bounds: readonly number[], what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = dataOf(got);
  expect(g.length, `${what}: element count`).toBe(want.values.length);
  g.forEach((v, i) => {
    const w = want.values[i] as number;
    const ok = Number.isFinite(w) ? Math.abs(v - w) <= (bounds[i] as number) : Object.is(v, w);
    expect(ok, `${what}: element ${i} is ${v}, the reference gives ${w} (bound ${bounds[i]})`).toBe(true);
  });
}

/**
 * The largest difference between two float64 sums of `count` terms of total magnitude `magnitude`
 * added in different orders (each is within (count-1)·u·magnitude of the exact sum), plus, for a
 * float32 result, the one rounding on store (half an ulp, relative 2^-24, or 2^-150 below normal).
 */
function sumBound(d: DType, value: number, count: number, magnitude: number): number {
  const f64 = 2 * Math.max(count - 1, 0) * U64 * magnitude;
  return d === "float32" ? f64 + U32 * Math.abs(value) + 2 ** -149 : f64;
}

/** What one scalar function gives in dtype d: computed in float64, stored once. */
const stored =
  (d: DType, f: (...xs: number[]) => number) =>
  (xs: number[]): number =>
    naive.store(d, f(...xs));

// ---- reference scalar semantics -----------------------------------------------------------------------

/** float32 exp and tanh are float32 algorithms of their own (ir/ops/float32-math.ts, tested against Math.exp/Math.tanh there). */
const unaryRef = (op: UnaryOp, d: DType): ((x: number) => number) => (d === "float32" && op === "exp" ? exp32 : d === "float32" && op === "tanh" ? tanh32 : UNARY_REF[op]);

const UNARY_REF: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  tanh: Math.tanh,
  floor: Math.floor,
  stopGradient: (x) => x,
  sin: Math.sin,
  cos: Math.cos,
  // JavaScript has no erf: the kernel must compute graphgrad's float64 erf exactly, whose own
  // accuracy is checked against 1400-bit values in test/ir/erf.test.ts.
  erf,
};

/** Binary ops on floats: IEEE float64 arithmetic; maximum/minimum are IEEE 754-2019 (Math.max/min). */
const FLOAT_BINARY_REF: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
};

/** Binary ops on int32: two's complement, wrapping; division truncates toward zero (x / 0 is 0). */
const INT_BINARY_REF: Readonly<Record<Exclude<BinaryOp, "pow">, (a: number, b: number) => number>> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: Math.imul,
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a / b) | 0),
  maximum: Math.max,
  minimum: Math.min,
};

const COMPARE_REF: Readonly<Record<CompareOp, (a: number, b: number) => boolean>> = {
  greater: (a, b) => a > b,
  less: (a, b) => a < b,
  equal: (a, b) => a === b,
};

/** cast: to bool is "non-zero" (NaN is true); to int32 truncates toward zero, saturates, NaN is 0. */
function castRef(to: DType, x: number): number {
  switch (to) {
    case "bool":
      return x !== 0 ? 1 : 0;
    case "int32": {
      if (Number.isNaN(x)) return 0;
      const t = Math.trunc(x);
      return t > INT32_MAX ? INT32_MAX : t < INT32_MIN ? INT32_MIN : t | 0;
    }
    case "float32":
      return Math.fround(x);
    case "float64":
      return x;
  }
}

const FLOATS = ["float32", "float64"] as const;
const NUMERIC = ["float32", "float64", "int32"] as const;
const ALL = ["bool", "int32", "float32", "float64"] as const;

/** The primitives this file checks; the last test makes sure that is all of them. */
const covered = new Set<OpName>(["random"]); // random: test/ir/random.test.ts

// ---- elementwise ----------------------------------------------------------------------------------------

describe("unary elementwise", () => {
  for (const op of UNARY_OPS) {
    covered.add(op);
    const accepts = UNARY[op].accepts;
    const dtypes = accepts === "float" ? FLOATS : accepts === "any" ? ALL : NUMERIC;
    it(`${op} on ${dtypes.join(", ")}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...dtypes).chain((d) => arb.shape().chain((s) => fc.tuple(fc.constant(d), fc.constant(s), valuesArb(d, s)))),
          async ([d, shape, values]) => {
            const x = operand("x", d, shape, values);
            expectExact(await run(prim(op, [x.expr], {}), [x]), naive.elementwise([x], stored(d, unaryRef(op, d))), `${op} ${d}`);
          },
        ),
        { numRuns: 30 },
      );
    });
  }
});

describe("binary elementwise, with broadcasting", () => {
  for (const op of BINARY_OPS) {
    covered.add(op);
    const dtypes = BINARY[op].accepts === "float" ? FLOATS : NUMERIC;
    it(`${op} on ${dtypes.join(", ")}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...dtypes)
            .chain((d) => arb.broadcastShapes(2).chain(([sa, sb]) => fc.tuple(fc.constant(d), fc.constant([sa, sb] as const), valuesArb(d, sa as number[]), valuesArb(d, sb as number[])))),
          async ([d, [sa, sb], va, vb]) => {
            const a = operand("a", d, sa as number[], va);
            const b = operand("b", d, sb as number[], vb);
            const f = d === "int32" && op !== "pow" ? INT_BINARY_REF[op] : FLOAT_BINARY_REF[op];
            expectExact(await run(prim(op, [a.expr, b.expr], {}), [a, b]), naive.elementwise([a, b], stored(d, f)), `${op} ${d}`);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it("maximum and minimum propagate NaN and order -0 below +0, whatever the operand order", async () => {
    const a = operand("a", "float64", [4], [-0, 0, Number.NaN, 1]);
    const b = operand("b", "float64", [4], [0, -0, 1, Number.NaN]);
    expect(dataOf(await run(gg.maximum(a.expr, b.expr), [a, b]))).toEqual([0, 0, Number.NaN, Number.NaN]);
    const lo = dataOf(await run(gg.minimum(a.expr, b.expr), [a, b]));
    expect(lo.map((v) => Object.is(v, -0))).toEqual([true, true, false, false]);
  });
});

describe("comparisons, with broadcasting", () => {
  for (const op of COMPARE_OPS) {
    covered.add(op);
    const dtypes = op === "equal" ? ALL : NUMERIC;
    it(`${op} on ${dtypes.join(", ")}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...dtypes)
            .chain((d) => arb.broadcastShapes(2).chain(([sa, sb]) => fc.tuple(fc.constant(d), fc.constant([sa, sb] as const), valuesArb(d, sa as number[]), valuesArb(d, sb as number[])))),
          async ([d, [sa, sb], va, vb]) => {
            const a = operand("a", d, sa as number[], va);
            const b = operand("b", d, sb as number[], vb);
            const got = await run(prim(op, [a.expr, b.expr], {}), [a, b]);
            expect(got.dtype).toBe("bool");
            expectExact(got, naive.elementwise([a, b], ([x, y]) => (COMPARE_REF[op](x as number, y as number) ? 1 : 0)), `${op} ${d}`);
          },
        ),
        { numRuns: 30 },
      );
    });
  }
});

describe("where and cast", () => {
  covered.add("where");
  it("where picks per element, all three operands broadcast", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) =>
          arb.broadcastShapes(3).chain(([sc, sa, sb]) =>
            fc.tuple(fc.constant(d), fc.constant([sc, sa, sb] as const), valuesArb("bool", sc as number[]), valuesArb(d, sa as number[]), valuesArb(d, sb as number[])),
          ),
        ),
        async ([d, [sc, sa, sb], vc, va, vb]) => {
          const c = operand("c", "bool", sc as number[], vc);
          const a = operand("a", d, sa as number[], va);
          const b = operand("b", d, sb as number[], vb);
          const want = naive.elementwise([c, a, b], ([k, x, y]) => (k === 1 ? (x as number) : (y as number)));
          expectExact(await run(prim("where", [c.expr, a.expr, b.expr], {}), [c, a, b]), want, `where ${d}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("cast");
  it("cast between every pair of dtypes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(fc.constantFrom(...ALL), fc.constantFrom(...ALL))
          .chain(([from, to]) => arb.shape().chain((s) => fc.tuple(fc.constant(from), fc.constant(to), fc.constant(s), valuesArb(from, s)))),
        async ([from, to, shape, values]) => {
          const x = operand("x", from, shape, values);
          const got = await run(prim("cast", [x.expr], { dtype: to }), [x]);
          expect(got.dtype).toBe(to);
          expectExact(got, naive.elementwise([x], ([v]) => castRef(to, v as number)), `cast ${from} -> ${to}`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("float to int32 truncates toward zero, saturates, and takes NaN to 0; to bool is non-zero", async () => {
    const values = [2.9, -2.9, -0.5, 3e9, -3e9, Infinity, -Infinity, Number.NaN, 2147483647.5, -2147483648.75, -2147483649];
    const x = operand("x", "float64", [values.length], values);
    expect(dataOf(await run(gg.cast(x.expr, "int32"), [x]))).toEqual([2, -2, 0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, 0, INT32_MAX, INT32_MIN, INT32_MIN]);
    const y = operand("y", "float32", [5], [0, -0, 0.25, Number.NaN, -Infinity]);
    expect((await run(gg.cast(y.expr, "bool"), [y])).toArray()).toEqual([false, false, true, true, true]);
  });
});

// ---- reductions and matmul ------------------------------------------------------------------------------

describe("reductions", () => {
  const caseArb = fc.constantFrom(...NUMERIC).chain((d) =>
    arb.shape({ maxRank: 3, maxDim: 4 }).chain((shape) => fc.tuple(fc.constant(d), fc.constant(shape), arb.axes(shape.length), fc.boolean(), valuesArb(d, shape, "moderate"))),
  );

  covered.add("reduceSum");
  it("reduceSum over any axes, keepdims or not (int32 wraps)", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ([d, shape, axes, keepdims, values]) => {
        const x = operand("x", d, shape, values);
        const got = await run(prim("reduceSum", [x.expr], { axes, keepdims }), [x]);
        const what = `reduceSum ${d}${JSON.stringify(shape)} axes ${JSON.stringify(axes)} keepdims ${keepdims}`;
        if (d === "int32") {
          expectExact(got, naive.reduce(x, axes, keepdims, 0, (acc, v) => (acc + v) | 0), what);
        } else {
          const want = naive.reduce(x, axes, keepdims, 0, (acc, v) => acc + v);
          expectWithin(got, want, want.values.map((v, i) => sumBound(d, v, want.counts[i] as number, want.magnitudes[i] as number)), what);
        }
      }),
      { numRuns: 60 },
    );
  });

  covered.add("reduceMax");
  it("reduceMax over any axes, keepdims or not (NaN propagates)", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ([d, shape, axes, keepdims, values]) => {
        const x = operand("x", d, shape, values);
        const got = await run(prim("reduceMax", [x.expr], { axes, keepdims }), [x]);
        const want = naive.reduce(x, axes, keepdims, -Infinity, Math.max);
        expectExact(got, { shape: want.shape, values: want.values.map((v) => naive.store(d, v)) }, `reduceMax ${d}${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`);
      }),
      { numRuns: 60 },
    );
  });

  it("reduceMax of -0 and +0 is +0 in either order", async () => {
    const x = operand("x", "float64", [2, 2], [-0, 0, 0, -0]);
    expect(dataOf(await run(gg.max(x.expr, 1), [x])).map((v) => Object.is(v, 0))).toEqual([true, true]);
  });
});

describe("matmul", () => {
  covered.add("matmul");
  it("batched, with broadcast batch axes (int32 wraps)", async () => {
    const caseArb = fc
      .tuple(fc.constantFrom(...NUMERIC), arb.broadcastShapes(2, { maxRank: 2, maxDim: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([d, [ba, bb], m, k, n]) => {
        const sa = [...(ba as number[]), m, k];
        const sb = [...(bb as number[]), k, n];
        return fc.tuple(fc.constant(d), fc.constant(sa), fc.constant(sb), valuesArb(d, sa, "moderate"), valuesArb(d, sb, "moderate"));
      });
    await fc.assert(
      fc.asyncProperty(caseArb, async ([d, sa, sb, va, vb]) => {
        const a = operand("a", d, sa, va);
        const b = operand("b", d, sb, vb);
        const got = await run(prim("matmul", [a.expr, b.expr], {}), [a, b]);
        const what = `matmul ${d}${JSON.stringify(sa)} x ${JSON.stringify(sb)}`;
        if (d === "int32") {
          expectExact(got, naive.matmul(a, b, (acc, x, y) => (acc + Math.imul(x, y)) | 0), what);
        } else {
          // k products (each rounded in float64) summed: within 2·k·u·Σ|a·b| of each other.
          const want = naive.matmul(a, b, (acc, x, y) => acc + x * y);
          expectWithin(got, want, want.values.map((v, i) => sumBound(d, v, want.k + 1, want.magnitudes[i] as number)), what);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("adds every product: 0·∞ and 0·NaN make NaN", async () => {
    const a = operand("a", "float64", [2, 2], [0, 1, 0, 0]);
    const b = operand("b", "float64", [2, 2], [Infinity, Number.NaN, 2, 3]);
    const got = dataOf(await run(gg.matmul(a.expr, b.expr), [a, b]));
    expect(got.map(Number.isNaN)).toEqual([true, true, true, true]);
  });

  it("int32 products wrap like Math.imul and the sums wrap", async () => {
    const a = operand("a", "int32", [1, 2], [65536, 46341]);
    const b = operand("b", "int32", [2, 1], [65536, 46341]);
    expect(dataOf(await run(gg.matmul(a.expr, b.expr), [a, b]))).toEqual([(Math.imul(65536, 65536) + Math.imul(46341, 46341)) | 0]);
    const big = operand("big", "int32", [1, 1], [(1 << 30) + 1]);
    expect(dataOf(await run(gg.matmul(big.expr, big.expr), [big]))).toEqual([Math.imul((1 << 30) + 1, (1 << 30) + 1)]);
  });
});

describe("convolution", () => {
  covered.add("conv");
  it("conv over 1-3 spatial axes with strides, dilations, padding, groups and broadcast batch axes (int32 wraps)", async () => {
    const caseArb = fc
      .tuple(fc.constantFrom(...NUMERIC), convCaseArb({ maxChannels: 3 }))
      .chain(([d, c]) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, c.x, "moderate"), valuesArb(d, c.w, "moderate")));
    await fc.assert(
      fc.asyncProperty(caseArb, async ([d, c, vx, vw]) => {
        const x = operand("x", d, c.x, vx);
        const w = operand("w", d, c.w, vw);
        const got = await run(prim("conv", [x.expr, w.expr], c.attrs), [x, w]);
        const what = `conv ${d}${JSON.stringify(c.x)} x ${JSON.stringify(c.w)} ${JSON.stringify(c.attrs)}`;
        if (d === "int32") expectExact(got, naive.conv(x, w, c.attrs, (acc, a, b) => (acc + Math.imul(a, b)) | 0), what);
        else {
          const want = naive.conv(x, w, c.attrs, (acc, a, b) => acc + a * b);
          expectWithin(got, want, want.values.map((v, i) => sumBound(d, v, want.terms + 1, want.magnitudes[i] as number)), what);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("adds every product, padding and dilation zeros included: 0·∞ is NaN", async () => {
    const x = operand("x", "float64", [1, 2, 1], [1, 2]);
    const w = operand("w", "float64", [2, 1, 1], [Infinity, 1]);
    // Padding 1 before: the first output reads a padding zero at the ∞ tap; dilation 2 puts a hole between the inputs.
    const got = dataOf(await run(prim("conv", [x.expr, w.expr], { strides: [1], lo: [1], hi: [0], lhsDilation: [2], rhsDilation: [1], groups: 1 }), [x, w]));
    expect(got.map((v) => (Number.isNaN(v) ? "NaN" : v))).toEqual(["NaN", Infinity, "NaN"]); // [0,1,0,2] against [∞,1]
  });

  covered.add("reverse");
  it("reverse along any axes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => arb.shape().chain((s) => fc.tuple(fc.constant(d), fc.constant(s), valuesArb(d, s), arb.axes(s.length)))),
        async ([d, shape, values, axes]) => {
          const x = operand("x", d, shape, values);
          expectExact(await run(gg.reverse(x.expr, axes), [x]), naive.reverse(x, axes), `reverse ${d}${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

// ---- layout ---------------------------------------------------------------------------------------------

describe("layout", () => {
  covered.add("reshape");
  it("reshape keeps the row-major order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => reshapeCaseArb().chain((c) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, c.from)))),
        async ([d, { from, to, expected }, values]) => {
          const x = operand("x", d, from, values);
          const want = { shape: expected, values: naive.indices(from).map((i) => naive.at(x.data, i)) };
          expectExact(await run(gg.reshape(x.expr, to), [x]), want, `reshape ${JSON.stringify(from)} -> ${JSON.stringify(to)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("transpose");
  it("transpose by any permutation", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => arb.shape({ maxRank: 4, maxDim: 3 }).chain((s) => fc.tuple(fc.constant(d), fc.constant(s), arb.permutation(s.length), valuesArb(d, s)))),
        async ([d, shape, perm, values]) => {
          const x = operand("x", d, shape, values);
          expectExact(await run(prim("transpose", [x.expr], { perm }), [x]), naive.transpose(x, perm), `transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("broadcast");
  it("broadcast to any compatible shape", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => broadcastCaseArb().chain((c) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, c.from)))),
        async ([d, { from, to }, values]) => {
          const x = operand("x", d, from, values);
          expectExact(await run(prim("broadcast", [x.expr], { shape: to }), [x]), naive.broadcastTo(x, to), `broadcast ${JSON.stringify(from)} -> ${JSON.stringify(to)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  const sliceArb = arb.shape({ maxRank: 3, maxDim: 4 }).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))))),
    ),
  );

  covered.add("slice");
  it("slice any window (empty ones included)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => sliceArb.chain(([s, w]) => fc.tuple(fc.constant(d), fc.constant(s), fc.constant(w), valuesArb(d, s)))),
        async ([d, shape, window, values]) => {
          const x = operand("x", d, shape, values);
          const begin = window.map(([b]) => b);
          const size = window.map(([, s]) => s);
          expectExact(await run(prim("slice", [x.expr], { begin, size }), [x]), naive.slice(x, begin, size), `slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("pad");
  it("pad with zeros before and after each axis", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => padCaseArb().chain((c) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, c.shape)))),
        async ([d, { shape, paddings }, values]) => {
          const x = operand("x", d, shape, values);
          const lo = paddings.map((p) => p[0]);
          const hi = paddings.map((p) => p[1]);
          expectExact(await run(gg.pad(x.expr, paddings), [x]), naive.pad(x, lo, hi), `pad ${JSON.stringify(shape)} by ${JSON.stringify(paddings)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("concat");
  it("concat along any axis", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => concatCaseArb().chain((c) => fc.tuple(fc.constant(d), fc.constant(c), fc.tuple(...c.shapes.map((s) => valuesArb(d, s)))))),
        async ([d, { shapes, axis }, values]) => {
          const xs = shapes.map((s, i) => operand(`x${i}`, d, s, values[i] as number[]));
          expectExact(await run(prim("concat", xs.map((x) => x.expr), { axis }), xs), naive.concat(xs, axis), `concat ${JSON.stringify(shapes)} on ${axis}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

// ---- indexing -------------------------------------------------------------------------------------------

describe("indexing", () => {
  // The primitives clamp an out-of-range index (what the kernels after a failed check compute);
  // the public builders check first (below).
  const gatherPrim = (p: gg.Expr, i: gg.Expr): gg.Expr => prim("gather", [p, i], {});
  const scatterPrim = (u: gg.Expr, i: gg.Expr, size: number): gg.Expr => prim("scatterAdd", [u, i], { size });

  covered.add("gather");
  it("the gather primitive picks rows; out-of-range indices clamp to the nearest row", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) =>
          indexCaseArb(4, true).chain((c) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, [c.rows, ...c.rowShape]))),
        ),
        async ([d, { rows, rowShape, indexShape, indices }, values]) => {
          const p = operand("p", d, [rows, ...rowShape], values);
          const i = operand("i", "int32", indexShape, indices);
          expectExact(await run(gatherPrim(p.expr, i.expr), [p, i]), naive.gather(p, i), `gather ${d} rows ${rows} at ${JSON.stringify(indices)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("the gather primitive clamps the int32 extremes", async () => {
    const p = operand("p", "float64", [3, 1], [10, 20, 30]);
    const i = operand("i", "int32", [4], [INT32_MIN, -1, 3, INT32_MAX]);
    expect(dataOf(await run(gatherPrim(p.expr, i.expr), [p, i]))).toEqual([10, 10, 30, 30]);
  });

  covered.add("scatterAdd");
  it("the scatterAdd primitive sums the rows sent to the same index (clamped), int32 wrapping", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NUMERIC).chain((d) =>
          indexCaseArb(4, true).chain((c) => fc.tuple(fc.constant(d), fc.constant(c), valuesArb(d, [...c.indexShape, ...c.rowShape], "moderate"))),
        ),
        async ([d, { rows, rowShape, indexShape, indices }, values]) => {
          const u = operand("u", d, [...indexShape, ...rowShape], values);
          const i = operand("i", "int32", indexShape, indices);
          const got = await run(scatterPrim(u.expr, i.expr, rows), [u, i]);
          const what = `scatterAdd ${d} into ${rows} rows at ${JSON.stringify(indices)}`;
          if (d === "int32") expectExact(got, naive.scatterAdd(u, i, rows, (acc, v) => (acc + v) | 0), what);
          else {
            const want = naive.scatterAdd(u, i, rows, (acc, v) => acc + v);
            expectWithin(got, want, want.values.map((v, k) => sumBound(d, v, want.counts[k] as number, want.magnitudes[k] as number)), what);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("scatterAdd: repeated indices add up", async () => {
    const u = operand("u", "float64", [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const i = operand("i", "int32", [4], [1, 1, 0, 1]);
    expect((await run(gg.scatterAdd(u.expr, i.expr, 3), [u, i])).toArray()).toEqual([[5, 6], [1 + 3 + 7, 2 + 4 + 8], [0, 0]]);
  });

  covered.add("checkIndex");
  it("checkIndex passes indices in [0, size) through and fails on the first other, in row-major order", async () => {
    await fc.assert(
      fc.asyncProperty(indexCaseArb(4, true), async ({ rows, indexShape, indices }) => {
        const i = operand("i", "int32", indexShape, indices);
        const bad = indices.findIndex((v) => v < 0 || v >= rows);
        const result = run(prim("checkIndex", [i.expr], { size: rows, caller: "lookup", operand: "ids" }), [i]);
        if (bad < 0) {
          expectExact(await result, naive.tabulate(indexShape, (at) => naive.at(i.data, at)), "checkIndex");
          return;
        }
        const at = indexShape.map((_, k) => Math.floor(bad / sizeOf(indexShape.slice(k + 1))) % (indexShape[k] as number));
        await expect(result).rejects.toThrow(`lookup: ids[${at.join(",")}] = ${indices[bad]} is not in [0, ${rows})`);
      }),
      { numRuns: 40 },
    );
  });

  it("gather, scatterAdd and the sparse losses check their indices: INT32_MIN, -1, size and INT32_MAX fail the run", async () => {
    const p = operand("p", "float64", [3, 1], [10, 20, 30]);
    const logits = operand("logits", "float64", [1, 3], [1, 2, 3]);
    for (const bad of [INT32_MIN, -1, 3, INT32_MAX]) {
      const i = operand("i", "int32", [2], [1, bad]);
      await expect(run(gg.gather(p.expr, i.expr), [p, i])).rejects.toThrow(`gather: indices[1] = ${bad} is not in [0, 3)`);
      await expect(run(gg.scatterAdd(p.expr, gg.slice(gg.concat([i.expr, i.expr]), [1], [3]), 3), [p, i])).rejects.toThrow(`scatterAdd: indices[0] = ${bad} is not in [0, 3)`);
      const y = operand("y", "int32", [1], [bad]);
      await expect(run(gg.losses.sparseSoftmaxCrossEntropyWithLogits(y.expr, logits.expr), [y, logits])).rejects.toThrow(
        `losses.sparseSoftmaxCrossEntropyWithLogits: labels[0] = ${bad} is not in [0, 3)`,
      );
    }
  });
});

// ---- sources --------------------------------------------------------------------------------------------

describe("sources", () => {
  covered.add("iota");
  it("iota holds each element's index along its axis", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NUMERIC).chain((d) =>
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((s) => fc.tuple(fc.constant(d), fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }))),
        ),
        async ([d, shape, axis]) => {
          const got = await run(gg.iota(shape, axis, d));
          expect(got.dtype).toBe(d);
          expectExact(got, naive.tabulate(shape, (idx) => idx[axis] as number), `iota ${d}${JSON.stringify(shape)} axis ${axis}`);
        },
      ),
      { numRuns: 30 },
    );
  });

  covered.add("fill");
  it("fill holds its value, stored in its dtype", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => fc.tuple(fc.constant(d), arb.shape(), valueArb(d, "any"))),
        async ([d, shape, value]) => {
          expectExact(await run(gg.fill(shape, value, d)), naive.tabulate(shape, () => naive.store(d, value)), `fill ${d}${JSON.stringify(shape)} ${value}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("literal");
  it("literal holds its values, stored in its dtype", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => arb.shape().chain((s) => fc.tuple(fc.constant(d), fc.constant(s), valuesArb(d, s)))),
        async ([d, shape, values]) => {
          const got = await run(prim("literal", [], { shape, dtype: d, values }));
          expectExact(got, { shape, values: values.map((v) => naive.store(d, v)) }, `literal ${d}${JSON.stringify(shape)}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  covered.add("scan");
  it("scan runs its body once per step in order (or backwards), threading the carry, stacking the ys and the carries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 12, maxLength: 12 }), async (T, reverse, v) => {
        const a = v[0] as number;
        const xsv = v.slice(1, 1 + T);
        const xs = gg.input("xs", [T], "float64");
        const [hT, ys] = gg.scan((h: gg.Expr, x: gg.Expr) => [gg.add(gg.mul(h, a), x), gg.mul(h, x)] as const, gg.scalar(1, "float64"), xs, { reverse });
        const got = await gg.evaluate({ hT, ys }, { xs: Float64Array.from(xsv) });
        // The same recurrence in plain JS.
        let h = 1;
        const want = new Array<number>(T).fill(0);
        for (let s = 0; s < T; s++) {
          const t = reverse ? T - 1 - s : s;
          want[t] = h * (xsv[t] as number);
          h = h * a + (xsv[t] as number);
        }
        expect((got.hT as gg.Tensor).item()).toBe(h);
        expect(Array.from((got.ys as gg.Tensor).data)).toEqual(want);
      }),
      { numRuns: 30 },
    );
  });

  covered.add("customVjp");
  it("customVjp computes its function (its rule only matters to grad), one call for all its outputs", async () => {
    const x = gg.input("x", [3], "float64");
    const [a, b] = gg.customVjp((v: gg.Expr) => [gg.mul(v, 2), gg.sin(v)] as const, { vjp: ([ca]) => [ca] })(x);
    const got = await gg.evaluate({ a, b }, { x: [0.5, -1, 2] }, { passes: [] });
    expect(Array.from((got.a as gg.Tensor).data)).toEqual([1, -2, 4]);
    expect(Array.from((got.b as gg.Tensor).data)).toEqual([0.5, -1, 2].map(Math.sin));
  });

  covered.add("input");
  it("input passes its feed through", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL).chain((d) => arb.shape().chain((s) => fc.tuple(fc.constant(d), fc.constant(s), valuesArb(d, s)))),
        async ([d, shape, values]) => {
          const x = operand("x", d, shape, values);
          expectExact(await run(x.expr, [x]), { shape, values: dataOf(x.tensor) }, `input ${d}`);
        },
      ),
      { numRuns: 20 },
    );
  });
});

// ---- dtype semantics ------------------------------------------------------------------------------------

describe("dtype behaviour", () => {
  const f32 = fc.float({ noDefaultInfinity: false });
  const f32Pair = fc.tuple(f32, f32);

  it("float32 +, -, *, / and sqrt give Math.fround of the float64 result (one rounding)", async () => {
    const a = gg.input("a", [], "float32");
    const b = gg.input("b", [], "float32");
    const exe = await gg.compile(
      { outputs: { add: gg.add(a, b), sub: gg.sub(a, b), mul: gg.mul(a, b), div: gg.div(a, b), sqrt: gg.sqrt(a) } },
      { backend: gg.js(), passes: [] },
    );
    await fc.assert(
      fc.asyncProperty(f32Pair, async ([x, y]) => {
        const out = await exe.run({ a: gg.tensorFrom(x, "float32"), b: gg.tensorFrom(y, "float32") });
        const want = { add: x + y, sub: x - y, mul: x * y, div: x / y, sqrt: Math.sqrt(x) };
        for (const k of Object.keys(want) as (keyof typeof want)[]) expect(Object.is(out[k].item(), Math.fround(want[k])), `${k}(${x}, ${y})`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("float64 is not rounded to float32", async () => {
    const a = operand("a", "float64", [], [0.1]);
    const b = operand("b", "float64", [], [0.2]);
    const sum = (await run(gg.add(a.expr, b.expr), [a, b])).item();
    expect(sum).toBe(0.1 + 0.2);
    expect(sum).not.toBe(Math.fround(0.1 + 0.2));
  });

  it("int32 add and mul wrap (Math.imul); division truncates toward zero", async () => {
    const a = gg.input("a", [], "int32");
    const b = gg.input("b", [], "int32");
    const exe = await gg.compile({ outputs: { add: gg.add(a, b), mul: gg.mul(a, b), div: gg.div(a, b) } }, { backend: gg.js(), passes: [] });
    const at = async (x: number, y: number): Promise<Record<string, number>> => {
      const out = await exe.run({ a: gg.tensorFrom(x, "int32"), b: gg.tensorFrom(y, "int32") });
      return { add: out["add"]?.item() as number, mul: out["mul"]?.item() as number, div: out["div"]?.item() as number };
    };
    expect((await at(INT32_MAX, 1)).add).toBe(INT32_MIN);
    expect((await at(65536, 65536)).mul).toBe(0);
    expect((await at(46341, 46341)).mul).toBe(46341 * 46341 - 2 ** 32);
    expect((await at(-7, 2)).div).toBe(-3);
    expect((await at(7, -2)).div).toBe(-3);
    expect((await at(-7, -2)).div).toBe(3);
    expect((await at(INT32_MIN, -1)).div).toBe(INT32_MIN);
    await fc.assert(
      fc.asyncProperty(int32Arb, int32Arb, async (x, y) => {
        const got = await at(x, y);
        // Exact integer arithmetic, then reduced modulo 2^32 into [-2^31, 2^31).
        const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));
        expect(got.add).toBe(wrap(BigInt(x) + BigInt(y)));
        expect(got.mul).toBe(wrap(BigInt(x) * BigInt(y)));
        if (y !== 0) expect(got.div).toBe(wrap(BigInt(x) / BigInt(y))); // BigInt division truncates
      }),
      { numRuns: 200 },
    );
  });
});

// ---- edge shapes and coverage ---------------------------------------------------------------------------

describe("zero-size tensors", () => {
  it("elementwise, reductions, matmul and concat handle empty axes", async () => {
    const e = operand("e", "float64", [0, 3], []);
    const r = operand("r", "float64", [3], [1, 2, 3]);
    expectExact(await run(gg.add(e.expr, r.expr), [e, r]), { shape: [0, 3], values: [] }, "add [0,3] + [3]");
    expectExact(await run(gg.sum(e.expr, 0), [e]), { shape: [3], values: [0, 0, 0] }, "sum over an empty axis");
    expectExact(await run(gg.max(e.expr, 0), [e]), { shape: [3], values: [-Infinity, -Infinity, -Infinity] }, "max over an empty axis");
    const a = operand("a", "float64", [2, 0], []);
    const b = operand("b", "float64", [0, 3], []);
    expectExact(await run(gg.matmul(a.expr, b.expr), [a, b]), { shape: [2, 3], values: [0, 0, 0, 0, 0, 0] }, "matmul with k = 0");
    const c = operand("c", "float64", [2, 1], [7, 8]);
    expectExact(await run(gg.concat([a.expr, c.expr], 1), [a, c]), { shape: [2, 1], values: [7, 8] }, "concat with an empty part");
  });
});

describe("coverage", () => {
  it("every primitive has a reference check", () => {
    expect(OP_NAMES.filter((op) => !covered.has(op))).toEqual([]);
  });
});
