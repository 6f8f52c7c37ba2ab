import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import type { UnaryOp } from "../../ir/ops/elementwise.js";
import { arb, checkGrads, type CheckGradsOptions, sizeOf, type ValueOptions } from "../../src/testing/index.js";

/**
 * VJPs of the elementwise primitives against float64 central differences (h = 1e-5), on random
 * shapes (broadcasting included) and values. Values stay in each op's smooth domain: sample
 * points are at least MARGIN away from kinks (abs, sign at 0), steps (floor at the integers) and
 * switch points (maximum, minimum, comparisons where a = b), so the differences never straddle one.
 */

const RUNS = { numRuns: 15 };
const MARGIN = 1e-3;

/** An operand: its shape and values. */
interface TensorCase {
  readonly shape: number[];
  readonly values: number[];
}

async function expectGradOk(f: (xs: gg.Expr[]) => gg.Expr, inputs: readonly TensorCase[], options: CheckGradsOptions = {}): Promise<void> {
  await checkGrads((...xs) => f(xs), inputs, options);
}

/** One operand per value range, of shapes that broadcast together (rank up to 3, axes up to 3). */
const broadcastTensorCasesArb = (ranges: readonly ValueOptions[]): fc.Arbitrary<TensorCase[]> =>
  arb.broadcastShapes(ranges.length, { maxRank: 3, maxDim: 3 }).chain((shapes) =>
    fc.tuple(...shapes.map((shape, i) => arb.values(sizeOf(shape), ranges[i]).map((values): TensorCase => ({ shape, values })))),
  );

/** The shape shapes broadcast to (they are known to be compatible). */
function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
}

/** For each element of a tensor of shape `out`, the flat index it reads from an operand of `shape` broadcast to `out`. */
function broadcastSources(out: readonly number[], shape: readonly number[]): number[] {
  const lead = out.length - shape.length;
  return Array.from({ length: sizeOf(out) }, (_, flat) => {
    let rest = flat;
    let src = 0;
    let stride = 1;
    for (let axis = out.length - 1; axis >= 0; axis--) {
      const coord = rest % (out[axis] as number);
      rest = Math.floor(rest / (out[axis] as number));
      if (axis < lead) continue;
      const d = shape[axis - lead] as number;
      if (d !== 1) src += coord * stride;
      stride *= d;
    }
    return src;
  });
}

/** The pairs (a, b) that meet elementwise when a and b are broadcast together. */
function broadcastPairs(a: TensorCase, b: TensorCase): [number, number][] {
  const out = broadcastShape([a.shape, b.shape]);
  const ia = broadcastSources(out, a.shape);
  const ib = broadcastSources(out, b.shape);
  return ia.map((i, k) => [a.values[i] as number, b.values[ib[k] as number] as number]);
}

/** No broadcast pair of a and b is within MARGIN of a tie. */
const apart = ([a, b]: TensorCase[]): boolean => broadcastPairs(a as TensorCase, b as TensorCase).every(([x, y]) => Math.abs(x - y) >= MARGIN);

/** A fixed cotangent pattern in [0.5, 1.5] (no zeros, no two alike). */
const cotangentPattern = (n: number): number[] => Array.from({ length: n }, (_, i) => 0.5 + ((i * 0.618034) % 1));

/** The VJP of f at the inputs with the pattern cotangent, as flat arrays (for checks against an explicit expected value). */
async function vjpValues(f: (xs: gg.Expr[]) => gg.Expr, inputs: readonly TensorCase[]): Promise<{ ct: number[]; grads: number[][] }> {
  const xs = inputs.map((inp, i) => gg.input(`x${i}`, inp.shape, "float64"));
  const out = f(xs);
  const outShape = out.shape as number[];
  const ct = cotangentPattern(sizeOf(outShape));
  const gs = gg.grad(out, xs, { cotangent: gg.input("ct", outShape, "float64") });
  const feeds: Record<string, gg.Tensor> = { ct: gg.tensorFrom(Float64Array.from(ct), "float64", outShape) };
  inputs.forEach((inp, i) => (feeds[`x${i}`] = gg.tensorFrom(Float64Array.from(inp.values), "float64", inp.shape)));
  const r = await gg.evaluate(Object.fromEntries(gs.map((g, i) => [`g${i}`, g])), feeds);
  return { ct, grads: gs.map((_, i) => Array.from((r[`g${i}`] as gg.Tensor).data)) };
}

