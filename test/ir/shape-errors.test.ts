import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";

/**
 * Every op family rejects ill-formed operands when the expression is BUILT (no compile, no run):
 * a `GraphgradError` whose message names the op, the shapes (or dtypes) and what was expected.
 */

/** Runs `build` and returns the GraphgradError it throws (failing if it returns or throws something else). */
function buildError(build: () => unknown): gg.GraphgradError {
  let result: unknown;
  try {
    result = build();
  } catch (e) {
    expect(e).toBeInstanceOf(gg.GraphgradError);
    return e as gg.GraphgradError;
  }
  throw new Error(`expected a GraphgradError at build time, but building gave ${String(result)}`);
}

/** The error's message is exactly `message`. */
function expectExact(build: () => unknown, message: string): void {
  expect(buildError(build).message).toBe(message);
}

/** The error's message starts with `op: ` and contains every one of `mentions`. */
function expectMentions(build: () => unknown, op: string, mentions: readonly string[]): void {
  const e = buildError(build);
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
  expect(e.where).toBe(op);
  for (const m of mentions) expect(e.message, `message should mention ${m}`).toContain(m);
}

const fmt = (s: readonly (number | string)[]): string => `[${s.join(",")}]`;
const dimArb = fc.integer({ min: 1, max: 6 });

describe("matmul", () => {
  it("names both shapes when the inner dimensions differ", () => {
    expectExact(() => gg.matmul(gg.input("a", [32, 4]), gg.input("b", [3, 11])), "matmul: inner dimensions differ: [32,4] x [3,11]");
    expectExact(() => gg.input("a", [32, 4]).matmul(gg.input("b", [3, 11])), "matmul: inner dimensions differ: [32,4] x [3,11]");
  });

  it("any inner mismatch, batched or not, is reported exactly", () => {
    fc.assert(
      fc.property(fc.array(dimArb, { maxLength: 2 }), dimArb, dimArb, dimArb, dimArb, (batch, m, k1, k2, n) => {
        fc.pre(k1 !== k2);
        const a = [...batch, m, k1];
        const b = [k2, n];
        expectExact(() => gg.matmul(gg.input("a", a), gg.input("b", b)), `matmul: inner dimensions differ: ${fmt(a)} x ${fmt(b)}`);
      }),
      { numRuns: 30 },
    );
  });

  it("rejects rank < 2 and batch axes that do not broadcast", () => {
    expectExact(() => gg.matmul(gg.input("v", [4]), gg.input("b", [4, 2])), "matmul: operands need rank >= 2, got [4] x [4,2]");
    expectExact(
      () => gg.matmul(gg.input("p", [2, 3, 4]), gg.input("q", [5, 4, 2])),
      "matmul: batch dimensions do not broadcast: [2,3,4] x [5,4,2]",
    );
  });

  it("rejects bool operands and (at the primitive) mixed dtypes", () => {
    expectMentions(() => gg.matmul(gg.input("p", [2, 2], "bool"), gg.input("q", [2, 2], "bool")), "matmul", ["bool", "[2,2] x [2,2]"]);
    expectMentions(() => prim("matmul", [gg.input("p", [2, 2]), gg.input("q", [2, 2], "float64")], {}), "matmul", ["float32", "float64"]);
  });
});

