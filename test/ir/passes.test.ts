import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { emit } from "../../ir/build.js";
import type { Graph, Pass } from "../../ir/graph.js";
import { graphInputs, graphOf, rebuild } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import { dce } from "../../ir/passes/dce.js";
import { fold } from "../../ir/passes/fold.js";
import { DEFAULT_PASSES, runPasses, sameGraph } from "../../ir/passes/optimize.js";
import { simplify } from "../../ir/passes/simplify.js";
import { verify } from "../../ir/passes/verify.js";
import type { Tensor } from "../../ir/tensor.js";
import { arb, type RandomGraph } from "../../src/testing/index.js";

/**
 * Every pass preserves values on random graphs and feeds, and is idempotent.
 *
 * Exactness: verify, fold and DCE preserve every value bit for bit (Object.is: signed zeros
 * included; folding computes exactly what the backend computes, and no pass reassociates
 * anything). Simplify and the default pipeline preserve values exactly up to the sign of zero:
 * x+0 → x and 0−x → −x may turn −0 into +0 or back, and x·0 → +0 drops the sign of −3·0. (The
 * random graphs keep every value finite and divisors away from zero, so a signed zero never
 * becomes a different non-zero value, and x·0 → 0 is exact there.)
 */

const PASSES: readonly (readonly [string, Pass, "bitwise" | "up to the sign of zero"])[] = [
  ["verify", verify, "bitwise"],
  ["fold", fold, "bitwise"],
  ["dce", dce, "bitwise"],
  ["simplify", simplify, "up to the sign of zero"],
  ["the default pipeline", (g) => runPasses(g, DEFAULT_PASSES), "up to the sign of zero"],
];

function mustRun(g: Graph, passes: readonly Pass[]): Graph {
  const r = runPasses(g, passes);
  if (r._tag === "Left") throw r.left;
  return r.right;
}

async function execute(g: Graph, feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  return (await js().compile(g)).run(new Map(Object.entries(feeds)));
}

/** Compares two runs output by output: dtype, shape, and every element (Object.is, or === which equates ±0). */
function expectSameOutputs(want: Record<string, Tensor>, got: Record<string, Tensor>, exactness: string): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  const same = exactness === "bitwise" ? Object.is : (a: number, b: number) => a === b || (a !== a && b !== b);
  for (const [name, w] of Object.entries(want)) {
    const g = got[name] as Tensor;
    expect(g.dtype, name).toBe(w.dtype);
    expect(g.shape, name).toEqual(w.shape);
    const bad = Array.from(w.data).findIndex((v, i) => !same(v, g.data[i] as number));
    if (bad >= 0) expect.fail(`output ${name}, element ${bad}: ${g.data[bad]} instead of ${w.data[bad]} (${exactness})`);
  }
}

/** The graph with every input replaced by a literal of its feed: a graph of constants only. */
function constantVersion(c: RandomGraph): Graph {
  return rebuild(c.graph, (n, inputs) => {
    if (n.op !== "input") return inputs.every((x, i) => x === n.inputs[i]) ? n : emit(n.op, inputs, (n as NodeOf<OpName>).attrs);
    const t = c.feeds[n.attrs.name] as Tensor;
    return emit("literal", [], { shape: t.shape, dtype: t.dtype, values: Array.from(t.data) });
  });
}

/**
 * Ops whose value fold leaves to run time (and everything depending on them): inputs, random,
 * gather and scatterAdd by design; conv, reverse, scan and customVjp are not folded either.
 */
const UNFOLDABLE = new Set(["input", "random", "gather", "scatterAdd", "conv", "reverse", "scan", "customVjp"]);

function dependsOnUnfoldable(n: Node, memo = new Map<Node, boolean>()): boolean {
  const hit = memo.get(n);
  if (hit !== undefined) return hit;
  const r = UNFOLDABLE.has(n.op) || n.inputs.some((x) => dependsOnUnfoldable(x, memo));
  memo.set(n, r);
  return r;
}

