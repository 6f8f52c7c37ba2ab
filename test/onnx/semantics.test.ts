import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { MAX_OPSET, MIN_OPSET } from "../../src/onnx/opsets.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { expectElementsClose, ortSession, runExported, runOrt } from "./ort.js";

/**
 * Each exportable primitive's ONNX form against graphgrad's own semantics (the JS backend), on the
 * values where runtimes differ: NaN, ±Inf, ±0, subnormals, int32 overflow and division by zero,
 * out-of-range casts and indices; each group in every opset graphgrad exports.
 */

const OPSETS = Array.from({ length: MAX_OPSET - MIN_OPSET + 1 }, (_, i) => MIN_OPSET + i);
/** Float32 transcendental functions in ONNX Runtime (MLAS) are within a few ULPs of the correctly rounded value. */
const RTOL: Readonly<Record<DType, number>> = { float32: 1e-6, float64: 1e-15, int32: 0, bool: 0 };

const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -2.5, 0.5, 3.75, 100, 0.1, 1.5, -1.5, 2.2, -7.9, 12.3, 1e-4, 1, -1];
const INT_SPECIALS = [0, 1, -1, 2, -3, 7, -8, 100000, 46341, 2147483647, -2147483648];

function tensor(dtype: DType, shape: readonly number[], values: readonly number[]): gg.Tensor {
  return gg.tensorFrom(Float64Array.from(values), dtype, shape);
}

/** Absolute error allowed for some outputs, beyond RTOL (see the unary tests). */
type Atol = Readonly<Record<string, number>>;

/** Exports `outputs` at every opset (or `opsets`), runs each file in ONNX Runtime and compares with the JS backend. */
async function expectSameAsGraphgrad(outputs: Record<string, gg.Expr>, feeds: Record<string, gg.Tensor>, opsets: readonly number[] = OPSETS, atol: Atol = {}): Promise<void> {
  const want = await gg.evaluate(outputs, feeds);
  for (const opset of opsets) {
    const got = await runExported(gg.onnx.export(outputs, { opset }), feeds);
    for (const [k, w] of Object.entries(want)) expectElementsClose(got[k] as gg.Tensor, w, RTOL[w.dtype], `opset ${opset} ${k}`, atol[k] ?? 0);
  }
}

