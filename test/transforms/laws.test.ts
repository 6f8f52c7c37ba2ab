import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emit } from "../../ir/build.js";
import { isFloat } from "../../ir/dtype.js";
import { graphInputs } from "../../ir/graph.js";
import { type Node, type NodeOf, toposort } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { arb, type RandomGraph } from "../../src/testing/index.js";

/**
 * The laws of the transforms on random whole programs (float64, JS backend):
 * - forward and reverse mode agree: ⟨jvp(f; t), u⟩ = ⟨t, vjp(f; u)⟩ (the dot-product test);
 * - batching is per-example computation: vmap(f)(xs)[i] = f(xs[i]), exactly;
 * - batching does not unroll: the batched graph has at most 2× the nodes of the unbatched one
 *   plus a constant, whatever the batch size.
 */

const RUNS = { numRuns: 40 };

/** The graph's outputs rebuilt on other leaves (a function of its inputs, applied to `args`). */
function applyGraph(c: RandomGraph, args: ReadonlyMap<string, Node>): Record<string, Node> {
  const map = new Map<Node, Node>();
  for (const n of c.graph.nodes) {
    if (n.op === "input") {
      map.set(n, args.get(n.attrs.name) ?? n);
      continue;
    }
    map.set(n, emit(n.op, n.inputs.map((x) => map.get(x) ?? x), (n as NodeOf<OpName>).attrs));
  }
  return Object.fromEntries(Object.entries(c.graph.outputs).map(([k, n]) => [k, map.get(n) ?? n]));
}