/** Small integers as doubles: ties between operands are common. */
const tiedCasesArb = (count: number): fc.Arbitrary<TensorCase[]> =>
  broadcastTensorCasesArb(Array.from({ length: count }, () => ({}))).chain((cases) =>
    fc.tuple(...cases.map((c) => fc.array(fc.integer({ min: -1, max: 1 }), { minLength: c.values.length, maxLength: c.values.length }).map((values) => ({ shape: c.shape, values })))),
  );

/** One case per unary primitive (a new primitive fails the type check until it has one); stopGradient is below. */
const UNARY_CASES: { readonly [K in Exclude<UnaryOp, "stopGradient">]: { f: (x: gg.Expr) => gg.Expr; values: (n: number) => fc.Arbitrary<number[]> } } = {
  neg: { f: gg.neg, values: (n) => arb.values(n) },
  exp: { f: gg.exp, values: (n) => arb.values(n) },
  log: { f: gg.log, values: (n) => arb.values(n, { min: 0.1, max: 3 }) },
  sqrt: { f: gg.sqrt, values: (n) => arb.values(n, { min: 0.1, max: 3 }) },
  abs: { f: gg.abs, values: (n) => arb.values(n, { min: -2, max: 2, awayFromZero: MARGIN }) },
  sign: { f: gg.sign, values: (n) => arb.values(n, { min: -2, max: 2, awayFromZero: MARGIN }) },
  tanh: { f: gg.tanh, values: (n) => arb.values(n, { min: -3, max: 3 }) },
  floor: { f: gg.floor, values: (n) => arb.values(n, { min: -3, max: 3, awayFromIntegers: MARGIN }) },
  sin: { f: gg.sin, values: (n) => arb.values(n, { min: -7, max: 7 }) },
  cos: { f: gg.cos, values: (n) => arb.values(n, { min: -7, max: 7 }) },
  erf: { f: gg.erf, values: (n) => arb.values(n, { min: -3, max: 3 }) },
};
const UNARY = Object.entries(UNARY_CASES).map(([name, c]) => ({ name, ...c }));

describe("unary VJPs match finite differences", () => {
  it.each(UNARY)("$name", async ({ f, values }) => {
    await fc.assert(
      fc.asyncProperty(
        arb.shape({ maxRank: 3, maxDim: 3 }).chain((shape) => values(sizeOf(shape)).map((v) => ({ shape, values: v }))),
        async (x) => expectGradOk(([e]) => f(e as gg.Expr), [x]),
      ),
      RUNS,
    );
  });

  // stopGradient's VJP is zero by definition, not the derivative of its (identity) value, so it
  // is checked against the derivative with the stopped value held constant:
  // ∂/∂x Σ c·x·stop(exp x) = c·exp(x).
  it("stopGradient: the value passes, the gradient is that of the stopped value held constant", async () => {
    await fc.assert(
      fc.asyncProperty(arb.shape({ maxRank: 3, maxDim: 3 }).chain((shape) => arb.values(sizeOf(shape)).map((values) => ({ shape, values }))), async (x) => {
        const e = gg.input("x", x.shape, "float64");
        const value = await gg.evaluate(gg.stopGradient(e), { x: gg.tensorFrom(Float64Array.from(x.values), "float64", x.shape) });
        expect(Array.from(value.data)).toEqual(x.values);
        const { ct, grads } = await vjpValues(([v]) => gg.mul(v as gg.Expr, gg.stopGradient(gg.exp(v as gg.Expr))), [x]);
        const expected = x.values.map((v, i) => (ct[i] as number) * Math.exp(v));
        (grads[0] as number[]).forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThanOrEqual(1e-15 * Math.abs(expected[i] as number)));
      }),
      RUNS,
    );
  });
});

const BINARY: readonly { name: string; f: (a: gg.Expr, b: gg.Expr) => gg.Expr; ranges: ValueOptions[]; needsApart?: boolean }[] = [
  { name: "add", f: gg.add, ranges: [{}, {}] },
  { name: "sub", f: gg.sub, ranges: [{}, {}] },
  { name: "mul", f: gg.mul, ranges: [{}, {}] },
  { name: "div", f: gg.div, ranges: [{}, { awayFromZero: 0.5 }] },
  { name: "pow", f: gg.pow, ranges: [{ min: 0.5, max: 2 }, { min: -2, max: 2 }] },
  { name: "maximum", f: gg.maximum, ranges: [{}, {}], needsApart: true },
  { name: "minimum", f: gg.minimum, ranges: [{}, {}], needsApart: true },
];