describe("ONNX export: elementwise semantics on special values", () => {
  for (const dtype of ["float32", "float64"] as const) {
    // Not subnormal arguments: ONNX Runtime's own float32 log, sqrt and tanh and float64 log take
    // them as 0 or as the smallest normal number (log(1e-40) = -87.34 in float32).
    const values = [...FLOAT_SPECIALS.filter((v) => v !== 1e-40), 88, 89, 700, 710, -100, -750, 1e20, 1e6];
    it(`every unary primitive on ${dtype} NaN, ±Inf, ±0 and ordinary values`, async () => {
      const x = gg.input("x", [values.length], dtype);
      const outputs: Record<string, gg.Expr> = {
        neg: gg.neg(x), exp: gg.exp(x), log: gg.log(x), sqrt: gg.sqrt(x), abs: gg.abs(x), sign: gg.sign(x), tanh: gg.tanh(x),
        floor: gg.floor(x), stopGradient: gg.stopGradient(x), sin: gg.sin(x), cos: gg.cos(x), erf: gg.erf(x),
      };
      // float64: ONNX Runtime's Exp bottoms out at 5.6e-309 (not 0) below -708, and cos is
      // 1 − 2·sin²(x/2) (no float64 Cos kernel there), within a few 2⁻⁵³ absolute.
      const atol: Atol = dtype === "float64" ? { exp: 6e-309, cos: 2 ** -51 } : {};
      await expectSameAsGraphgrad(outputs, { x: tensor(dtype, [values.length], values) }, [17], atol);
    });

    it(`every binary and compare primitive and where on ${dtype}, every pair of special values (broadcast [n,1] against [1,n])`, async () => {
      const n = FLOAT_SPECIALS.length;
      const a = gg.input("a", [n, 1], dtype);
      const b = gg.input("b", [1, n], dtype);
      const outputs: Record<string, gg.Expr> = {
        add: gg.add(a, b), sub: gg.sub(a, b), mul: gg.mul(a, b), div: gg.div(a, b), pow: gg.pow(a, b),
        maximum: gg.maximum(a, b), minimum: gg.minimum(a, b), maxConst: gg.maximum(a, 0), minConst: gg.minimum(2, b),
        // Operands of one shape take another path in ONNX Runtime than broadcast ones.
        maximumSameShape: gg.maximum(gg.broadcastTo(a, [n, n]), gg.broadcastTo(b, [n, n])),
        minimumSameShape: gg.minimum(gg.broadcastTo(a, [n, n]), gg.broadcastTo(b, [n, n])),
        greater: gg.greater(a, b), less: gg.less(a, b), equal: gg.equal(a, b), where: gg.where(gg.less(a, b), a, b),
      };
      await expectSameAsGraphgrad(outputs, { a: tensor(dtype, [n, 1], FLOAT_SPECIALS), b: tensor(dtype, [1, n], FLOAT_SPECIALS) }, [16, 20]);
    });
  }

  it("erf: float64 is graphgrad's own erf written out (exactly its results, across its tables' intervals), float32 ONNX's Erf", async () => {
    const values = [...FLOAT_SPECIALS, 5.99, 6, -6.01, 0.4999999999999999, 0.5, ...Array.from({ length: 400 }, (_, i) => -7 + (14 * i) / 399 + 1e-3 * Math.sin(i))];
    for (const dtype of ["float64", "float32"] as const) {
      const x = gg.input("x", [values.length], dtype);
      const feeds = { x: tensor(dtype, [values.length], values) };
      const want = await gg.evaluate(gg.erf(x), feeds);
      const got = await runExported(gg.onnx.export({ erf: gg.erf(x) }, { opset: 17 }), feeds);
      expectElementsClose(got["erf"] as gg.Tensor, want, dtype === "float64" ? 0 : RTOL.float32, `erf ${dtype}`);
    }
  });

  it("int32: wrapping add, sub, mul and neg; division truncating, x / 0 = 0 and -2³¹ / -1 = -2³¹; max, min, compares", async () => {
    const n = INT_SPECIALS.length;
    const a = gg.input("a", [n, 1], "int32");
    const b = gg.input("b", [1, n], "int32");
    const outputs: Record<string, gg.Expr> = {
      add: gg.add(a, b), sub: gg.sub(a, b), mul: gg.mul(a, b), div: gg.div(a, b), maximum: gg.maximum(a, b), minimum: gg.minimum(a, b),
      greater: gg.greater(a, b), less: gg.less(a, b), equal: gg.equal(a, b), where: gg.where(gg.greater(a, b), a, b),
      neg: gg.neg(a), abs: gg.abs(a), sign: gg.sign(b), floor: gg.floor(a), stopGradient: gg.stopGradient(b),
      sum: gg.sum(gg.add(a, b), 0), matmul: gg.matmul(gg.broadcastTo(a, [n, n]), gg.broadcastTo(b, [n, n])),
    };
    await expectSameAsGraphgrad(outputs, { a: tensor("int32", [n, 1], INT_SPECIALS), b: tensor("int32", [1, n], INT_SPECIALS) }, [16, 18]);
  });

  it("casts: float → int32 truncates and saturates with NaN → 0; → bool is non-zero (NaN true); rounding to float32; bool and int32 → floats", async () => {
    const floats = [...FLOAT_SPECIALS, 2.9, -2.9, 3e9, -3e9, 2147483520, 2147483648, -2147483648, -2147483904, 2147483647.9, -2147483648.9, 1e300, -1e300, 16777217];
    const ints = INT_SPECIALS;
    const f32 = gg.input("f32", [floats.length], "float32");
    const f64 = gg.input("f64", [floats.length], "float64");
    const i32 = gg.input("i32", [ints.length], "int32");
    const bool = gg.input("b", [4], "bool");
    const outputs: Record<string, gg.Expr> = {};
    for (const [name, x] of Object.entries({ f32, f64, i32, bool })) {
      for (const to of ["bool", "int32", "float32", "float64"] as const) outputs[`${name}_to_${to}`] = gg.cast(x, to);
    }
    await expectSameAsGraphgrad(outputs, {
      f32: tensor("float32", [floats.length], floats), f64: tensor("float64", [floats.length], floats), i32: tensor("int32", [ints.length], ints), b: tensor("bool", [4], [1, 0, 0, 1]),
    }, [16, 19]);
  });
});

