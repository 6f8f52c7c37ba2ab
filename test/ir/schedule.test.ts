import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Access, Kernel, KernelProgram, ScalarExpr } from "../../ir/kernel/index.js";
import { type BufferAlias, planBuffers } from "../../ir/kernel/index.js";

/**
 * The buffer plan's aliases (an output computed in the memory of the input it is fed back as):
 * applied exactly when no result can change, and never overlapping live buffers.
 */

const acc = (buffer: number, strides: number[] = [1], offset = 0): Access => ({ buffer, offset, strides });
const load = (a: Access): ScalarExpr => ({ kind: "load", access: a, dtype: "float32" });
const op = (name: "add" | "mul", ...args: ScalarExpr[]): ScalarExpr => ({ kind: "op", op: name, dtype: "float32", args });
const two: ScalarExpr = { kind: "const", value: 2, dtype: "float32" };
const map = (out: Access, expr: ScalarExpr, n = 8): Kernel => ({ kind: "map", shape: [n], out, expr, dtype: "float32" });
const sum = (out: number, expr: ScalarExpr, n = 8): Kernel => ({ kind: "reduce", op: "sum", outShape: [], redShape: [n], out, expr, dtype: "float32" });

/** Buffers: 0 = input "w", 1 = input "g", then temps 2.. of 8 floats. */
function program(kernels: Kernel[], outputs: Record<string, number>, temps = 3): KernelProgram {
  return {
    buffers: [
      { id: 0, dtype: "float32", size: 8, role: "input", name: "w" },
      { id: 1, dtype: "float32", size: 8, role: "input", name: "g" },
      ...Array.from({ length: temps }, (_, i) => ({ id: 2 + i, dtype: "float32" as const, size: i === temps - 1 ? 1 : 8, role: "temp" as const })),
    ],
    kernels,
    outputs: Object.fromEntries(Object.entries(outputs).map(([n, b]) => [n, { buffer: b, shape: [8], dtype: "float32" as const }])),
  };
}

const W: BufferAlias = { output: "w2", input: "w" };
const plan = (p: KernelProgram, aliases: BufferAlias[] = [W]) => planBuffers(p, () => 4, aliases);

describe("buffer aliases", () => {
  it("an in-place elementwise update takes its input's memory", () => {
    // w2 = w + 2·g, the last reader of w.
    const p = program([map(acc(2), op("add", load(acc(0)), op("mul", two, load(acc(1)))))], { w2: 2 });
    const r = plan(p);
    expect(r.aliased).toEqual([W]);
    expect(r.offsets[2]).toBe(r.offsets[0]);
  });

  it("not when a later kernel still reads the input", () => {
    const p = program([map(acc(2), op("add", load(acc(0)), load(acc(1)))), sum(4, load(acc(0)))], { w2: 2, s: 4 });
    expect(plan(p).aliased).toEqual([]);
  });

  it("not when the writer reads the input at another element (a reversal)", () => {
    const p = program([map(acc(2), load(acc(0, [-1], 7)))], { w2: 2 });
    expect(plan(p).aliased).toEqual([]);
  });

  it("not when the input is itself an output, when sizes differ, or for unknown names", () => {
    const p = program([map(acc(2), op("add", load(acc(0)), load(acc(1))))], { w2: 2, w: 0 });
    expect(plan(p).aliased).toEqual([]);
    const q = program([map(acc(2), load(acc(1)))], { w2: 2 });
    expect(plan(q, [{ output: "w2", input: "nope" }, { output: "nope", input: "w" }]).aliased).toEqual([]);
    const small = program([sum(4, load(acc(1)))], { w2: 4 });
    expect(plan(small).aliased).toEqual([]);
  });

  it("an earlier reader of the input is fine; one input takes one output", () => {
    const p = program([sum(4, load(acc(0))), map(acc(2), op("add", load(acc(1)), load(acc(4, [0])))), map(acc(3), load(acc(1)))], { w2: 2, w3: 3 });
    const r = plan(p, [W, { output: "w3", input: "w" }]);
    expect(r.aliased).toEqual([W]);
    expect(r.offsets[2]).toBe(r.offsets[0]);
    expect(r.offsets[3]).not.toBe(r.offsets[0]);
  });

  it("never overlaps buffers that are live together (random chains of maps)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), (reads) => {
        // Temp t (buffer 2 + t) = its source + g; sources: w, g or an earlier temp. Output: the last temp.
        const kernels = reads.map((r, t) => map(acc(2 + t), op("add", load(acc(r % (t + 2) < 2 ? r % 2 : r % (t + 2))), load(acc(1)))));
        const last = 2 + reads.length - 1;
        const p = program(kernels, { w2: last }, reads.length + 1);
        const r = plan(p);
        const lifetimes = p.buffers.map((b) => {
          const writes = kernels.flatMap((k, i) => (k.kind === "map" && k.out.buffer === b.id ? [i] : []));
          const readsAt = kernels.flatMap((k, i) => (JSON.stringify(k).includes(`"buffer":${b.id},`) ? [i] : []));
          const start = b.role === "input" ? -1 : Math.min(...writes, Infinity);
          const end = b.role === "input" || b.id === last ? kernels.length : Math.max(...readsAt, start);
          return { start, end, at: r.offsets[b.id] as number, bytes: b.size * 4 };
        });
        const aliasedPair = r.aliased.length === 1 ? [0, last] : [];
        for (let a = 0; a < lifetimes.length; a++) {
          for (let b = a + 1; b < lifetimes.length; b++) {
            const x = lifetimes[a] as (typeof lifetimes)[number];
            const y = lifetimes[b] as (typeof lifetimes)[number];
            if (x.start === Infinity || y.start === Infinity) continue;
            if (aliasedPair.includes(a) && aliasedPair.includes(b)) continue;
            const together = x.start <= y.end && y.start <= x.end;
            const overlap = x.at < y.at + y.bytes && y.at < x.at + x.bytes;
            expect(together && overlap).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
