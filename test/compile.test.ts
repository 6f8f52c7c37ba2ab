import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import * as gg from "../src/index.js";

/**
 * `compile` / `run`: feeds are validated before anything executes (each rejection names the
 * input), `null` batch sizes are bound per run, one compile serves every run, outputs come back
 * under the names asked for, and the caller's data is left as it was.
 */

/** Awaits `run` and returns the GraphgradError it rejects with. */
async function feedError(run: () => Promise<unknown>): Promise<gg.GraphgradError> {
  let result: unknown;
  try {
    result = await run();
  } catch (e) {
    expect(e).toBeInstanceOf(gg.GraphgradError);
    return e as gg.GraphgradError;
  }
  throw new Error(`expected the feeds to be rejected, but the run gave ${String(result)}`);
}

describe("feed validation (before execution, naming the input)", () => {
  const x = gg.input("x", [null, 3]);
  const y = gg.input("y", [null, 3]);
  const s = gg.add(x, y);
  const row = [1, 2, 3];

  it("a missing feed", async () => {
    const exe = await gg.compile({ outputs: { s } });
    expect((await feedError(() => exe.run({ x: [row] }))).message).toBe("feed 'y': missing: the graph needs float32[?y.0,3]");
    expect((await feedError(() => exe.run())).message).toMatch(/^feed '[xy]': missing/);
    // `undefined` is no value either.
    expect((await feedError(() => exe.run({ x: [row], y: undefined as unknown as number }))).message).toMatch(/^feed 'y': /);
  });

  it("an unknown feed name; the message lists the inputs", async () => {
    const exe = await gg.compile({ outputs: { s } });
    const e = await feedError(() => exe.run({ x: [row], y: [row], z: 1 }));
    expect(e.message).toBe("feed 'z': the graph has no input of that name (inputs: x, y)");
    expect(e.where).toBe("feed 'z'");
  });

  it("a Tensor of another dtype", async () => {
    const exe = await gg.compile({ outputs: { s } });
    const e = await feedError(() => exe.run({ x: gg.tensorFrom([row], "float64"), y: [row] }));
    expect(e.message).toBe("feed 'x': dtype float64 given, float32 expected (float64[1,3] for float32[?x.0,3])");
    const n = gg.input("n", [2], "int32");
    const ints = await gg.compile({ outputs: { m: gg.mul(n, 2) } });
    expect((await feedError(() => ints.run({ n: gg.tensorFrom([1, 2], "float32") }))).message).toMatch(/^feed 'n': dtype float32 given, int32 expected/);
  });

  it("a feed of the wrong rank", async () => {
    const exe = await gg.compile({ outputs: { s } });
    expect((await feedError(() => exe.run({ x: row, y: [row] }))).message).toBe("feed 'x': rank 1 given, 2 expected (float32[3] for float32[?x.0,3])");
    expect((await feedError(() => exe.run({ x: [row], y: [[row]] }))).message).toMatch(/^feed 'y': rank 3 given, 2 expected/);
  });

  it("a feed of the wrong fixed size", async () => {
    const exe = await gg.compile({ outputs: { s } });
    expect((await feedError(() => exe.run({ x: [[1, 2]], y: [row] }))).message).toBe("feed 'x': axis 1 has size 2, 3 expected (float32[1,2] for float32[?x.0,3])");
  });

  it("any wrong fixed size, on any axis, is rejected naming the input and the axis", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
          fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 1, max: 3 })),
        ),
        async ([shape, axis, delta]) => {
          const w = gg.input("w", shape, "float64");
          const exe = await gg.compile({ outputs: { t: gg.tanh(w) } });
          const bad = shape.map((d, i) => (i === axis ? d + delta : d));
          const t = gg.tensorFrom(new Float64Array(bad.reduce((a, b) => a * b, 1)), "float64", bad);
          const e = await feedError(() => exe.run({ w: t }));
          expect(e.message).toMatch(new RegExp(`^feed 'w': axis ${axis} has size ${bad[axis]}, ${shape[axis]} expected`));
        },
      ),
      { numRuns: 15 },
    );
  });

  it("named symbolic dimensions must agree across feeds", async () => {
    const a = gg.input("a", ["batch", 3]);
    const b = gg.input("b", ["batch", 3]);
    const exe = await gg.compile({ outputs: { d: gg.sub(a, b) } });
    expect((await feedError(() => exe.run({ a: [row, row], b: [row] }))).message).toBe("feed 'b': axis 0 has size 1, but dimension batch is 2 in another feed");
    expect((await exe.run({ a: [row, row], b: [row, row] }))["d"]?.shape).toEqual([2, 3]);
  });

  it("two `null` batch sizes that disagree are rejected before execution, naming the inputs' dimensions", async () => {
    const exe = await gg.compile({ outputs: { s } });
    const two = await feedError(() => exe.run({ x: [row, row], y: [row, row, row] }));
    expect(two.message).toMatch(/^add: at run time: /);
    expect(two.message).toContain("?x.0=2");
    expect(two.message).toContain("?y.0=3");
    // A batch of 1 does not quietly broadcast against a batch of 2, in either order.
    for (const [bx, by] of [[1, 2], [2, 1]] as const) {
      const e = await feedError(() => exe.run({ x: Array.from({ length: bx }, () => row), y: Array.from({ length: by }, () => row) }));
      expect(e.message).toMatch(/^add: at run time/);
      expect(e.message).toContain(`?x.0=${bx}`);
      expect(e.message).toContain(`?y.0=${by}`);
    }
  });

  it("ragged nested arrays", async () => {
    const exe = await gg.compile({ outputs: { s } });
    const e = await feedError(() => exe.run({ x: [row, [1, 2]], y: [row, row] }));
    expect(e.message).toBe("feed 'x': ragged nested array: element 1 has shape [2], element 0 has [3]");
    expect((await feedError(() => exe.run({ x: [row], y: [[1, [2], 3]] }))).message).toMatch(/^feed 'y': ragged nested array/);
  });

  it("values that are not numbers or booleans", async () => {
    const exe = await gg.compile({ outputs: { s } });
    expect((await feedError(() => exe.run({ x: [[1, 2, "3" as unknown as number]], y: [row] }))).message).toBe(
      "feed 'x': element 2 (at [0,2]) is \"3\": float32 takes numbers",
    );
    const c = gg.input("c", []);
    const scalarExe = await gg.compile({ outputs: { d: gg.mul(c, 2) } });
    expect((await feedError(() => scalarExe.run({ c: null as unknown as number }))).message).toBe("feed 'c': expected nested arrays of numbers, a number or a typed array, got null");
  });

  it("a typed array needs a known shape", async () => {
    const exe = await gg.compile({ outputs: { s } });
    expect((await feedError(() => exe.run({ x: new Float32Array(3), y: [row] }))).message).toBe(
      "feed 'x': a typed array needs a fully known shape: pass a Tensor instead",
    );
    const v = gg.input("v", [2, 2]);
    const fixed = await gg.compile({ outputs: { w: gg.neg(v) } });
    expect((await feedError(() => fixed.run({ v: new Float32Array(3) }))).message).toBe("feed 'v': 3 values given for shape [2,2]");
    expect((await fixed.run({ v: new Float32Array([1, 2, 3, 4]) }))["w"]?.toArray()).toEqual([[-1, -2], [-3, -4]]);
  });

  it("nothing executes when a feed is rejected: a valid feed's data is never read", async () => {
    const exe = await gg.compile({ outputs: { s } });
    let reads = 0;
    const watched = gg.tensorFrom([row, row], "float32");
    const data = watched.data;
    Object.defineProperty(watched, "data", { get: () => (reads++, data) });
    await feedError(() => exe.run({ x: [row], y: watched })); // batch sizes disagree
    await feedError(() => exe.run({ x: [[1, 2]], y: watched })); // wrong size
    await feedError(() => exe.run({ x: [row, row], y: watched, z: 0 })); // unknown name
    await feedError(() => exe.run({ y: watched })); // missing
    expect(reads).toBe(0);
    // The watch works: a valid run reads the data.
    expect((await exe.run({ x: [row, row], y: watched }))["s"]?.toArray()).toEqual([[2, 4, 6], [2, 4, 6]]);
    expect(reads).toBeGreaterThan(0);
  });
});