describe("ONNX export: reductions, layout, indexing and constants", () => {
  it("reduceSum and reduceMax over every set of axes (none included), keeping dims or not; NaN anywhere propagates through max", async () => {
    const shape = [2, 3, 4];
    const values = Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 10);
    const withNaN = values.map((v, i) => (i === 7 || i === 22 ? NaN : v));
    const outputs: Record<string, gg.Expr> = {};
    for (const dtype of ["float32", "int32"] as const) {
      const x = gg.input(`x_${dtype}`, shape, dtype);
      for (let mask = 0; mask < 8; mask++) {
        const axes = [0, 1, 2].filter((a) => (mask >> a) & 1);
        for (const keep of [false, true]) {
          outputs[`sum_${dtype}_${mask}_${keep}`] = gg.sum(x, axes, keep);
          outputs[`max_${dtype}_${mask}_${keep}`] = gg.max(x, axes, keep);
        }
      }
    }
    const feeds = { x_float32: tensor("float32", shape, withNaN), x_int32: tensor("int32", shape, values.map(Math.round)) };
    await expectSameAsGraphgrad(outputs, feeds, [17, 18]);
  });

  it("matmul: batched with broadcast batch axes; transpose, slice, pad (bool too), concat, broadcast and reshape", async () => {
    const a = gg.input("a", [2, 1, 3, 4]);
    const b = gg.input("b", [5, 4, 2]);
    const m = gg.input("m", [2, 3], "bool");
    const feeds = {
      a: tensor("float32", [2, 1, 3, 4], Array.from({ length: 24 }, (_, i) => i / 7 - 1)),
      b: tensor("float32", [5, 4, 2], Array.from({ length: 40 }, (_, i) => Math.cos(i))),
      m: tensor("bool", [2, 3], [1, 0, 1, 1, 1, 0]),
    };
    const outputs: Record<string, gg.Expr> = {
      matmul: gg.matmul(a, b),
      transpose: gg.transpose(a, [3, 0, 2, 1]),
      slice: gg.slice(a, [1, 0, 1, 2], [1, 1, 2, 2]),
      pad: gg.pad(a, [[0, 1], [2, 0], [0, 0], [1, 1]]),
      padBool: gg.pad(m, [[1, 0], [0, 2]]),
      concat: gg.concat([a, gg.mul(a, 2)], 2),
      concatBool: gg.concat([m, gg.logicalNot(m), m], 0),
      broadcast: gg.broadcastTo(b, [3, 5, 4, 2]),
      reshape: gg.reshape(b, [4, -1, 5]),
    };
    await expectSameAsGraphgrad(outputs, feeds, OPSETS);
  });

  it("float64 matmul of a transposed operand runs at ONNX Runtime's basic optimization level (its extended one has no float64 kernel for the fusion it makes)", async () => {
    const a = gg.input("a", [3, 2], "float64");
    const outputs = { y: gg.matmul(gg.transpose(a), a) };
    const feeds = { a: tensor("float64", [3, 2], [1, 2, -3, 4.5, 0.25, -6]) };
    const got = await runOrt(await ortSession(gg.onnx.export(outputs), "basic"), feeds);
    expectElementsClose(got["y"] as gg.Tensor, (await gg.evaluate(outputs, feeds))["y"] as gg.Tensor, 0, "y");
  });

  it("the gather and scatterAdd primitives clamp out-of-range indices (negative ones too) to the nearest row; rank-2 indices; int32 values", async () => {
    const p = gg.input("p", [5, 3]);
    const pi = gg.input("pi", [5, 2], "int32");
    const idx = gg.input("idx", [2, 3], "int32");
    const u = gg.input("u", [2, 3, 2]);
    const feeds = {
      p: tensor("float32", [5, 3], Array.from({ length: 15 }, (_, i) => i + 0.5)),
      pi: tensor("int32", [5, 2], Array.from({ length: 10 }, (_, i) => i * 1000 - 3)),
      idx: tensor("int32", [2, 3], [-3, -1, 0, 4, 5, 2147483647]),
      u: tensor("float32", [2, 3, 2], Array.from({ length: 12 }, (_, i) => 2 ** i)),
    };
    // The primitives, without the index checks that gg.gather and gg.scatterAdd put in front (below).
    const gather = (t: gg.Expr, i: gg.Expr): gg.Expr => prim("gather", [t, i], {});
    const scatterAdd = (t: gg.Expr, i: gg.Expr, size: number): gg.Expr => prim("scatterAdd", [t, i], { size });
    const outputs = { gather: gather(p, idx), gatherInt: gather(pi, idx), scatter: scatterAdd(u, idx, 5), scatterInt: scatterAdd(gg.cast(u, "int32"), idx, 3) };
    await expectSameAsGraphgrad(outputs, feeds, OPSETS);
  });

  it("index checks: an index or label outside [0, n) fails the run in ONNX Runtime as in graphgrad (negative, n, INT32_MAX; a symbolic bound); in range, the same values", async () => {
    const table = gg.input("table", [null, 2]);
    const ids = gg.input("ids", [3], "int32");
    const logits = gg.input("logits", [3, 4]);
    const outputs = { rows: gg.gather(table, ids), loss: gg.losses.sparseSoftmaxCrossEntropyWithLogits(ids, logits), sum: gg.scatterAdd(logits, ids, 4) };
    const feeds = (i: readonly number[]): Record<string, gg.Tensor> => ({
      table: tensor("float32", [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
      ids: tensor("int32", [3], i),
      logits: tensor("float32", [3, 4], Array.from({ length: 12 }, (_, k) => Math.sin(k))),
    });
    await expectSameAsGraphgrad(outputs, feeds([3, 0, 2]), OPSETS);
    for (const bad of [-1, 4, 2147483647]) {
      await expect(gg.evaluate(outputs, feeds([0, bad, 1]))).rejects.toThrow(`indices[1] = ${bad} is not in [0, 4)`);
      for (const opset of OPSETS) await expect(runExported(gg.onnx.export(outputs, { opset }), feeds([0, bad, 1])), `opset ${opset}, index ${bad}`).rejects.toThrow(/out of (data )?bounds|invalid|out of range/i);
    }
  });

  it("constants: splats of NaN, -0 and ±Inf, bool and int32 literals, iota on each axis (and one above the folding size)", async () => {
    const x = gg.input("x", [2, 3]);
    const outputs: Record<string, gg.Expr> = {
      nan: gg.add(x, gg.fill([2, 3], NaN)), negZero: gg.mul(x, gg.fill([1, 3], -0)), inf: gg.sub(x, gg.fill([2, 1], Infinity)),
      boolLiteral: gg.where(gg.constant([[true, false, true]], "bool"), x, gg.constant([1.5, -0, NaN])),
      intLiteral: gg.add(gg.cast(x, "int32"), gg.constant([[2147483647], [-5]], "int32")),
      iota0: gg.add(gg.iota([2, 3], 0, "float32"), x), iota1: gg.iota([2, 3], 1, "int32"), iota64: gg.iota([3, 2, 2], 2, "float64"),
      bigIota: gg.iota([70, 64], 1, "int32"),
    };
    await expectSameAsGraphgrad(outputs, { x: tensor("float32", [2, 3], [1, -2, 3.5, 0, -0, 7]) }, [16, 20]);
  });
});
