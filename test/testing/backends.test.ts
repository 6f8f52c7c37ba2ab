import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, CheckFailure, checkBackends, ulpDistance } from "../../src/testing/index.js";

/** The next float64 after v (towards +Infinity), for v > 0. */
const nextUp = (v: number): number => {
  const bits = new BigInt64Array(Float64Array.of(v).buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return new Float64Array(bits.buffer)[0] as number;
};

/** The JS backend with `k` ULPs added to element 0 of every float64 output: a backend that is slightly wrong. */
function offBy(k: number): gg.Backend {
  const js = gg.js();
  return {
    name: "off-by-ulps",
    compile: async (graph) => {
      const exe = await js.compile(graph);
      return {
        ...exe,
        run: async (feeds) => {
          const r = await exe.run(feeds);
          return Object.fromEntries(
            Object.entries(r).map(([name, t]) => {
              if (t.dtype !== "float64" || t.size === 0) return [name, t];
              const data = Float64Array.from(t.data);
              for (let i = 0; i < k; i++) data[0] = nextUp(data[0] as number);
              return [name, new gg.Tensor("float64", t.shape, data)];
            }),
          );
        },
      };
    },
  };
}

describe("ulpDistance", () => {
  it("counts representable values between two numbers, per dtype", () => {
    expect(ulpDistance(1, nextUp(1), "float64")).toBe(1);
    expect(ulpDistance(1, 1 + 2 ** -23, "float32")).toBe(1);
    expect(ulpDistance(1, 1 + 2 ** -23, "float64")).toBe(2 ** 29);
    // Across zero: the smallest subnormals on either side are two apart; ±0 are equal.
    expect(ulpDistance(-(2 ** -149), 2 ** -149, "float32")).toBe(2);
    expect(ulpDistance(0, -0, "float64")).toBe(0);
    expect(ulpDistance(Number.NaN, Number.NaN, "float32")).toBe(0);
    expect(ulpDistance(Number.NaN, 1, "float32")).toBe(Infinity);
    expect(ulpDistance(3.4028234663852886e38, Infinity, "float32")).toBe(1);
    expect(ulpDistance(-5, 7, "int32")).toBe(12);
  });
});

describe("checkBackends", () => {
  it("WASM gives the JS reference's values bit for bit on random float64 graphs; the report says 0 ULPs per output", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph(), async (c) => {
        const [report] = await checkBackends(c.graph, c.feeds, { backends: [gg.wasm()] });
        expect(report?.backend).toBe("wasm");
        expect(Object.keys(report?.outputs ?? {}).sort()).toEqual(Object.keys(c.graph.outputs).sort());
        for (const d of Object.values(report?.outputs ?? {})) expect(d.ulps).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it("finds a backend one ULP off, naming backend, output, element and both values; ulps: 1 accepts it", async () => {
    const x = gg.input("x", [3], "float64");
    const outputs = { y: gg.exp(x), n: gg.cast(gg.greater(x, 0), "int32") };
    const feeds = { x: gg.tensorFrom([0.5, -1, 2], "float64") };
    const failure = await checkBackends(outputs, feeds, { backends: [gg.js(), offBy(1)] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CheckFailure);
    expect(String(failure)).toBe(`CheckFailure: checkBackends: off-by-ulps: output 'y' element 0 is ${nextUp(Math.exp(0.5))}, the reference gives ${Math.exp(0.5)}: 1 ULPs (float64) > 0`);
    const report = await checkBackends(outputs, feeds, { backends: [offBy(1), offBy(1)], ulps: { y: 1 } });
    expect(report.map((r) => r.backend)).toEqual(["off-by-ulps", "off-by-ulps#2"]);
    expect(report[1]?.outputs["y"]).toEqual({ ulps: 1, element: 0, got: nextUp(Math.exp(0.5)), want: Math.exp(0.5), dtype: "float64", run: 0 });
    expect(report[1]?.outputs["n"]?.ulps).toBe(0);
    await expect(checkBackends(outputs, feeds, { backends: [offBy(3)], ulps: 2 })).rejects.toThrow(/3 ULPs \(float64\) > 2/);
  });

  it("an absolute bound per element from the reference's results; a function of inputs; a list of feeds on one executable", async () => {
    const sum = ({ x }: Readonly<Record<string, gg.Expr>>): Record<string, gg.Expr> => ({ s: gg.sum(x as gg.Expr, 1), mag: gg.sum(gg.abs(x as gg.Expr), 1) });
    const feeds = [3, 1].map((n) => ({ x: gg.tensorFrom(Float64Array.from({ length: 2 * n }, (_, i) => Math.sin(i) + 1), "float64", [n, 2]) }));
    const bound = { s: (i: number, ref: Readonly<Record<string, gg.Tensor>>): number => 2 ** -50 * ((ref["mag"] as gg.Tensor).data[i] as number) };
    // Element 0 of s and of mag moved by 5 ULPs: within 2⁻⁵⁰·Σ|x| for s; mag has no bound but its ULPs.
    await expect(checkBackends(sum, feeds, { backends: [offBy(5)], atol: bound })).rejects.toThrow(/^checkBackends: off-by-ulps: output 'mag' \(feeds 0\) element 0 .*: 5 ULPs \(float64\) > 0\noff-by-ulps: output 'mag' \(feeds 1\)/);
    const report = await checkBackends(sum, feeds, { backends: [offBy(5)], atol: bound, ulps: { mag: 5 } });
    expect(report[0]?.outputs["s"]?.ulps).toBe(5);
    // A bound may depend on the feed set: none for the second here.
    const firstOnly = { s: (i: number, ref: Readonly<Record<string, gg.Tensor>>, run: number): number => (run === 0 ? bound.s(i, ref) : 0) };
    await expect(checkBackends(sum, feeds, { backends: [offBy(5)], atol: firstOnly, ulps: { mag: 5 } })).rejects.toThrow(/^checkBackends: off-by-ulps: output 's' \(feeds 1\) element 0 .*: 5 ULPs \(float64\) > 0$/);
  });

  it("rejections: 'compare' requires the reference's errors, message for message, and compares the runs after them", async () => {
    const table = gg.input("table", [3, 2], "float64");
    const ids = gg.input("ids", [2], "int32");
    const y = gg.gather(table, ids);
    const rows = gg.tensorFrom(Float64Array.from([1, 2, 3, 4, 5, 6]), "float64", [3, 2]);
    const feeds = [[0, 3], [2, 1], [-1, 0]].map((i) => ({ table: rows, ids: gg.tensorFrom(Int32Array.from(i), "int32", [2]) }));
    const [report] = await checkBackends(y, feeds, { backends: [gg.wasm()], rejections: "compare" });
    expect(report?.outputs["y"]?.run).toBe(1);
    // By default the reference's error is thrown, as it is.
    await expect(checkBackends(y, feeds, { backends: [gg.wasm()] })).rejects.toThrow("gather: indices[1] = 3 is not in [0, 3)");
    const wrap = (name: string, run: (e: unknown) => Promise<Readonly<Record<string, gg.Tensor>>>): gg.Backend => ({
      name,
      compile: async (g) => {
        const exe = await gg.js().compile(g);
        return { ...exe, run: (f) => exe.run(f).catch(run) };
      },
    });
    const lenient = wrap("lenient", async () => ({}));
    const reworded = wrap("reworded", async () => {
      throw new Error("index out of range");
    });
    const failure = String(await checkBackends(y, feeds, { backends: [lenient, reworded], rejections: "compare" }).catch((e: unknown) => e));
    expect(failure).toContain(`lenient: feeds 0: the reference rejects them ("gather: indices[1] = 3 is not in [0, 3)"), the backend runs them`);
    expect(failure).toContain(`reworded: feeds 2: rejected with "index out of range", the reference with "gather: indices[0] = -1 is not in [0, 3)"`);
    await expect(checkBackends(y, feeds, { backends: [lenient], rejections: "always" as "compare" })).rejects.toThrow(/options.rejections must be "throw" or "compare", got "always"/);
  });

  it("refuses an empty list of backends and names a mismatched output", async () => {
    const x = gg.input("x", [2]);
    await expect(checkBackends(gg.neg(x), { x: [1, 2] }, { backends: [] })).rejects.toThrow(/options\.backends must list at least one backend/);
    const wrongShape: gg.Backend = { name: "flat", compile: async (g) => ({ ...(await gg.js().compile(g)), run: async () => ({ y: gg.tensorFrom([1, 2, 3], "float32") }) }) };
    await expect(checkBackends(gg.neg(x), { x: [1, 2] }, { backends: [wrongShape] })).rejects.toThrow(/flat: output 'y' is float32\[3\], the reference's is float32\[2\]/);
  });
});