describe("bool feeds", () => {
  it("a bool input takes only 0, 1, true and false", async () => {
    const b = gg.input("b", [4], "bool");
    const exe = await gg.compile({ outputs: { i: gg.cast(b, "int32") } });
    expect((await exe.run({ b: [1, 0, true, false] }))["i"]?.toArray()).toEqual([1, 0, 1, 0]);
    expect((await exe.run({ b: Uint8Array.of(0, 1, 1, 0) }))["i"]?.toArray()).toEqual([0, 1, 1, 0]);
    expect((await feedError(() => exe.run({ b: [1, 2, 0, 0] }))).message).toBe("feed 'b': element 1 is 2: bool takes only 0, 1, true and false");
    expect((await feedError(() => exe.run({ b: new Float64Array([1, 0, 0.25, 1]) }))).message).toBe("feed 'b': element 2 is 0.25: bool takes only 0, 1, true and false");
    expect((await feedError(() => exe.run({ b: [0, 0, 0, Number.NaN] }))).message).toBe("feed 'b': element 3 is NaN: bool takes only 0, 1, true and false");
  });
});

describe("symbolic batch sizes", () => {
  it("one executable runs several batch sizes, each giving the right values", async () => {
    const x = gg.input("x", [null, 3], "float64");
    const w = gg.param("w", [3, 2], "float64");
    const b = gg.param("b", [2], "float64");
    const y = gg.add(gg.matmul(x, w), b);
    const backend = gg.js();
    const lower = vi.spyOn(backend, "compile");
    const exe = await gg.compile({ outputs: { y, total: gg.sum(y) } }, { backend });
    const wv = [[0.5, -1], [2, 0.25], [-1.5, 3]];
    const bv = [0.125, -2];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }).chain((n) => fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n })),
        async (xv) => {
          const out = await exe.run({ x: xv, w: wv, b: bv });
          // The affine map, row by row (small integers and binary fractions: exact in float64).
          const want = xv.map((r) => [0, 1].map((j) => r.reduce((acc, v, k) => acc + v * ((wv[k] as number[])[j] as number), bv[j] as number)));
          expect(out["y"]?.shape).toEqual([xv.length, 2]);
          expect(out["y"]?.toArray()).toEqual(want);
          expect(out["total"]?.item()).toBe(want.flat().reduce((a, v) => a + v, 0));
        },
      ),
      { numRuns: 20 },
    );
    expect(lower).toHaveBeenCalledTimes(1);
  });

  it("a reduction over the batch axis uses the run's batch size", async () => {
    const x = gg.input("x", [null], "float64");
    const exe = await gg.compile({ outputs: { m: gg.mean(x) } });
    for (const n of [1, 2, 5, 8]) {
      const xs = Array.from({ length: n }, (_, i) => i + 1);
      expect((await exe.run({ x: xs }))["m"]?.item()).toBe((n + 1) / 2);
    }
  });
});

