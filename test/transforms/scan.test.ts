import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb } from "../../src/testing/index.js";

/**
 * scan: the loop equals its unrolled form (forward bit for bit on the JS backend, gradients to
 * float64 rounding), every backend runs it without unrolling the graph, and it keeps its meaning
 * through the codec.
 */

type E = gg.Expr;

interface Rnn {
  readonly T: number;
  readonly n: number;
  readonly reverse: boolean;
  readonly w: number[];
  readonly u: number[];
  readonly h0: number[];
  readonly xs: number[];
}

const rnnArb: fc.Arbitrary<Rnn> = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([T, n, reverse]) =>
  fc.record({ T: fc.constant(T), n: fc.constant(n), reverse: fc.constant(reverse), w: arb.values(n * n, { min: -1, max: 1 }), u: arb.values(n, { min: -1, max: 1 }), h0: arb.values(n), xs: arb.values(T * n) }),
);

/** One step of an Elman RNN with a second, scalar carry: (h, s), x -> (tanh(h·W + x·u), s + Σh·x), y = h·x. */
function step(w: E, u: E, n: number): (carry: { h: E; s: E }, x: E) => readonly [{ h: E; s: E }, E] {
  return ({ h, s }, x) => {
    const h2 = gg.tanh(gg.add(gg.reshape(gg.matmul(gg.reshape(h, [1, n]), w), [n]), gg.mul(x, u)));
    return [{ h: h2, s: gg.add(s, gg.sum(gg.mul(h, x))) }, gg.mul(h2, x)] as const;
  };
}

/** The model, by scan or unrolled by hand: (final h, final s, ys). */
function model(c: Rnn, byScan: boolean, dtype: "float64" | "float32" = "float64"): { w: E; u: E; h0: E; xs: E; hT: E; sT: E; ys: E } {
  const w = gg.param("w", [c.n, c.n], dtype);
  const u = gg.param("u", [c.n], dtype);
  const h0 = gg.input("h0", [c.n], dtype);
  const xs = gg.input("xs", [c.T, c.n], dtype);
  const f = step(w, u, c.n);
  const init = { h: h0, s: gg.scalar(0, dtype) };
  if (byScan) {
    const [last, ys] = gg.scan(f, init, xs, { reverse: c.reverse });
    return { w, u, h0, xs, hT: last.h, sT: last.s, ys };
  }
  let carry = init;
  const ys = new Array<E>(c.T);
  for (let s = 0; s < c.T; s++) {
    const t = c.reverse ? c.T - 1 - s : s;
    const [next, y] = f(carry, gg.reshape(gg.slice(xs, [t, 0], [1, c.n]), [c.n]));
    carry = next;
    ys[t] = y;
  }
  return { w, u, h0, xs, hT: carry.h, sT: carry.s, ys: c.T === 0 ? gg.zeros([0, c.n], dtype) : gg.stack(ys) };
}

const feeds = (c: Rnn): gg.Feeds => ({
  w: gg.tensorFrom(Float64Array.from(c.w), "float64", [c.n, c.n]),
  u: gg.tensorFrom(Float64Array.from(c.u), "float64", [c.n]),
  h0: gg.tensorFrom(Float64Array.from(c.h0), "float64", [c.n]),
  xs: gg.tensorFrom(Float64Array.from(c.xs), "float64", [c.T, c.n]),
});

/** Forward results and the gradients of a loss of all three results, for w, u, h0 and xs. */
function outputs(m: ReturnType<typeof model>): Record<string, E> {
  const loss = gg.add(gg.add(gg.sum(gg.mul(m.ys, m.ys)), gg.sum(gg.tanh(m.hT))), gg.mul(m.sT, m.sT));
  const [gw, gu, gh, gx] = gg.grad(loss, [m.w, m.u, m.h0, m.xs]);
  return { hT: m.hT, sT: m.sT, ys: m.ys, gw, gu, gh, gx };
}

/** Compiles and runs, feeding only the inputs the optimized graph still has (T = 0 needs no weights). */
async function run(outs: Readonly<Record<string, E>>, all: gg.Feeds, backend?: gg.Backend): Promise<Record<string, gg.Tensor>> {
  const exe = await gg.compile({ outputs: outs }, backend === undefined ? {} : { backend });
  const names = new Set(exe.graph.nodes.flatMap((n) => (n.op === "input" ? [n.attrs.name] : [])));
  return exe.run(Object.fromEntries(Object.entries(all).filter(([k]) => names.has(k))));
}

/**
 * Relative closeness at the scale of the terms. The scan's VJP adds the same terms as the unrolled
 * graph's in another order, so an element that is a small difference of large terms (cancellation:
 * 0.99995·a − 0.99992·b = 3e-5) carries rounding relative to those terms, not to itself. Weights,
 * inputs and states are drawn in [-2, 2], so the terms are of the order of 1, or of the largest
 * gradient element where that is larger: the scale is the larger of the two.
 */
const relClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  const scale = Math.max(1, ...Array.from(a, Math.abs), ...Array.from(b, Math.abs));
  Array.from(a).forEach((v, i) => {
    const w = b[i] as number;
    if (!(Math.abs(v - w) <= tol * scale)) throw new Error(`${what}[${i}]: ${v} vs ${w} (scale ${scale})`);
  });
};