describe("binary VJPs match finite differences (broadcast shapes)", () => {
  it.each(BINARY)("$name", async ({ f, ranges, needsApart }) => {
    await fc.assert(
      fc.asyncProperty(
        broadcastTensorCasesArb(ranges).filter((cases) => !needsApart || apart(cases)),
        async (cases) => expectGradOk(([a, b]) => f(a as gg.Expr, b as gg.Expr), cases),
      ),
      RUNS,
    );
  });

  // Where a = b the derivative does not exist; the rule splits the cotangent evenly (JAX's choice).
  it.each([
    { name: "maximum", f: gg.maximum, wins: (a: number, b: number) => a > b },
    { name: "minimum", f: gg.minimum, wins: (a: number, b: number) => a < b },
  ])("$name: a tie gives each operand half the cotangent", async ({ f, wins }) => {
    await fc.assert(
      fc.asyncProperty(tiedCasesArb(2), async ([a, b]) => {
        const { ct, grads } = await vjpValues(([x, y]) => f(x as gg.Expr, y as gg.Expr), [a as TensorCase, b as TensorCase]);
        const out = broadcastShape([(a as TensorCase).shape, (b as TensorCase).shape]);
        const share = (x: number, y: number): number => (wins(x, y) ? 1 : x === y ? 0.5 : 0);
        const expected = [a as TensorCase, b as TensorCase].map((c) => c.values.map(() => 0));
        const ia = broadcastSources(out, (a as TensorCase).shape);
        const ib = broadcastSources(out, (b as TensorCase).shape);
        ct.forEach((c, k) => {
          const [i, j] = [ia[k] as number, ib[k] as number];
          const [x, y] = [(a as TensorCase).values[i] as number, (b as TensorCase).values[j] as number];
          (expected[0] as number[])[i] = ((expected[0] as number[])[i] as number) + c * share(x, y);
          (expected[1] as number[])[j] = ((expected[1] as number[])[j] as number) + c * share(y, x);
        });
        // Sums of a few terms c/2 and c: equal up to the order of float64 additions.
        grads.forEach((g, n) => g.forEach((v, i) => expect(Math.abs(v - ((expected[n] as number[])[i] as number))).toBeLessThan(1e-12)));
      }),
      RUNS,
    );
  });
});

/**
 * Comparisons are piecewise constant: their gradient is zero. `select` uses the comparison in a
 * where, so the VJP of the selection must follow the comparison's outcome; for `equal` it compares
 * floors (of off-integer values), so that it is true often and still away from its switch points.
 */
const COMPARISONS: readonly { name: string; select: (a: gg.Expr, b: gg.Expr) => gg.Expr; cmp: (a: gg.Expr, b: gg.Expr) => gg.Expr; arb: fc.Arbitrary<TensorCase[]> }[] = [
  {
    name: "greater",
    select: (a, b) => gg.where(gg.greater(a, b), a, b),
    cmp: gg.greater,
    arb: broadcastTensorCasesArb([{}, {}]).filter(apart),
  },
  {
    name: "less",
    select: (a, b) => gg.where(gg.less(a, b), gg.mul(a, b), gg.exp(b)),
    cmp: gg.less,
    arb: broadcastTensorCasesArb([{}, {}]).filter(apart),
  },
  {
    name: "equal",
    select: (a, b) => gg.where(gg.equal(gg.floor(a), gg.floor(b)), gg.mul(a, b), gg.sub(a, b)),
    cmp: gg.equal,
    arb: broadcastTensorCasesArb([{}, {}]).chain((cases) =>
      fc.tuple(...cases.map((c) => arb.values(c.values.length, { min: -2, max: 2, awayFromIntegers: MARGIN }).map((values) => ({ shape: c.shape, values })))),
    ),
  },
];

