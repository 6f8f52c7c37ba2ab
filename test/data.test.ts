import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { threefry2x32 } from "../ir/random.js";

/**
 * Datasets and batching: seeded permutations (a permutation, deterministic per seed and stream,
 * uniform), mini-batches in order and shuffled (kept or dropped remainders, resuming part way),
 * take/skip/split/select, and the errors at the boundary.
 */

const { data } = gg;

/** A dataset whose `id` column numbers the rows, with a multi-axis float column and a bool column. */
function numbered(n: number, rowShape: readonly number[] = [2, 3]): gg.data.Dataset {
  const per = rowShape.reduce((a, b) => a * b, 1);
  const x = new Float64Array(n * per).map((_, i) => i * 0.5 - 3);
  const flags = new Uint8Array(n).map((_, i) => i % 3 === 0 ? 1 : 0);
  return new data.Dataset({
    id: new gg.Tensor("int32", [n], Int32Array.from({ length: n }, (_, i) => i)),
    x: new gg.Tensor("float64", [n, ...rowShape], x),
    flag: new gg.Tensor("bool", [n], flags),
  });
}

const ids = (b: gg.data.Batch): number[] => [...(b["id"] as gg.Tensor).data];

/** Row i of a column, as numbers. */
function row(t: gg.Tensor, i: number): number[] {
  const per = t.size / (t.shape[0] as number);
  return [...t.data.subarray(i * per, (i + 1) * per)];
}

describe("permutation", () => {
  it("is a permutation of 0..n-1, the same for the same seed and stream", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat({ max: 2 ** 40 }), fc.nat({ max: 1000 }), (n, seed, stream) => {
        const p = data.permutation(n, seed, stream);
        expect([...p].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
        expect([...data.permutation(n, seed, stream)]).toEqual([...p]);
      }),
      { numRuns: 100 },
    );
  });

  it("differs between seeds and between streams (epochs)", () => {
    const base = [...data.permutation(50, 7, 1)];
    expect([...data.permutation(50, 8, 1)]).not.toEqual(base);
    expect([...data.permutation(50, 7, 2)]).not.toEqual(base);
  });

  it("draws its swap from the Threefry stream (seed as random.key does, counter [k, stream])", () => {
    // n = 2: one swap, j = w mod 2 with w the first word of threefry(key, [0, stream]).
    for (const [seed, stream] of [[0, 0], [1, 0], [12345, 3], [2 ** 33 + 5, 9]] as const) {
      const w = threefry2x32(Math.floor(seed / 2 ** 32), seed >>> 0, 0, stream)[0];
      expect([...data.permutation(2, seed, stream)]).toEqual(w % 2 === 1 ? [0, 1] : [1, 0]);
    }
  });

  it("is uniform: each of the 24 orders of 4 items about equally often over 24000 seeds", () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 24000; seed++) {
      const k = data.permutation(4, seed).join("");
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // Binomial(24000, 1/24): mean 1000, standard deviation 30.9; allow 5 deviations.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(155);
  });

  it("rejects bad seeds and sizes", () => {
    expect(() => data.permutation(3, -1)).toThrow(/seed must be an integer/);
    expect(() => data.permutation(3, 1.5)).toThrow(gg.GraphgradError);
    expect(() => data.permutation(-2, 1)).toThrow(/n must be an integer/);
    expect(() => data.permutation(3, 1, -1)).toThrow(/stream/);
  });
});