describe("passes on random graphs", () => {
  for (const [name, pass, exactness] of PASSES) {
    it(`${name} preserves every output's value (${exactness})`, async () => {
      await fc.assert(
        fc.asyncProperty(arb.graph(), async (c) => {
          const optimized = mustRun(c.graph, [pass]);
          expectSameOutputs(await execute(c.graph, c.feeds), await execute(optimized, c.feeds), exactness);
        }),
        { numRuns: 100 },
      );
    });

    it(`${name} is idempotent and gives a graph verify accepts, with the same inputs`, () => {
      fc.assert(
        fc.property(arb.graph(), (c) => {
          const once = mustRun(c.graph, [pass]);
          expect(sameGraph(mustRun(once, [pass]), once)).toBe(true);
          expect(verify(once)._tag).toBe("Right");
          expect(graphInputs(once).map((n) => n.attrs.name).sort()).toEqual(Object.keys(c.feeds).sort());
        }),
        { numRuns: 100 },
      );
    });
  }

  it("fold turns a graph of constants into constants, bit for bit as the backend computes them", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph(), async (c) => {
        const g = constantVersion(c);
        const folded = mustRun(g, [fold]);
        for (const [name, n] of Object.entries(folded.outputs)) {
          if (!dependsOnUnfoldable(n)) expect(["fill", "literal", "iota"], `${name} = ${n.op}`).toContain(n.op);
        }
        expectSameOutputs(await execute(g, {}), await execute(folded, {}), "bitwise");
      }),
      { numRuns: 100 },
    );
  });

  it("the default pipeline reaches a fixed point: fold and simplify find nothing more to do", () => {
    fc.assert(
      fc.property(arb.graph(), (c) => {
        const out = mustRun(c.graph, DEFAULT_PASSES);
        expect(sameGraph(mustRun(out, [fold]), out)).toBe(true);
        expect(sameGraph(mustRun(out, [simplify]), out)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("the random graphs give every pass work (the properties above are not vacuous)", () => {
    const cases = fc.sample(arb.graph(), { numRuns: 200, seed: 2024 });
    const changed = (pass: Pass): number =>
      cases.filter((c) => !sameGraph(mustRun(c.graph, [pass]), mustRun(c.graph, [dce]))).length;
    const dropped = cases.filter((c) => mustRun(c.graph, [dce]).nodes.length < c.graph.nodes.length).length;
    expect(changed(fold)).toBeGreaterThan(20);
    expect(changed(simplify)).toBeGreaterThan(60);
    expect(dropped).toBeGreaterThan(60);
  });
});

describe("verify rejects malformed graphs", () => {
  const x = emit("input", [], { name: "x", shape: [2, 3], dtype: "float64", kind: "input" });

  it("names the op whose recorded shape its rule does not give", () => {
    const bad = { id: 1e9, op: "exp", inputs: [x], attrs: {}, shape: [3, 2], dtype: "float64", key: "exp(bogus)" } as unknown as Node;
    const r = verify({ outputs: { y: bad }, nodes: [x, bad] });
    expect(r._tag).toBe("Left");
    if (r._tag === "Left") {
      expect(r.left.where).toMatch(/^exp/);
      expect(r.left.message).toContain("recorded as float64[3,2] but its rule gives float64[2,3]");
    }
  });

  it("names an input whose name two different input nodes share", () => {
    const other = emit("input", [], { name: "x", shape: [4], dtype: "float64", kind: "param" });
    const r = verify(graphOf({ a: emit("neg", [x], {}), b: emit("neg", [other], {}) }));
    expect(r._tag).toBe("Left");
    if (r._tag === "Left") expect(r.left.message).toMatch(/input 'x'.*two different inputs/);
  });

  it("rejects nodes out of topological order and outputs that are not in the graph", () => {
    const y = emit("exp", [x], {});
    const unordered = verify({ outputs: { y }, nodes: [y, x] });
    expect(unordered._tag === "Left" && unordered.left.message).toMatch(/^exp .*not before it/);
    const missing = verify({ outputs: { y }, nodes: [x] });
    expect(missing._tag === "Left" && missing.left.message).toMatch(/output 'y'/);
  });

  it("stops the default pipeline with its Left", () => {
    const bad = { id: 1e9 + 1, op: "neg", inputs: [x], attrs: {}, shape: [2, 3], dtype: "float32", key: "neg(bogus)" } as unknown as Node;
    const r = runPasses({ outputs: { y: bad }, nodes: [x, bad] });
    expect(r._tag === "Left" && r.left.where).toMatch(/^neg/);
  });
});
