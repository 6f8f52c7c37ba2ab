import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Node, toposort } from "../../ir/node.js";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";

/** Hash-consing (CSE by construction), toposort, and the immutability of nodes. */

describe("hash-consing", () => {
  /** A small model, built from scratch each time it is called. */
  const model = (): gg.Expr => {
    const x = gg.input("x", [null, 4]);
    const w = gg.param("w", [4, 3]);
    const b = gg.param("b", [3]);
    return gg.mean(gg.softmax(gg.add(gg.matmul(x, w), b)), 0);
  };

  it("building the same expression twice gives the identical node and the identical Expr", () => {
    const a = model();
    const b = model();
    expect(b).toBe(a);
    expect(b.node).toBe(a.node);
    // The gradients of identical expressions are identical too.
    const w = gg.param("w", [4, 3]);
    const [ga] = gg.grad(gg.sum(a), [w]);
    const [gb] = gg.grad(gg.sum(model()), [w]);
    expect(gb).toBe(ga);
  });

  it("merges common subexpressions inside one expression", () => {
    const x = gg.input("x", [3]);
    const y = gg.add(gg.exp(x), gg.exp(x));
    const [l, r] = y.node.inputs as [Node, Node];
    expect(l).toBe(r);
    expect(toposort([y.node]).filter((n) => n.op === "exp")).toHaveLength(1);
  });

  it("random expression trees, built twice, give the same nodes", () => {
    type Step = { op: "add" | "mul" | "sub" | "tanh" | "sum" | "scale"; i: number; j: number; c: number };
    const stepArb: fc.Arbitrary<Step> = fc.record({
      op: fc.constantFrom("add", "mul", "sub", "tanh", "sum", "scale"),
      i: fc.nat(),
      j: fc.nat(),
      c: fc.double({ noDefaultInfinity: true }),
    });
    const build = (steps: readonly Step[]): gg.Expr[] => {
      const pool: gg.Expr[] = [gg.input("a", [2, 3]), gg.input("b", [3])];
      for (const s of steps) {
        const x = pool[s.i % pool.length] as gg.Expr;
        const y = pool[s.j % pool.length] as gg.Expr;
        switch (s.op) {
          case "add":
            pool.push(gg.add(x, y));
            break;
          case "mul":
            pool.push(gg.mul(x, y));
            break;
          case "sub":
            pool.push(gg.sub(x, y));
            break;
          case "tanh":
            pool.push(gg.tanh(x));
            break;
          case "sum":
            pool.push(gg.sum(x, -1, true));
            break;
          case "scale":
            pool.push(gg.mul(x, s.c));
            break;
        }
      }
      return pool;
    };
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 12 }), (steps) => {
        const first = build(steps);
        const second = build(steps);
        first.forEach((e, k) => expect(second[k]).toBe(e));
      }),
      { numRuns: 50 },
    );
  });

  it("different attributes give different nodes: 0 vs -0, NaN vs a number, axes, keepdims, dtypes", () => {
    const zero = gg.fill([2], 0);
    expect(gg.fill([2], -0).node).not.toBe(zero.node);
    expect(gg.fill([2], Number.NaN).node).not.toBe(zero.node);
    expect(gg.fill([2], Number.NaN).node).toBe(gg.fill([2], Number.NaN).node); // NaN attributes are equal to themselves
    expect(gg.fill([2], Infinity).node).not.toBe(gg.fill([2], -Infinity).node);
    expect(gg.fill([2], 0, "float64").node).not.toBe(zero.node);
    expect(gg.fill([3], 0).node).not.toBe(zero.node);
    expect(gg.constant([0, -0]).node).not.toBe(gg.constant([0, 0]).node);
    expect(gg.constant([Number.NaN]).node).not.toBe(gg.constant([0]).node);

    const x = gg.input("x", [2, 3]);
    expect(gg.sum(x, 0).node).not.toBe(gg.sum(x, 1).node);
    expect(gg.sum(x, 0, true).node).not.toBe(gg.sum(x, 0, false).node);
    expect(gg.sum(x, [0, 1]).node).not.toBe(gg.sum(x, [1, 0]).node); // attributes are compared as given
    expect(gg.cast(x, "int32").node).not.toBe(gg.cast(x, "float64").node);
    expect(gg.input("x", [2, 3], "float64").node).not.toBe(x.node);
    expect(gg.param("x", [2, 3]).node).not.toBe(x.node);
  });

  it("different operands, or operands in another order, give different nodes", () => {
    const a = gg.input("a", [3]);
    const b = gg.input("b", [3]);
    expect(gg.sub(a, b).node).not.toBe(gg.sub(b, a).node);
    expect(gg.add(a, b).node).not.toBe(gg.add(a, a).node);
  });

  it("attribute objects with the same content in another key order are the same node", () => {
    const x = gg.input("x", [2, 3]);
    const p = prim("reduceSum", [x], { axes: [1], keepdims: true });
    const q = prim("reduceSum", [x], { keepdims: true, axes: [1] });
    expect(q).toBe(p);
  });

  it("inputs get ids smaller than their users", () => {
    const x = gg.input("x", [3]);
    const y = gg.tanh(gg.mul(x, gg.exp(x)));
    for (const n of toposort([y.node])) for (const i of n.inputs) expect(i.id).toBeLessThan(n.id);
  });
});

