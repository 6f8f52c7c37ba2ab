import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, CheckFailure, checkGrads } from "../../src/testing/index.js";

/**
 * checkGrads: it accepts correct derivatives (both modes, several orders, int32 inputs held
 * fixed) and rejects wrong ones, naming the mode, the input, the element and both values. The
 * wrong derivatives are customVjp rules: the forward is right, the rule is not.
 */

const x23 = { shape: [2, 3], values: [1, 2, 3, -1, 0.5, 0.2] };
const w32 = { shape: [3, 2], values: [0.1, 0.2, 0.3, -0.4, 0.5, 0.6] };

/** sin with the rule ct·k·cos(x): right for k = 1 only. */
const sinWithRule = (k: number) => gg.customVjp((x: gg.Expr) => gg.sin(x), { vjp: (ct, { args: [x] }) => [gg.mul(ct, gg.mul(gg.cos(x), k))] });

/** x³ with the rule ct·3·stopGradient(x)²: the right first derivative, whose own derivative is 0. */
const cubeFlatRule = gg.customVjp((x: gg.Expr) => gg.mul(x, gg.mul(x, x)), { vjp: (ct, { args: [x] }) => [gg.mul(ct, gg.mul(gg.square(gg.stopGradient(x)), 3))] });

describe("checkGrads", () => {
  it("accepts a small network's derivatives in both modes up to order 3, and reports what it compared", async () => {
    const f = (x: gg.Expr, w: gg.Expr): gg.Expr => gg.tanh(gg.matmul(x, w));
    const first = await checkGrads(f, [x23, w32]);
    // Reverse: 12 input elements; forward: 12 directions × 4 output elements.
    expect(first.checked).toBe(12 + 12 * 4);
    expect(first.worst?.error).toBeLessThanOrEqual(first.worst?.tolerance ?? 0);
    // Order n: reverse mode differentiates the 12 entries of the joined gradients, forward mode a JVP of f's shape.
    for (const order of [2, 3]) expect((await checkGrads(f, [x23, w32], { order })).checked).toBe(12 + 12 * 4);
  });

  it("holds int32 inputs fixed and differentiates the float ones (an embedding lookup)", async () => {
    const table = { shape: [4, 2], values: [0.5, -1, 2, 0.25, -0.75, 1.5, 1, -2] };
    const ids = gg.tensorFrom([3, 0, 3], "int32");
    const r = await checkGrads((t, i) => gg.square(gg.gather(t, i)), [table, ids], { modes: ["rev"] });
    expect(r.checked).toBe(8);
  });

  it("takes Tensors (float32 ones as float64) and named inputs", async () => {
    const r = await checkGrads((x) => gg.exp(x), [gg.tensorFrom([[0.5, -1]], "float32")]);
    expect(r.checked).toBe(2 + 2 * 2);
    await expect(checkGrads((x) => gg.sin(x), [{ shape: [2], values: [1, 2], name: "angle" }], { modes: ["rev"] })).resolves.toBeDefined();
  });

  it("rejects a wrong gradient rule in reverse mode, naming the input, the element and both values", async () => {
    const failure = await checkGrads((a, x) => gg.mul(a, sinWithRule(1.001)(x)), [{ shape: [2], values: [1, 2] }, { shape: [2, 2], values: [0.3, 1.2, -0.4, 2], name: "angle" }], { modes: ["rev"] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CheckFailure);
    expect(String(failure)).toMatch(
      /^CheckFailure: checkGrads: reverse mode \(gg\.grad\), order 1: the derivative with respect to input 1 'angle' \[2,2\], element 0 \(index \[0,0\]\): analytic (\S+), central differences (\S+); error \S+ > tolerance \S+ \(atol 1e-8 \+ rtol 0\.000001 × \S+\)$/,
    );
    const [, analytic, numeric] = /analytic (\S+), central differences (\S+);/.exec(String(failure)) as RegExpExecArray;
    // d/dx Σ a·sin(x)·c at x = 0.3: the rule says 1.001·cos(0.3)·a·c, the truth is cos(0.3)·a·c.
    expect(Number(analytic) / Number(numeric)).toBeCloseTo(1.001, 9);
  });

  it("rejects the same rule in forward mode (its JVP is the rule transposed), naming the output element", async () => {
    const failure = await checkGrads((x) => sinWithRule(0.99)(x), [{ shape: [3], values: [0.1, 0.2, 0.3] }], { modes: ["fwd"] }).catch((e: unknown) => e);
    expect(String(failure)).toMatch(/forward mode \(gg\.jvp\), order 1: along input 0 \[3\], element 0 \(index \[0\]\), output element 0 \(index \[0\]\): analytic \S+, central differences \S+; error/);
  });

  it("finds a wrong second derivative under a right first derivative (order 2, both modes)", async () => {
    const inputs = [{ shape: [3], values: [0.5, -1, 1.5] }];
    await expect(checkGrads((x) => cubeFlatRule(x), inputs, { modes: ["rev"] })).resolves.toBeDefined();
    await expect(checkGrads((x) => cubeFlatRule(x), inputs, { order: 2, modes: ["rev"] })).rejects.toThrow(/reverse mode \(gg\.grad of its order-1 derivative\), order 2/);
    await expect(checkGrads((x) => cubeFlatRule(x), inputs, { order: 2, modes: ["fwd"] })).rejects.toThrow(/forward mode \(gg\.jvp of its order-1 derivative\), order 2/);
  });

  it("a property over random shapes and values, as a user writes one", async () => {
    await fc.assert(
      fc.asyncProperty(arb.tensor({ shape: arb.shape({ maxRank: 2, maxDim: 3 }), min: -3, max: 3 }), async (x) => {
        await checkGrads((v) => gg.softplus(gg.mul(v, v)), [x], { order: 2 });
      }),
      { numRuns: 10 },
    );
  });

  it("rejects what it cannot check with a GraphgradError naming the field", async () => {
    const sq = (x: gg.Expr): gg.Expr => gg.square(x);
    await expect(checkGrads(sq, [])).rejects.toThrow(/inputs must be a non-empty array/);
    await expect(checkGrads(sq, [{ shape: [2, 2], values: [1, 2, 3] }])).rejects.toThrow(/input 0: 3 values for shape \[2,2\] \(4 elements\)/);
    await expect(checkGrads(sq, [x23], { order: 0 })).rejects.toThrow(/order must be an integer >= 1, got 0/);
    await expect(checkGrads(sq, [x23], { modes: [] })).rejects.toThrow(/modes must list/);
    await expect(checkGrads(sq, [x23], { eps: 0 })).rejects.toThrow(/eps must be a finite number > 0/);
    await expect(checkGrads((x) => gg.cast(x, "float32"), [x23])).rejects.toThrow(/fn must return a float64 Expr for float64 inputs, got float32/);
    await expect(checkGrads((i) => gg.cast(i, "float64"), [gg.tensorFrom([1, 2], "int32")])).rejects.toThrow(/no float input to differentiate/);
    await expect(checkGrads(sq, [{ shape: [1], values: [1], name: "a" }, { shape: [1], values: [2], name: "a" }])).rejects.toThrow(/two inputs are named 'a'/);
    await expect(checkGrads(sq, [])).rejects.toBeInstanceOf(gg.GraphgradError);
  });
});