describe("comparisons", () => {
  it.each(COMPARISONS)("$name: the gradient through where(cmp(a, b), ...) follows the comparison", async ({ select, arb }) => {
    await fc.assert(
      fc.asyncProperty(arb, async (cases) => expectGradOk(([a, b]) => select(a as gg.Expr, b as gg.Expr), cases)),
      RUNS,
    );
  });

  it.each(COMPARISONS)("$name: a comparison cast to float passes no gradient", async ({ cmp }) => {
    await fc.assert(
      fc.asyncProperty(broadcastTensorCasesArb([{}, {}]).filter(apart), tiedCasesArb(2), async (cases, tied) => {
        const f = ([a, b]: gg.Expr[]): gg.Expr => gg.mul(gg.cast(cmp(a as gg.Expr, b as gg.Expr), "float64"), gg.add(a as gg.Expr, 1));
        // Away from ties the finite differences see only the a + 1 factor...
        await expectGradOk(f, cases);
        // ...and with ties (where the step is) the comparison still contributes exactly zero:
        // ∂/∂a = c·[cmp], ∂/∂b = 0.
        const [a, b] = tied as [TensorCase, TensorCase];
        const { ct, grads } = await vjpValues(f, tied);
        const out = broadcastShape([a.shape, b.shape]);
        const mask = await gg.evaluate(gg.cast(cmp(gg.constant(a.values, "float64").reshape(a.shape), gg.constant(b.values, "float64").reshape(b.shape)), "float64"));
        const expectedA = a.values.map(() => 0);
        broadcastSources(out, a.shape).forEach((i, k) => (expectedA[i] = (expectedA[i] as number) + (ct[k] as number) * (mask.data[k] as number)));
        (grads[0] as number[]).forEach((g, i) => expect(Math.abs(g - (expectedA[i] as number))).toBeLessThan(1e-12));
        expect(grads[1]).toEqual(b.values.map(() => 0));
      }),
      RUNS,
    );
  });
});

describe("where", () => {
  it("gradient to both branches, with a broadcast condition and broadcast branches", async () => {
    await fc.assert(
      fc.asyncProperty(broadcastTensorCasesArb([{ awayFromZero: MARGIN }, {}, {}]), async (cases) =>
        // The condition's input c gets a zero gradient (its sign never flips within h).
        expectGradOk(([c, a, b]) => gg.where(gg.greater(c as gg.Expr, 0), gg.mul(a as gg.Expr, a as gg.Expr), gg.tanh(b as gg.Expr)), cases),
      ),
      RUNS,
    );
  });
});

describe("cast", () => {
  // f(x, y) = float64(float32(x))·y is linear in x up to the rounding of x to float32, so central
  // differences have no truncation error and h can be large. Each of fround(x ± h) is off by at
  // most 2^-24·|x ± h| (half an ulp), so the numeric derivative is off by a factor of at most
  // 2^-24·(|x| + h)/h; the analytic cotangent is itself rounded to float32 on its way back through
  // the cast (another 2^-24). With |x| <= 2 and h = 0.1 that is 1.3e-6 in all.
  const H = 0.1;
  const X_MAX = 2;
  const ROUND_TRIP_TOL = 2 ** -24 * ((X_MAX + H) / H + 1);

  it("float64 -> float32 -> float64: the gradient passes through (to float32 precision)", async () => {
    await fc.assert(
      fc.asyncProperty(broadcastTensorCasesArb([{ min: -X_MAX, max: X_MAX }, {}]), async (cases) =>
        expectGradOk(([x, y]) => gg.mul(gg.cast(gg.cast(x as gg.Expr, "float32"), "float64"), y as gg.Expr), cases, { eps: H, rtol: ROUND_TRIP_TOL }),
      ),
      RUNS,
    );
  });

  it("float64 -> int32 -> float64: no gradient flows through the integers", async () => {
    await fc.assert(
      fc.asyncProperty(
        // |y| >= 2 so that a cotangent c·y leaking through the int32 cast would not truncate to 0.
        broadcastTensorCasesArb([{}, { min: -10, max: 10, awayFromZero: 2 }]).chain(([x, y]) =>
          arb.values((x as TensorCase).values.length, { min: -3, max: 3, awayFromIntegers: MARGIN }).map((values) => [{ shape: (x as TensorCase).shape, values }, y as TensorCase]),
        ),
        // ∂/∂x = c (the int32 path adds nothing), ∂/∂y = c·trunc(x).
        async (cases) => expectGradOk(([x, y]) => gg.add(x as gg.Expr, gg.mul(gg.cast(gg.cast(x as gg.Expr, "int32"), "float64"), y as gg.Expr)), cases),
      ),
      RUNS,
    );
  });
});