describe("Dataset", () => {
  it("checks that the columns share their number of rows", () => {
    expect(() => data.dataset({ x: [[1], [2], [3]], y: [1, 2] })).toThrow("data: columns differ in their number of rows: 'x' has 3, 'y' has 2 (float32[2])");
    expect(() => data.dataset({ x: 3 })).toThrow(/scalar/);
    expect(() => data.dataset({})).toThrow(/at least one column/);
    expect(() => data.dataset({ y: gg.tensorFrom([1, 2], "int32") }, { dtypes: { y: "float32" } })).toThrow(/'y' is int32/);
    const d = data.dataset({ x: [[1, 2], [3, 4]], y: [0, 1] }, { dtypes: { y: "int32" } });
    expect(d.size).toBe(2);
    expect(d.column("y").dtype).toBe("int32");
    expect(d.column("x").dtype).toBe("float32");
    expect(() => d.column("z")).toThrow("data: no column 'z' (columns: x, y)");
  });

  it("take, skip, slice and split take the rows they name (views on the same data)", () => {
    const d = numbered(10);
    expect(ids(d.take(3).columns)).toEqual([0, 1, 2]);
    expect(ids(d.skip(7).columns)).toEqual([7, 8, 9]);
    expect(ids(d.slice(2, 5).columns)).toEqual([2, 3, 4]);
    expect(ids(d.slice(-3).columns)).toEqual([7, 8, 9]);
    expect(d.take(20).size).toBe(10);
    const [a, b] = d.split(0.75);
    expect([a.size, b.size]).toEqual([7, 3]); // floor(0.75·10)
    expect(ids(b.columns)).toEqual([7, 8, 9]);
    const [c, e] = d.split(4);
    expect([ids(c.columns), ids(e.columns)]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]);
    expect(row(d.skip(7).column("x"), 0)).toEqual(row(d.column("x"), 7));
    expect(d.take(3).column("x").data.buffer).toBe(d.column("x").data.buffer);
    expect(() => d.split(1.5)).toThrow(/fraction in \(0, 1\) or a row count/);
    expect(() => d.split(11)).toThrow(gg.GraphgradError);
    expect(() => d.take(-1)).toThrow(/non-negative integer/);
  });

  it("select gathers rows in the given order, every column and dtype alike", () => {
    const d = numbered(6);
    const s = d.select([4, 0, 4, 2]);
    expect(ids(s.columns)).toEqual([4, 0, 4, 2]);
    expect(s.column("x").shape).toEqual([4, 2, 3]);
    [4, 0, 4, 2].forEach((r, k) => {
      expect(row(s.column("x"), k)).toEqual(row(d.column("x"), r));
      expect(row(s.column("flag"), k)).toEqual(row(d.column("flag"), r));
    });
    expect(s.column("flag").dtype).toBe("bool");
    expect(() => d.select([6])).toThrow("data: row index 6 out of range [0, 6)");
  });

  it("shuffle(seed) reorders the rows by permutation(size, seed)", () => {
    const d = numbered(20);
    expect(ids(d.shuffle(42).columns)).toEqual([...data.permutation(20, 42)]);
    expect(ids(d.shuffle(42, 3).columns)).toEqual([...data.permutation(20, 42, 3)]);
  });
});

describe("batches", () => {
  it("in order: views of batchSize rows, the last partial batch kept or dropped", () => {
    const d = numbered(10);
    const kept = [...d.batches(4)];
    expect(kept.map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(kept.map((b) => (b["x"] as gg.Tensor).shape)).toEqual([[4, 2, 3], [4, 2, 3], [2, 2, 3]]);
    expect((kept[1]?.["x"] as gg.Tensor).data.buffer).toBe(d.column("x").data.buffer);
    expect([...d.batches(4, { dropRemainder: true })].map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect([d.numBatches(4), d.numBatches(4, true), d.numBatches(5, true)]).toEqual([3, 2, 2]);
    expect([...d.batches(4, { from: 2 })].map(ids)).toEqual([[8, 9]]);
    expect(() => [...d.batches(0)]).toThrow("data: the batch size must be a positive integer, got 0");
  });

  it("every row exactly once per epoch; shuffled batches follow permutation(size, seed, stream)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        fc.option(fc.record({ seed: fc.nat({ max: 1e9 }), stream: fc.nat({ max: 100 }) }), { nil: undefined }),
        (n, size, dropRemainder, shuffle) => {
          const d = numbered(n, [3]);
          const batches = [...d.batches(size, { dropRemainder, shuffle })];
          expect(batches.length).toBe(d.numBatches(size, dropRemainder));
          const order = shuffle === undefined ? [...Array(n).keys()] : [...data.permutation(n, shuffle.seed, shuffle.stream)];
          const expectedRows = dropRemainder ? Math.floor(n / size) * size : n;
          expect(batches.flatMap(ids)).toEqual(order.slice(0, expectedRows));
          batches.forEach((b, k) => {
            const rows = ids(b);
            expect(rows.length).toBe(k < batches.length - 1 || n % size === 0 || dropRemainder ? size : n % size);
            rows.forEach((r, i) => expect(row(b["x"] as gg.Tensor, i)).toEqual(row(d.column("x"), r)));
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