/** Feeds for exactly the inputs a compiled graph still has. */
async function run(outputs: Readonly<Record<string, gg.Expr>>, feeds: ReadonlyMap<string, Tensor>): Promise<Record<string, Tensor>> {
  const exe = await gg.compile({ outputs });
  const names = new Set(graphInputs(exe.graph).map((n) => n.attrs.name));
  return exe.run(Object.fromEntries([...feeds].filter(([k]) => names.has(k))));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((acc, v, i) => acc + v * (b[i] as number), 0);
const absDot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((acc, v, i) => acc + Math.abs(v * (b[i] as number)), 0);
const direction = (n: number, seed: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.cos(0.9 + 1.7 * i + seed));

/** A nonzero number below float64's smallest normal (2⁻¹⁰²²): its rounding is absolute (2⁻¹⁰⁷⁴), not relative. */
const subnormal = (v: number): boolean => v !== 0 && Math.abs(v) < 2 ** -1022;

/**
 * Whether a constant or a feed of the graph is subnormal: a derivative may then magnify the
 * absolute rounding of the subnormal arithmetic (e.g. 1/(2·sqrt(5e-324))) past any relative
 * tolerance, so the two modes' orders of the same products need not agree to float64 rounding.
 */
function hasSubnormals(c: RandomGraph): boolean {
  const constants = c.graph.nodes.flatMap((n) => (n.op === "fill" ? [n.attrs.value] : n.op === "literal" ? [...n.attrs.values] : []));
  return constants.some(subnormal) || Object.values(c.feeds).some((t) => Array.from(t.data as ArrayLike<number>).some(subnormal));
}

describe("transform laws on random graphs", () => {
  it("⟨jvp(f; t), u⟩ = ⟨t, vjp(f; u)⟩ for every output (float64)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph(), async (c) => {
        if (hasSubnormals(c)) return;
        const xs = graphInputs(c.graph).map((n) => gg.Expr.of(n));
        for (const [name, out] of Object.entries(c.graph.outputs)) {
          if (!isFloat(out.dtype)) continue;
          const y = gg.Expr.of(out);
          const ts = xs.map((x, i) => gg.input(`t${i}`, x.shape, "float64"));
          const u = gg.input("u", y.shape, "float64");
          const jt = gg.jvp(y, xs, ts);
          const gs = gg.grad(gg.sum(gg.mul(y, u)), xs);
          const tv = xs.map((x, i) => direction(x.shape.reduce<number>((a, d) => a * (d as number), 1), i));
          const uv = direction(y.shape.reduce<number>((a, d) => a * (d as number), 1), 11);
          const feeds = new Map<string, Tensor>(Object.entries(c.feeds));
          xs.forEach((x, i) => feeds.set(`t${i}`, new Tensor("float64", x.shape as number[], tv[i] as Float64Array)));
          feeds.set("u", new Tensor("float64", y.shape as number[], uv));
          const r = await run({ jt, ...Object.fromEntries(gs.map((g, i) => [`g${i}`, g])) }, feeds);
          const jtv = (r["jt"] as Tensor).data;
          const lhs = dot(jtv, uv);
          const rhs = gs.reduce((acc, _g, i) => acc + dot(tv[i] as Float64Array, (r[`g${i}`] as Tensor).data), 0);
          const scale = absDot(jtv, uv) + gs.reduce((acc, _g, i) => acc + absDot(tv[i] as Float64Array, (r[`g${i}`] as Tensor).data), 0);
          // Exact to float64 rounding; to float32 rounding where a cast through float32 is on the way.
          const f32 = toposort([out]).some((n) => n.dtype === "float32");
          const tol = f32 ? 2 ** -21 : 1e-12;
          // At a singular point (the derivative of sqrt, log or a division at a pole, which the
          // feeds can hit: zeros are common) the derivative does not exist: either side may be NaN,
          // infinite or astronomically large, depending on the order of the products. Skipped.
          if (!(Math.abs(lhs) < 1e100) || !(Math.abs(rhs) < 1e100)) continue;
          // (plus a tiny absolute floor: float32 has no values below 1.4e-45, float64 none below 4.9e-324).
          if (!(Math.abs(lhs - rhs) <= tol * scale + (f32 ? 1e-40 : 1e-300))) throw new Error(`output ${name}: ⟨jvp, u⟩ = ${lhs}, ⟨t, vjp⟩ = ${rhs}`);
        }
      }),
      RUNS,
    );
  });

  it("vmap(f)(xs)[i] = f(xs[i]) exactly, and the batched graph has at most 2× the nodes plus a constant", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph(), fc.integer({ min: 1, max: 4 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), async (c, size, batchedFlags) => {
        const inputs = graphInputs(c.graph);
        const batched = inputs.map((_, i) => batchedFlags[i] ?? true);
        if (!batched.some(Boolean)) batched[0] = true;
        const example = (t: Tensor, b: number): Tensor => new Tensor("float64", t.shape, Float64Array.from(t.data, (v, j) => v + 0.125 * b * Math.sin(j + 1)));
        const feeds = new Map<string, Tensor>();
        const args = inputs.map((n, i) => {
          const t = c.feeds[n.attrs.name] as Tensor;
          if (batched[i] !== true) return gg.Expr.of(n);
          const stacked = Float64Array.from({ length: size * t.size }, (_, k) => example(t, Math.floor(k / t.size)).data[k % t.size] as number);
          feeds.set(`b_${n.attrs.name}`, new Tensor("float64", [size, ...t.shape], stacked));
          return gg.input(`b_${n.attrs.name}`, [size, ...t.shape], "float64");
        });
        for (const [name, t] of Object.entries(c.feeds)) if (!batched[inputs.findIndex((n) => n.attrs.name === name)]) feeds.set(name, t);
        const names = inputs.map((n) => n.attrs.name);
        const f = (...xs: gg.Expr[]): Record<string, gg.Expr> => {
          const out = applyGraph(c, new Map(names.map((nm, i) => [nm, (xs[i] as gg.Expr).node])));
          return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, gg.Expr.of(v)]));
        };
        const vy = gg.vmap(f, { inAxes: batched.map((b) => (b ? 0 : null)) })(...args);
        const got = await run(vy, feeds);
        for (let b = 0; b < size; b++) {
          const per = new Map<string, Tensor>(Object.entries(c.feeds));
          inputs.forEach((n, i) => batched[i] === true && per.set(n.attrs.name, example(c.feeds[n.attrs.name] as Tensor, b)));
          const want = await run(Object.fromEntries(Object.entries(c.graph.outputs).map(([k, v]) => [k, gg.Expr.of(v)])), per);
          for (const k of Object.keys(want)) {
            const g = got[k] as Tensor;
            const w = want[k] as Tensor;
            const n = w.size;
            expect(Array.from(g.data.slice(b * n, (b + 1) * n)), `output ${k}, batch element ${b}`).toEqual(Array.from(w.data));
          }
        }
        // No unrolling: node counts of the graphs as built (before any optimization).
        const count = (outs: Readonly<Record<string, gg.Expr>>): number => toposort(Object.values(outs).map((e) => e.node)).length;
        const plain = count(Object.fromEntries(Object.entries(c.graph.outputs).map(([k, v]) => [k, gg.Expr.of(v)])));
        expect(count(vy)).toBeLessThanOrEqual(2 * plain + 8);
      }),
      RUNS,
    );
  });
});