describe("compile once, run many", () => {
  it("run never compiles again", async () => {
    const backend = gg.js();
    const spy = vi.spyOn(backend, "compile");
    const x = gg.input("x", [null, 2]);
    const exe = await gg.compile({ outputs: { y: gg.tanh(x) } }, { backend });
    expect(spy).toHaveBeenCalledTimes(1);
    for (let n = 1; n <= 4; n++) await exe.run({ x: Array.from({ length: n }, () => [0, 1]) });
    await exe.run({ x: [[0, 1]] });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(exe.backend).toBe("js");
  });

  it("repeated runs on the same feeds give the same values", async () => {
    const x = gg.input("x", [3]);
    const exe = await gg.compile({ outputs: { y: gg.softmax(x) } });
    const first = await exe.run({ x: [1, 2, 3] });
    const second = await exe.run({ x: [1, 2, 3] });
    expect(Array.from(second["y"]?.data ?? [])).toEqual(Array.from(first["y"]?.data ?? []));
  });
});

describe("outputs", () => {
  it("come back under exactly the names requested, with their own values", async () => {
    const x = gg.input("x", [2]);
    const exe = await gg.compile({ outputs: { doubled: gg.mul(x, 2), "negated value": gg.neg(x), same: gg.mul(x, 2), x } });
    const out = await exe.run({ x: [1.5, -3] });
    expect(Object.keys(out).sort()).toEqual(["doubled", "negated value", "same", "x"].sort());
    expect(out["doubled"]?.toArray()).toEqual([3, -6]);
    expect(out["same"]?.toArray()).toEqual([3, -6]);
    expect(out["negated value"]?.toArray()).toEqual([-1.5, 3]);
    expect(out["x"]?.toArray()).toEqual([1.5, -3]);
  });

  it("an output that is not an Expr is rejected at compile time, naming it", async () => {
    await expect(gg.compile({ outputs: { bad: 3 as unknown as gg.Expr } })).rejects.toThrow("compile: outputs['bad'] must be an Expr, got 3");
  });

  it("evaluate gives a Tensor for one Expr and a record for named ones", async () => {
    const x = gg.input("x", []);
    expect((await gg.evaluate(gg.mul(x, 3), { x: 2 })).item()).toBe(6);
    const r = await gg.evaluate({ a: gg.add(x, 1), b: gg.sub(x, 1) }, { x: 2 });
    expect(Object.keys(r).sort()).toEqual(["a", "b"]);
    expect(r["a"]?.item()).toBe(3);
    expect(r["b"]?.item()).toBe(1);
  });
});

