import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toposort } from "../../ir/node.js";
import { OP_NAMES, type OpName } from "../../ir/ops/attrs.js";
import { subgraphNodes } from "../../ir/subgraph.js";
import * as gg from "../../src/index.js";
import { GRAPH_OPS } from "../../src/testing/arb/graph-ops.js";
import { arb, GENERATED_OPS, sizeOf } from "../../src/testing/index.js";

/** The ops of a graph's nodes, those inside scan and customVjp bodies excluded. */
const opsOf = (g: gg.Graph): Set<string> => new Set(toposort([...g.nodes, ...Object.values(g.outputs)]).map((n) => n.op));

describe("arb.shape, arb.broadcastPair, arb.broadcastShapes", () => {
  it("shapes keep to the ranks and sizes asked for", () => {
    fc.assert(
      fc.property(arb.shape({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 5 }), (s) => {
        expect(s.length >= 1 && s.length <= 2).toBe(true);
        expect(s.every((d) => d >= 2 && d <= 5)).toBe(true);
      }),
    );
  });

  it("broadcast shapes broadcast together (numpy's rule: trailing axes equal or 1)", () => {
    fc.assert(
      fc.property(fc.oneof(arb.broadcastPair(), arb.broadcastShapes(3, { maxRank: 4 })), (shapes) => {
        const rank = Math.max(...shapes.map((s) => s.length));
        for (let i = 1; i <= rank; i++) {
          const sizes = new Set(shapes.map((s) => s[s.length - i] ?? 1).filter((d) => d !== 1));
          expect(sizes.size).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe("arb.tensor, arb.values, arb.key", () => {
  it("tensors have the dtype, shape and range asked for", () => {
    fc.assert(
      fc.property(arb.tensor({ dtype: "float32", shape: [2, 3], min: -1, max: 0.5, awayFromZero: 0.1 }), (t) => {
        expect([t.dtype, [...t.shape]]).toEqual(["float32", [2, 3]]);
        expect([...t.data].every((v) => v >= -1 && v <= 0.5 && Math.abs(v) >= 0.1 && Math.fround(v) === v)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(arb.tensor({ dtype: "int32", min: -3, max: 3 }), arb.tensor({ dtype: "bool", shape: arb.shape({ minRank: 1 }) }), (i, b) => {
        expect([...i.data].every((v) => Number.isInteger(v) && v >= -3 && v <= 3)).toBe(true);
        expect([...b.data].every((v) => v === 0 || v === 1)).toBe(true);
        expect(b.size).toBe(sizeOf(b.shape));
      }),
    );
  });

  it("finite: false mixes in NaN, ±Infinity and −0; the default never does", () => {
    const special = (v: number): boolean => !Number.isFinite(v) || Object.is(v, -0);
    const drawn = fc.sample(arb.values(20, { finite: false }), { numRuns: 50, seed: 7 }).flat();
    for (const s of [Number.NaN, Infinity, -Infinity, -0]) expect(drawn.some((v) => Object.is(v, s))).toBe(true);
    expect(fc.sample(arb.values(20), { numRuns: 50, seed: 7 }).flat().every((v) => Number.isFinite(v))).toBe(true);
    expect(drawn.filter(special).length).toBeLessThan(drawn.length / 2);
  });

  it("distinct values are pairwise apart within [min, max]; awayFromIntegers keeps off the integers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }).chain((n) => arb.values(n, { min: -n / 4, max: n / 4 + 0.1, distinct: 0.15 })), (vs) => {
        const sorted = [...vs].sort((a, b) => a - b);
        expect(sorted.every((v, i) => i === 0 || v - (sorted[i - 1] as number) >= 0.15)).toBe(true);
        expect(vs.every((v) => v >= -vs.length / 4 && v <= vs.length / 4 + 0.1)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(arb.tensor({ dtype: "float32", shape: [5], min: -3, max: 3, distinct: 1.4 }), arb.values(30, { min: -3, max: 3, awayFromIntegers: 0.05 }), (t, vs) => {
        const sorted = [...t.data].sort((a, b) => a - b);
        expect(sorted.every((v, i) => i === 0 || v - (sorted[i - 1] as number) >= 1.4) && sorted.every((v) => Math.fround(v) === v)).toBe(true);
        expect(vs.every((v) => Math.abs(v - Math.round(v)) >= 0.05)).toBe(true);
      }),
    );
    expect(() => arb.values(5, { min: 0, max: 1, distinct: 0.3 })).toThrow(/5 values 0.3 apart need a range of 1.2/);
    expect(() => arb.values(2, { distinct: 0.1, awayFromZero: 0.1 })).toThrow(/distinct cannot be combined/);
    expect(() => arb.values(2, { dtype: "int32", distinct: 1 })).toThrow(/distinct needs a float dtype, got int32/);
    expect(() => arb.values(2, { awayFromIntegers: 0.5 })).toThrow(/awayFromIntegers must be in \[0, 0.5\), got 0.5/);
    expect(() => arb.values(2, { min: 0.95, max: 1.05, awayFromIntegers: 0.1 })).toThrow(/no value of \[0.95, 1.05\] is 0.1 away from every integer/);
  });

  it("axes are subsets of 0..rank−1 in any order; permutations hold each of 0..n−1 once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }).chain((r) => fc.tuple(fc.constant(r), arb.axes(r), arb.permutation(r))), ([r, axes, perm]) => {
        expect(new Set(axes).size).toBe(axes.length);
        expect(axes.every((a) => Number.isInteger(a) && a >= 0 && a < r)).toBe(true);
        expect([...perm].sort()).toEqual([...Array(r).keys()]);
      }),
    );
    const orders = new Set(fc.sample(arb.axes(3), { numRuns: 200, seed: 2 }).map((a) => a.join(",")));
    expect(orders.has("2,0") && orders.has("0,2") && orders.has("")).toBe(true);
  });

  it("keys are int32[2] expressions of gg.random.key", async () => {
    const [k] = fc.sample(arb.key(), { numRuns: 1, seed: 3 }) as [gg.Expr];
    expect([k.dtype, [...k.shape]]).toEqual(["int32", [2]]);
    const u = await gg.evaluate(gg.random.uniform(k, [3]));
    expect([...u.data].every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe("arb.graph", () => {
  it("has an entry for every primitive: a generator, or why it is not generated", () => {
    expect(Object.keys(GRAPH_OPS).sort()).toEqual([...OP_NAMES].sort());
    for (const op of OP_NAMES) if (!GENERATED_OPS.includes(op)) expect(GRAPH_OPS[op]).toMatch(/^not generated: .{10,}/);
    expect(GENERATED_OPS.length).toBeGreaterThanOrEqual(OP_NAMES.length - 1);
  });

  it("draws every generated primitive (200 graphs), with scan and customVjp bodies among them", () => {
    const seen = new Set<string>();
    for (const c of fc.sample(arb.graph(), { numRuns: 200, seed: 11 })) for (const op of opsOf(c.graph)) seen.add(op);
    expect(GENERATED_OPS.filter((op) => !seen.has(op))).toEqual([]);
  });

  it("every output is finite on the JS backend, and the feeds match the inputs", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph(), async (c) => {
        const r = await (await gg.compile({ outputs: c.outputs })).run(c.feeds);
        for (const [k, t] of Object.entries(r)) expect([...t.data].every(Number.isFinite), k).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("ops restricts the primitives drawn (adapters aside); dtypes restricts every node's dtype", async () => {
    const adapters = new Set(["input", "fill", "reshape", "reduceSum", "abs", "add", "tanh", "broadcast"]);
    fc.assert(
      fc.property(arb.graph({ ops: ["matmul", "exp"], size: 6 }), (c) => {
        for (const op of opsOf(c.graph)) expect(["matmul", "exp", ...adapters]).toContain(op);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(arb.graph({ dtypes: ["float32"] }), (c) => {
        const nodes = toposort(Object.values(c.graph.outputs));
        const inner = nodes.flatMap((n) => (n.op === "scan" ? subgraphNodes(n.attrs.body) : n.op === "customVjp" ? [...subgraphNodes(n.attrs.fwd), ...subgraphNodes(n.attrs.bwd)] : []));
        for (const n of [...nodes, ...inner]) expect(n.dtype, n.op).toBe("float32");
        expect(Object.values(c.feeds).every((t) => t.dtype === "float32")).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses what it cannot generate, naming the op or the field", () => {
    expect(() => arb.graph({ ops: ["input"] })).toThrow(/'input' in ops is not generated: as a step/);
    expect(() => arb.graph({ ops: ["conv2d" as OpName] })).toThrow(/'conv2d' in ops is not a primitive/);
    expect(() => arb.graph({ ops: ["gather"], dtypes: ["float64"] })).toThrow(/'gather' in ops needs a dtype that dtypes leaves out/);
    expect(() => arb.graph({ dtypes: ["int32"] })).toThrow(/dtypes must include float32 or float64/);
    expect(() => arb.graph({ size: 0 })).toThrow(/size must be an integer >= 1, got 0/);
  });

  it("prints a counterexample as the graph's listing and its feeds", () => {
    const [c] = fc.sample(arb.graph({ size: 3 }), { numRuns: 1, seed: 5 });
    expect(fc.stringify(c)).toMatch(/^\{ lambda x0:f64\[[\d,]*\][\s\S]*\n\s+in \(out0=[\s\S]*\nfeeds x0=\[/);
  });
});