describe("toposort", () => {
  it("orders every input before its users, lists each reachable node once and nothing else", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 30 }), fc.nat(), (steps, pick) => {
        const pool: Node[] = [gg.input("p", [2]).node, gg.input("q", [2]).node];
        for (const [i, j, binary] of steps) {
          const a = pool[i % pool.length] as Node;
          const b = pool[j % pool.length] as Node;
          pool.push(binary ? prim("mul", [exprOf(a), exprOf(b)], {}).node : prim("neg", [exprOf(a)], {}).node);
        }
        const roots = [pool[pool.length - 1] as Node, pool[pick % pool.length] as Node];
        const order = toposort(roots);
        const position = new Map(order.map((n, k) => [n, k]));
        expect(position.size).toBe(order.length);
        for (const n of order) for (const x of n.inputs) expect(position.get(x)).toBeLessThan(position.get(n) as number);
        // Exactly the nodes reachable from the roots (computed naively).
        const reach = new Set<Node>();
        const visit = (n: Node): void => {
          if (reach.has(n)) return;
          reach.add(n);
          n.inputs.forEach(visit);
        };
        roots.forEach(visit);
        expect(new Set(order)).toEqual(reach);
      }),
      { numRuns: 50 },
    );
  });

  it("handles a chain of 100k nodes without overflowing the stack, and the chain compiles and runs", async () => {
    const depth = 100_000;
    const x = gg.input("x", [], "float64");
    let y = x;
    for (let i = 0; i < depth; i++) y = gg.neg(y);
    const order = toposort([y.node]);
    expect(order).toHaveLength(depth + 1);
    expect(order[0]).toBe(x.node);
    expect(order[depth]).toBe(y.node);
    let misplaced = 0;
    for (let k = 1; k <= depth; k++) if ((order[k] as Node).inputs[0] !== order[k - 1]) misplaced++;
    expect(misplaced).toBe(0);
    // The whole pipeline (verify, DCE, plan, run) on the deep graph: an even number of negations is the identity.
    const out = await gg.evaluate(y, { x: 1.5 });
    expect(out.item()).toBe(1.5);
  });
});

describe("immutability", () => {
  it("nodes, their operand lists, shapes and attributes are frozen", () => {
    const x = gg.input("x", [2, 3]);
    const s = gg.sum(x, [1], true);
    const n = s.node;
    expect(Object.isFrozen(n)).toBe(true);
    expect(Object.isFrozen(n.inputs)).toBe(true);
    expect(Object.isFrozen(n.shape)).toBe(true);
    expect(Object.isFrozen(n.attrs)).toBe(true);
    if (n.op !== "reduceSum") throw new Error("expected a reduceSum node");
    expect(Object.isFrozen(n.attrs.axes)).toBe(true);
    // ES modules are strict: writing to a frozen object throws.
    expect(() => Object.assign(n, { op: "neg" })).toThrow(TypeError);
    expect(() => (n.shape as number[]).push(1)).toThrow(TypeError);
    expect(() => (n.attrs.axes as number[]).push(0)).toThrow(TypeError);
    expect(n.shape).toEqual([2, 1]);
  });

  it("building a node does not freeze or keep the caller's arrays", () => {
    const shape = [2, 3];
    const z = gg.zeros(shape);
    const axes = [0];
    const s = prim("reduceSum", [gg.input("x", [2, 3])], { axes, keepdims: false });
    expect(Object.isFrozen(shape)).toBe(false);
    expect(Object.isFrozen(axes)).toBe(false);
    shape.push(4);
    axes[0] = 1;
    expect(z.shape).toEqual([2, 3]);
    expect(z.node.attrs).toMatchObject({ shape: [2, 3] });
    expect(s.node.attrs).toMatchObject({ axes: [0] });
    expect(s.shape).toEqual([3]);
  });
});

function exprOf(n: Node): gg.Expr {
  return gg.Expr.of(n);
}