describe("the caller's data", () => {
  it("feeds (nested arrays, typed arrays, Tensors) are not modified by a run", async () => {
    const a = gg.input("a", [2, 2]);
    const b = gg.input("b", [4]);
    const c = gg.input("c", [2, 2]);
    // Outputs that reshape, reduce, transpose and add in place of a feed would show a write-through.
    const outputs = {
      r: gg.reshape(gg.add(a, 1), [4]),
      t: gg.transpose(c),
      s: gg.add(gg.reshape(b, [2, 2]), c),
      m: gg.sum(gg.mul(a, c), 0),
    };
    const exe = await gg.compile({ outputs });
    const nested = [[1, 2], [3, 4]];
    const typed = new Float32Array([5, 6, 7, 8]);
    const tensor = gg.tensorFrom([[9, 10], [11, 12]], "float32");
    const snapshot = { nested: JSON.stringify(nested), typed: Array.from(typed), tensor: Array.from(tensor.data), shape: [...tensor.shape] };
    const out = await exe.run({ a: nested, b: typed, c: tensor });
    // Overwriting the results must not reach the feeds either.
    for (const t of Object.values(out)) (t.data as Float32Array).fill(-1);
    expect(JSON.stringify(nested)).toBe(snapshot.nested);
    expect(Array.from(typed)).toEqual(snapshot.typed);
    expect(Array.from(tensor.data)).toEqual(snapshot.tensor);
    expect(tensor.shape).toEqual(snapshot.shape);
    // And a second run gives the same results.
    const again = await exe.run({ a: nested, b: typed, c: tensor });
    expect(again["s"]?.toArray()).toEqual([[14, 16], [18, 20]]);
    expect(again["r"]?.toArray()).toEqual([2, 3, 4, 5]);
    expect(again["t"]?.toArray()).toEqual([[9, 11], [10, 12]]);
    expect(again["m"]?.toArray()).toEqual([1 * 9 + 3 * 11, 2 * 10 + 4 * 12]);
  });

  it("the feeds record is not modified", async () => {
    const x = gg.input("x", [2]);
    const exe = await gg.compile({ outputs: { y: gg.exp(x) } });
    const feeds = Object.freeze({ x: Object.freeze([0, 1]) });
    await exe.run(feeds);
    expect(feeds).toEqual({ x: [0, 1] });
  });
});
