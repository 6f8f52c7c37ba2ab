import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emit } from "../../ir/build.js";
import { graphInputs } from "../../ir/graph.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpName } from "../../ir/ops/attrs.js";
import { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { arb, type RandomGraph } from "../../src/testing/index.js";

/** customVjp: the forward is the function's, the gradient the rule's; derived JVPs; batching; the codec. */

type E = gg.Expr;

const ste = gg.customVjp((x: E) => gg.floor(gg.add(x, 0.5)), { vjp: (ct) => [ct] });
const clippedBackward = gg.customVjp((x: E) => gg.tanh(x), { vjp: (ct, { out }) => [gg.mul(gg.maximum(gg.minimum(ct, 1), -1), gg.sub(1, gg.mul(out, out)))] });

async function run(outs: Readonly<Record<string, E>>, feeds: ReadonlyMap<string, Tensor> | gg.Feeds, backend?: gg.Backend | "wasm"): Promise<Record<string, gg.Tensor>> {
  const exe = await gg.compile({ outputs: outs }, backend === undefined ? {} : { backend });
  const names = new Set(graphInputs(exe.graph).map((n) => n.attrs.name));
  const all = feeds instanceof Map ? [...feeds] : Object.entries(feeds);
  return exe.run(Object.fromEntries(all.filter(([k]) => names.has(k))) as gg.Feeds);
}

describe("customVjp", () => {
  it("a straight-through estimator: rounds forward, passes the cotangent straight back", async () => {
    const x = gg.input("x", [4], "float64");
    const c = gg.input("c", [4], "float64");
    const y = ste(x);
    const [g] = gg.grad(gg.sum(gg.mul(y, c)), [x]);
    for (const backend of [undefined, "wasm"] as const) {
      const r = await run({ y, g }, { x: [0.2, 1.7, -0.6, 2.5], c: [1, 2, 3, 4] }, backend);
      expect(Array.from((r.y as gg.Tensor).data)).toEqual([0, 2, -1, 3]);
      expect(Array.from((r.g as gg.Tensor).data)).toEqual([1, 2, 3, 4]);
    }
  });

  it("a clipped backward pass changes the gradient, and its jvp is refused (the rule is not linear in the cotangent)", async () => {
    const x = gg.input("x", [3], "float64");
    const c = gg.input("c", [3], "float64");
    const [g] = gg.grad(gg.sum(gg.mul(clippedBackward(x), c)), [x]);
    const r = await run({ g }, { x: [0, 0.5, -1], c: [0.5, 3, -7] });
    expect(Array.from((r.g as gg.Tensor).data)).toEqual([0.5, 1 - Math.tanh(0.5) ** 2, -(1 - Math.tanh(-1) ** 2)]);
    expect(() => gg.jvp(clippedBackward(x), [x], [c])).toThrow("customVjp: its gradient rule is not linear in the cotangent (it applies minimum to it), so no forward-mode derivative (jvp) can be derived from it");
  });

  it("a customVjp of f with f's own VJP as the rule changes nothing (random graphs, float64)", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph({ outputs: 1 }), async (c: RandomGraph) => {
        const inputs = graphInputs(c.graph);
        const out = c.graph.outputs["out0"] as Node;
        if (out.dtype !== "float64") return;
        const f = (...xs: E[]): E => {
          const map = new Map<Node, Node>(inputs.map((n, i) => [n as Node, (xs[i] as E).node]));
          for (const n of c.graph.nodes) if (!map.has(n)) map.set(n, emit(n.op, n.inputs.map((x) => map.get(x) ?? x), (n as NodeOf<OpName>).attrs));
          return gg.Expr.of(map.get(out) as Node);
        };
        const own = gg.customVjp(f, { vjp: (ct, { args }) => gg.grad(gg.sum(gg.mul(f(...args), ct)), [...args]) });
        const xs = inputs.map((n) => gg.Expr.of(n));
        const u = gg.input("u", out.shape, "float64");
        const plain = gg.grad(gg.sum(gg.mul(f(...xs), u)), xs);
        const custom = gg.grad(gg.sum(gg.mul(own(...xs), u)), xs);
        const feeds = new Map<string, Tensor>(Object.entries(c.feeds));
        feeds.set("u", new Tensor("float64", out.shape as number[], Float64Array.from({ length: (out.shape as number[]).reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i))));
        const r = await run({ ...Object.fromEntries(plain.map((g, i) => [`p${i}`, g])), ...Object.fromEntries(custom.map((g, i) => [`c${i}`, g])) }, feeds);
        plain.forEach((_, i) => expect(Array.from((r[`c${i}`] as gg.Tensor).data), `argument ${i}`).toEqual(Array.from((r[`p${i}`] as gg.Tensor).data)));
      }),
      { numRuns: 30 },
    );
  });

  it("batches: vmap of the function, and the gradient of a vmapped customVjp sums the shared argument's cotangents", async () => {
    const scaled = gg.customVjp((x: E, w: E) => gg.mul(x, w), { vjp: (ct, { args: [x, w] }) => [gg.mul(ct, w as E), gg.mul(ct, x as E)] });
    const xs = gg.input("xs", [3, 2], "float64");
    const w = gg.param("w", [2], "float64");
    const ys = gg.vmap((x: E) => scaled(x, w))(xs);
    const [gw] = gg.grad(gg.sum(ys), [w]);
    const r = await run({ ys, gw }, { xs: [[1, 2], [3, 4], [5, 6]], w: [10, 100] });
    expect(Array.from((r.ys as gg.Tensor).data)).toEqual([10, 200, 30, 400, 50, 600]);
    expect(Array.from((r.gw as gg.Tensor).data)).toEqual([9, 12]);
  });

  it("round-trips through the codec; refuses a function closing over a parameter", async () => {
    const x = gg.input("x", [2], "float64");
    const g = gg.graph({ y: ste(x), d: gg.grad(gg.sum(ste(x)), x) });
    const back = gg.graphFromJsonString(gg.graphToJsonString(g));
    if (back._tag === "Left") throw back.left;
    expect(back.right.outputs["y"]).toBe(g.outputs["y"]);
    const w = gg.param("w", [2], "float64");
    expect(() => gg.customVjp((v: E) => gg.mul(v, w), { vjp: (ct) => [ct] })(x)).toThrow(
      "customVjp: fn or its rule uses param 'w' from outside its arguments: pass it as an argument, so that the rule gives its gradient",
    );
  });
});