describe("elementwise broadcasting", () => {
  it("names the op and both shapes when they do not broadcast", () => {
    expectExact(() => gg.add(gg.input("x", [2, 3]), gg.input("y", [4])), "add: shapes do not broadcast: [2,3] vs [4] (axis -1)");
    expectMentions(() => gg.mul(gg.input("x", [null, 3]), gg.input("y", [null, 4])), "mul", ["[?x.0,3]", "[?y.0,4]"]);
  });

  it("every binary op and comparison reports incompatible shapes", () => {
    const ops = { add: gg.add, sub: gg.sub, mul: gg.mul, div: gg.div, pow: gg.pow, maximum: gg.maximum, minimum: gg.minimum, greater: gg.greater, less: gg.less, equal: gg.equal };
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])), fc.array(dimArb, { maxLength: 2 }), dimArb, dimArb, (op, lead, p, q) => {
        fc.pre(p !== q && p !== 1 && q !== 1);
        const a = [...lead, p];
        const b = [q];
        expectExact(() => ops[op](gg.input("a", a), gg.input("b", b)), `${op}: shapes do not broadcast: ${fmt(a)} vs ${fmt(b)} (axis -1)`);
      }),
      { numRuns: 40 },
    );
  });

  it("where reports the three shapes", () => {
    expectMentions(() => gg.where(gg.input("c", [2], "bool"), gg.input("x", [3]), 0), "where", ["[2]", "[3]", "do not broadcast"]);
  });

  it("primitive operands must share a dtype; the public builders promote instead", () => {
    const x = gg.input("x", [2]);
    const i = gg.input("i", [2], "int32");
    expectExact(() => prim("add", [x, i], {}), "add: operand dtypes differ: float32 vs int32 (cast one first)");
    expect(gg.add(x, i).dtype).toBe("float32");
  });

  it("checks arity", () => {
    expectExact(() => prim("add", [gg.input("x", [2])], {}), "add: expects 2 operand(s), got 1");
  });

  it("rejects operands that are not expressions", () => {
    expectMentions(() => gg.add("x" as unknown as gg.Expr, 1), "add", ["operand 0", "Expr or a number", '"x"']);
  });
});

describe("dtypes of elementwise ops", () => {
  it("exp (and every float-only primitive) rejects bool and int32 operands", () => {
    const b = gg.input("b", [2], "bool");
    const n = gg.input("n", [2], "int32");
    for (const op of ["exp", "log", "sqrt", "tanh"] as const) {
      expectExact(() => prim(op, [b], {}), `${op}: needs a float operand, got bool (cast it first)`);
      expectExact(() => prim(op, [n], {}), `${op}: needs a float operand, got int32 (cast it first)`);
    }
    expectMentions(() => prim("pow", [n, n], {}), "pow", ["float", "int32"]);
  });

  it("arithmetic on bool is rejected (neg, abs, sign, floor, comparisons, reductions)", () => {
    const b = gg.input("b", [2], "bool");
    expectExact(() => gg.neg(b), "neg: needs a numeric operand, got bool (cast it first)");
    expectExact(() => gg.abs(b), "abs: needs a numeric operand, got bool (cast it first)");
    expectExact(() => gg.sign(b), "sign: needs a numeric operand, got bool (cast it first)");
    expectExact(() => gg.floor(b), "floor: needs a numeric operand, got bool (cast it first)");
    expectExact(() => gg.greater(b, b), "greater: needs a numeric operand, got bool (cast it first)");
    expectExact(() => gg.max(b), "reduceMax: needs a numeric operand, got bool (cast it first)");
    expectExact(() => prim("add", [b, b], {}), "add: needs a numeric operand, got bool (cast it first)");
  });

  it("where needs a bool condition and branches of one dtype", () => {
    const x = gg.input("x", [3]);
    expectExact(() => gg.where(x, 1, 0), "where: condition must be bool, got float32");
    expectExact(() => prim("where", [gg.input("c", [3], "bool"), x, gg.input("i", [3], "int32")], {}), "where: branch dtypes differ: float32 vs int32");
  });

  it("cast rejects an unknown dtype", () => {
    expectMentions(() => prim("cast", [gg.input("x", [2])], { dtype: "int8" as gg.DType }), "cast", ["int8"]);
  });
});

