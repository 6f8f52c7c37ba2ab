import { describe, expect, it } from "vitest";
import { wasm } from "../../backends/wasm/index.js";
import { graphOf } from "../../ir/graph.js";
import { isPending, type Tensor, tensorFrom } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";

/**
 * A bound run given donated tensors returns its results for them as pending tensors (left in the
 * module's memory until read; 1024 elements or more). Before a later run overwrites that memory,
 * the results it does not consume are copied out; those donated to it are gone.
 */

/** `v` repeated to 1200 elements (a result large enough to be left pending). */
const long = (v: number[]): number[] => Array.from({ length: 1200 }, (_, i) => v[i % v.length] as number);
describe("wasm: results left in memory until read", () => {
  const setup = async (threads: number) => {
    const x = gg.input("x", ["n"]);
    const exe = await wasm({ threads }).compile(graphOf({ y: gg.mul(x, 2).node, s: gg.sum(x).node }));
    const bound = exe.bind?.(["x"], { tensors: ["y"], scalars: ["s"] });
    if (bound === undefined) throw new Error("the wasm backend binds");
    const feed = (v: number[]): Tensor => tensorFrom(new Float32Array(v), "float32", [v.length]);
    const run = async (v: number[], reuse?: (Tensor | undefined)[]): Promise<Tensor> => (await bound([feed(long(v))], reuse)).tensors[0] as Tensor;
    return { exe, run, feed, bound };
  };

  for (const threads of [1, 2]) {
    it(`copies out what a later run does not consume, before it runs (${threads} thread${threads > 1 ? "s" : ""})`, async () => {
      const { exe, run, feed, bound } = await setup(threads);
      const first = await run([1, 2, 3]);
      expect(isPending(first)).toBe(false);
      const second = await run([4, 5, 6], [first]);
      expect(isPending(second)).toBe(true);
      // An unbound run overwrites the memory: `second` is copied out first.
      await exe.run(new Map([["x", feed(long([7, 8, 9]))]]));
      expect(isPending(second)).toBe(false);
      expect([...second.data]).toEqual(long([8, 10, 12]));
      // So is one left before a run with another shape (another binding of the program).
      const third = await run([1, 1, 1], [second]);
      expect(isPending(third)).toBe(true);
      await bound([feed(long([5, 5, 5, 5, 5]).slice(0, 1100))]);
      expect([...third.data]).toEqual(long([2, 2, 2]));
      // One donated to the next run is gone once that run starts.
      const fourth = await run([3, 3, 3]);
      const fifth = await run([2, 2, 2], [fourth]);
      const sixth = await run([1, 2, 1], [fifth]);
      expect(() => fifth.data).toThrow(/donated to a later step/);
      expect([...sixth.data]).toEqual(long([2, 4, 2]));
      // Small results are copied out at once.
      const small = (await bound([feed([1, 2])], [sixth])).tensors[0] as Tensor;
      expect(isPending(small)).toBe(false);
    });
  }
});