describe("scan", () => {
  it("equals the unrolled loop: forward bit for bit on JS, gradients within 1e-12 relative to their terms (float64)", async () => {
    await fc.assert(
      fc.asyncProperty(rnnArb, async (c) => {
        const byScan = await run(outputs(model(c, true)), feeds(c));
        const unrolled = await run(outputs(model(c, false)), feeds(c));
        for (const k of ["hT", "sT", "ys"]) expect(Array.from((byScan[k] as gg.Tensor).data), k).toEqual(Array.from((unrolled[k] as gg.Tensor).data));
        for (const k of ["gw", "gu", "gh", "gx"]) relClose((byScan[k] as gg.Tensor).data, (unrolled[k] as gg.Tensor).data, 1e-12, k);
      }),
      { numRuns: 40 },
    );
  });

  it("runs on WASM (one and two threads) as on JS, float64 exactly", async () => {
    const c: Rnn = { T: 6, n: 3, reverse: false, w: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.1, 0.2], u: [0.3, -0.1, 0.2], h0: [0.5, -0.5, 0.1], xs: Array.from({ length: 18 }, (_, i) => Math.sin(i)) };
    const want = await gg.evaluate(outputs(model(c, true)), feeds(c));
    for (const threads of [1, 2]) {
      const got = await gg.evaluate(outputs(model(c, true)), feeds(c), { backend: gg.wasm({ threads }) });
      for (const k of Object.keys(want)) expect(Array.from((got[k] as gg.Tensor).data), `${k}, ${threads} thread(s)`).toEqual(Array.from((want[k] as gg.Tensor).data));
    }
  });

  it("is not unrolled: the graph and the WASM program are the same size for 3 steps as for 300", async () => {
    const size = async (T: number): Promise<[number, number]> => {
      const c: Rnn = { T, n: 2, reverse: false, w: [0.1, 0.2, 0.3, 0.4], u: [1, 1], h0: [0, 0], xs: new Array<number>(2 * T).fill(0.5) };
      return [gg.graph(outputs(model(c, true))).nodes.length, await wasmKernelCount(c)];
    };
    expect(await size(3)).toEqual(await size(300));
  });

  it("stores only the results the graph reads: with only the final carry read, the WASM arena is the same for 3 steps as for 3000", async () => {
    const arena = async (length: number): Promise<number> => {
      const w = gg.input("w", [4, 4]);
      const [h] = gg.scan((c: E) => [gg.tanh(gg.reshape(gg.matmul(gg.reshape(c, [1, 4]), w), [4])), c] as const, gg.fill([4], 0.5), null, { length });
      const exe = (await gg.wasm({ threads: 1 }).compile(gg.graph({ h }))) as gg.WasmExecutable;
      await exe.run(new Map([["w", gg.tensorFrom(new Float32Array(16).fill(0.1), "float32", [4, 4])]]));
      return (exe.stats()[0] as gg.WasmProgramStats).arenaBytes;
    };
    expect(await arena(3000)).toBe(await arena(3));
  });

  it("keeps its meaning through the codec (graph text round trip)", async () => {
    const c: Rnn = { T: 4, n: 2, reverse: true, w: [0.1, 0.2, 0.3, 0.4], u: [1, -1], h0: [0.2, 0.1], xs: [1, 2, 3, 4, 5, 6, 7, 8] };
    const g = gg.graph(outputs(model(c, true)));
    const back = gg.graphFromJsonString(gg.graphToJsonString(g));
    if (back._tag === "Left") throw back.left;
    expect(Object.keys(back.right.outputs).every((k) => back.right.outputs[k] === g.outputs[k])).toBe(true);
    expect(gg.printGraph(g)).toContain("scan{");
  });

  it("takes records and arrays as carry, xs and y; runs without xs given a length; rejects a carry that changes", async () => {
    const [[a, b], ys] = gg.scan(([p, q]: readonly E[], _x: gg.ExprTree) => [[gg.add(p as E, 1), gg.mul(q as E, 2)], { twice: gg.mul(p as E, 2) }] as const, [gg.scalar(0), gg.scalar(1)], null, { length: 4 });
    const r = await gg.evaluate({ a: a as E, b: b as E, ys: ys.twice });
    expect([(r.a as gg.Tensor).item(), (r.b as gg.Tensor).item()]).toEqual([4, 16]);
    expect(Array.from((r.ys as gg.Tensor).data)).toEqual([0, 2, 4, 6]);
    expect(() => gg.scan((h: E) => [gg.reshape(h, [1]), h] as const, gg.scalar(0))).toThrow("scan: without xs, the length must be given (options.length)");
    expect(() => gg.scan((h: E, x: E) => [gg.add(h, x), x] as const, gg.scalar(0), gg.zeros([3, 2]))).toThrow("scan: carry 0 comes back as float32[2] but is float32[]: a carry keeps its shape and dtype");
  });
});

/** Kernels of the WASM program of the model (the loop is one kernel, its body inside). */
async function wasmKernelCount(c: Rnn): Promise<number> {
  const exe = (await gg.wasm({ threads: 1 }).compile(gg.graph(outputs(model(c, true))))) as gg.WasmExecutable;
  await exe.run(new Map(Object.entries(feeds(c)).map(([k, v]) => [k, v as gg.Tensor])));
  return (exe.stats()[0] as gg.WasmProgramStats).kernels;
}