describe("reductions", () => {
  it("axes out of range (negative ones included) name the axis and the shape", () => {
    const x = gg.input("x", [2, 3]);
    expectExact(() => gg.sum(x, 2), "reduceSum: axis 2 is out of range for rank 2 (shape [2,3])");
    expectExact(() => gg.max(x, -3), "reduceMax: axis -3 is out of range for rank 2 (shape [2,3])");
    expectExact(() => gg.mean(x, 5), "mean: axis 5 is out of range for rank 2 (shape [2,3])");
    expectExact(() => x.sum(7), "reduceSum: axis 7 is out of range for rank 2 (shape [2,3])");
  });

  it("a repeated axis (also as a negative alias) is rejected", () => {
    expectExact(() => gg.sum(gg.input("x", [2, 3]), [1, -1]), "reduceSum: axis 1 is repeated in [1,1]");
  });

  it("the primitive takes normalized axes only", () => {
    expectMentions(() => prim("reduceSum", [gg.input("x", [2, 3])], { axes: [-1], keepdims: false }), "reduceSum", ["axis -1", "[2,3]"]);
    expectMentions(() => prim("reduceSum", [gg.input("x", [2, 3])], { axes: [0.5], keepdims: false }), "reduceSum", ["invalid attributes"]);
  });

  it("any out-of-range axis is rejected for any rank", () => {
    fc.assert(
      fc.property(fc.array(dimArb, { maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), (shape, excess, negative) => {
        const r = shape.length;
        const axis = negative ? -r - 1 - excess : r + excess;
        expectExact(() => gg.sum(gg.input("x", shape), axis), `reduceSum: axis ${axis} is out of range for rank ${r} (shape ${fmt(shape)})`);
      }),
      { numRuns: 30 },
    );
  });
});

describe("layout", () => {
  it("reshape: element counts must agree", () => {
    expectExact(() => gg.reshape(gg.input("x", [2, 3]), [4, 2]), "reshape: cannot reshape [2,3] to [4,2]: element counts differ");
    expectExact(() => gg.reshape(gg.input("x", [2, 3]), [4, -1]), "reshape: cannot reshape [2,3] to [4,-1]: 6 elements do not divide by 4");
    expectExact(() => gg.reshape(gg.input("x", [2, 3]), [-1, -1]), "reshape: cannot reshape [2,3] to [-1,-1]: at most one -1");
    expectMentions(() => gg.reshape(gg.input("x", [null, 3]), [3, 2]), "reshape", ["[?x.0,3]", "[3,2]"]);
  });

  it("reshape: any target with another element count is rejected", () => {
    fc.assert(
      fc.property(fc.array(dimArb, { maxLength: 3 }), fc.array(dimArb, { maxLength: 3 }), (from, to) => {
        const count = (s: number[]): number => s.reduce((a, b) => a * b, 1);
        fc.pre(count(from) !== count(to));
        expectExact(() => gg.reshape(gg.input("x", from), to), `reshape: cannot reshape ${fmt(from)} to ${fmt(to)}: element counts differ`);
      }),
      { numRuns: 30 },
    );
  });

  it("transpose: the permutation must be one of the axes", () => {
    const x = gg.input("x", [2, 3]);
    expectExact(() => gg.transpose(x, [0, 0]), "transpose: [0,0] is not a permutation of the axes of [2,3]");
    expectExact(() => gg.transpose(x, [0]), "transpose: [0] is not a permutation of the axes of [2,3]");
    expectExact(() => gg.transpose(x, [0, 1, 2]), "transpose: axis 2 is out of range for rank 2 (shape [2,3])");
    expectExact(() => prim("transpose", [x], { perm: [1, 2] }), "transpose: [1,2] is not a permutation of the axes of [2,3]");
  });

  it("broadcastTo: numpy rules against the target", () => {
    const x = gg.input("x", [2, 3]);
    expectExact(() => gg.broadcastTo(x, [4, 3]), "broadcast: cannot broadcast [2,3] to [4,3]: axis 0 has 2, target 4");
    expectExact(() => gg.broadcastTo(x, [3]), "broadcast: cannot broadcast [2,3] to [3]: the target has lower rank");
  });

  it("slice: begin and size must fit the shape", () => {
    const x = gg.input("x", [3, 3]);
    expectExact(() => gg.slice(x, [1, 0], [3, 2]), "slice: begin [1,0] size [3,2] do not fit [3,3]: axis 0 out of range");
    expectExact(() => gg.slice(x, [0, 3], [1, 1]), "slice: begin [0,3] size [1,1] do not fit [3,3]: axis 1 out of range");
    expectExact(() => gg.slice(x, [1], [1]), "slice: need one begin and size per axis of [3,3], got [1] and [1]");
    expectMentions(() => gg.slice(x, [-4, 0], [1, 2]), "slice", ["[3,3]", "out of range"]);
    expectExact(
      () => gg.slice(gg.input("s", [null, 3]), [1, 0], [1, 3]),
      "slice: begin [1,0] size [1,3] do not fit [?s.0,3]: axis 0 is symbolic and can only be taken whole",
    );
  });

  it("slice: any window past the end of an axis is rejected", () => {
    fc.assert(
      fc.property(dimArb, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }), (d, b, s) => {
        fc.pre(b + s > d);
        expectExact(() => gg.slice(gg.input("x", [d]), [b], [s]), `slice: begin [${b}] size [${s}] do not fit [${d}]: axis 0 out of range`);
      }),
      { numRuns: 30 },
    );
  });

  it("pad: one non-negative (lo, hi) per axis", () => {
    const x = gg.input("x", [3, 3]);
    expectExact(() => gg.pad(x, [[0, 0], [-1, 0]]), "pad: lo [0,-1] hi [0,0] do not fit [3,3]: padding must be >= 0");
    expectExact(() => gg.pad(x, [[0, 0]]), "pad: lo [0] hi [0] do not fit [3,3]: one lo and hi per axis");
    expectExact(() => gg.pad(gg.input("s", [null]), [[1, 0]]), "pad: lo [1] hi [0] do not fit [?s.0]: axis 0 is symbolic and cannot be padded");
  });

  it("concat: shapes off the axis, ranks, axis and dtypes must agree", () => {
    const x = gg.input("x", [2, 3]);
    expectExact(() => gg.concat([x, gg.input("y", [3, 4])], 1), "concat: shapes differ off the concat axis 1: [2,3], [3,4]");
    expectExact(() => gg.concat([x, gg.input("y", [2, 4])], 0), "concat: shapes differ off the concat axis 0: [2,3], [2,4]");
    expectExact(() => gg.concat([x, gg.input("z", [2])], 0), "concat: operand ranks differ: [2,3], [2]");
    expectExact(() => gg.concat([x, x], 2), "concat: axis 2 is out of range for rank 2 (shape [2,3])");
    expectExact(() => gg.concat([], 0), "concat: needs at least one operand");
    expectExact(() => prim("concat", [x, gg.input("i", [2, 3], "int32")], { axis: 0 }), "concat: operand dtypes differ: float32, int32");
    expectMentions(() => gg.concat([gg.input("s", [null, 3]), gg.input("t", [null, 3])], 0), "concat", ["symbolic axis", "[?s.0,3]", "[?t.0,3]"]);
  });
});

describe("indexing", () => {
  it("gather needs int32 indices and params of rank >= 1", () => {
    const table = gg.input("table", [5, 3]);
    expectExact(() => gg.gather(table, gg.input("f", [2])), "gather: indices must be int32, got float32");
    expectExact(() => gg.gather(table, gg.input("b", [2], "bool")), "gather: indices must be int32, got bool");
    expectExact(() => gg.gather(gg.input("s", []), gg.input("i", [2], "int32")), "gather: params must have rank >= 1, got []");
  });

  it("scatterAdd: updates start with the indices' shape; int32 indices; a positive size", () => {
    const u = gg.input("u", [2, 3]);
    expectExact(() => gg.scatterAdd(u, gg.input("i", [3], "int32"), 5), "scatterAdd: updates [2,3] must start with the indices' shape [3]");
    expectExact(() => gg.scatterAdd(u, gg.input("f", [2]), 5), "scatterAdd: indices must be int32, got float32");
    expectExact(() => gg.scatterAdd(u, gg.input("i", [2], "int32"), 0), "scatterAdd: size must be a positive integer, got 0");
  });
});

describe("sources", () => {
  it("shapes must be integers >= 0 and inputs need names", () => {
    expectExact(() => gg.input("x", [2, -3]), "input: x: bad shape [2,-3]: sizes are integers >= 0");
    expectExact(() => gg.input("", [2]), "input: an input needs a name");
    expectExact(() => gg.fill([2.5], 0), "fill: bad shape [2.5]: sizes are integers >= 0");
  });

  it("a bool constant holds 0 or 1", () => {
    expectExact(() => gg.fill([2], 2, "bool"), "fill: a bool value must be 0 or 1, got 2");
    expectExact(() => prim("literal", [], { shape: [3], dtype: "bool", values: [1, 0, 256] }), "literal: a bool value must be 0 or 1, got 256");
    expect(gg.fill([2], 1, "bool").dtype).toBe("bool");
    // Nested data holds booleans, 0 or 1 (cast converts other numbers: non-zero is true).
    expect(gg.constant([true, 0], "bool").node.attrs).toMatchObject({ values: [1, 0] });
    expectExact(() => gg.constant([2, 0], "bool"), "constant: element 0 is 2: bool takes only 0, 1, true and false");
  });

  it("iota needs an axis of its shape and a numeric dtype", () => {
    expectExact(() => gg.iota([2, 3], 2), "iota: axis 2 is out of range for shape [2,3]");
    expectExact(() => gg.iota([2, 3], 0, "bool"), "iota: dtype must be numeric, got bool");
  });

  it("constants must be rectangular; literals must fill their shape", () => {
    expectExact(() => gg.constant([[1, 2], [3]]), "constant: ragged nested array: element 1 has shape [1], element 0 has [2]");
    expectExact(() => prim("literal", [], { shape: [2, 2], dtype: "float32", values: [1, 2, 3] }), "literal: 3 values do not fill shape [2,2] (4 elements)");
  });

  it("random needs an int32[2] key and a dtype its distribution gives", () => {
    expectExact(() => gg.random.uniform(gg.input("k", [3], "int32"), [2]), "random: the key must be int32[2] (or a batch of keys [..., 2]), got int32[3]");
    expectExact(() => gg.random.uniform(gg.input("k", [2]), [2]), "random: the key must be int32[2] (or a batch of keys [..., 2]), got float32[2]");
    expectExact(() => gg.random.uniform(gg.random.key(0), [2], { dtype: "int32" }), "random: uniform gives float32 or float64, not int32");
  });
});

describe("grad", () => {
  const x = gg.input("x", [3]);

  it("a non-scalar output without a cotangent is rejected with a clear message", () => {
    expectExact(
      () => gg.grad(gg.tanh(x), [x]),
      "grad: the output has shape [3], not a scalar: reduce it (e.g. mean) or pass a cotangent of its shape",
    );
  });

  it("differentiating with respect to an int32 input is rejected, naming it", () => {
    const n = gg.input("n", [3], "int32");
    expectExact(() => gg.grad(gg.sum(gg.cast(n, "float32")), [x, n]), "grad: cannot differentiate with respect to 'n' (argument 1): it is int32, not float");
    expectExact(() => gg.grad(gg.sum(n), [n]), "grad: the output must be float, got int32");
  });

  it("a cotangent of another shape or dtype than the output is rejected", () => {
    expectExact(() => gg.grad(gg.tanh(x), [x], { cotangent: gg.input("c", [2]) }), "grad: the cotangent is float32[2] but the output is float32[3]");
    expectExact(
      () => gg.grad(gg.tanh(x), [x], { cotangent: gg.input("c", [3], "float64") }),
      "grad: the cotangent is float64[3] but the output is float32[3]",
    );
    // The right cotangent is accepted.
    expect(gg.grad(gg.tanh(x), [x], { cotangent: gg.input("c", [3]) })[0]?.shape).toEqual([3]);
  });
});
