import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { type BoundResult, bindRunner, type Executable } from "../../backends/backend.js";

/**
 * `Executable.bind`, the per-step form of `run` (fixed input and output orders, numbers for rank-0
 * feeds and outputs): on every CPU backend, and through `bindRunner`'s wrapper for a backend
 * without it, it gives exactly what `run` gives, and rejects what `run` rejects with the same
 * message, whatever was bound before.
 */

/** out = relu(x·w + b)·scale, loss = Σ out; `scale` and `loss` are rank 0. */
function model(): gg.Graph {
  const x = gg.input("x", [null, 3]);
  const w = gg.input("w", [3, 2]);
  const b = gg.input("b", [2]);
  const scale = gg.input("scale", []);
  const out = gg.mul(gg.relu(gg.add(gg.matmul(x, w), b)), scale);
  return gg.graph({ out, loss: gg.sum(out), count: gg.add(gg.input("n", [], "int32"), 1) });
}

const INPUTS = ["x", "w", "b", "scale", "n"] as const;
const OUTPUTS = { tensors: ["out"], scalars: ["loss", "count"] } as const;

const tensor = (values: readonly number[], shape: readonly number[]): gg.Tensor => gg.tensorFrom(Float32Array.from(values), "float32", shape);

const backends: readonly (readonly [string, () => gg.Backend])[] = [
  ["js", () => gg.js()],
  ["wasm", () => gg.wasm({ threads: 1 })],
  ["wasm (2 threads)", () => gg.wasm({ threads: 2 })],
];

/** The backend's executable, and the same without its own `bind` (bindRunner's generic wrapper). */
async function executables(make: () => gg.Backend): Promise<readonly Executable[]> {
  const exe = await make().compile(model());
  const { bind: _ignored, ...plain } = exe;
  return [exe, plain];
}

async function settle(r: BoundResult | Promise<BoundResult>): Promise<BoundResult> {
  return r instanceof Promise ? await r : r;
}

const floats = (n: number): fc.Arbitrary<number[]> => fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n });

describe.each(backends)("bind on %s", (_name, make) => {
  it("gives what run gives, over feeds of varying batch sizes (a new binding each size)", async () => {
    for (const exe of await executables(make)) {
      const bound = bindRunner(exe, INPUTS, OUTPUTS);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 }).chain((rows) => fc.tuple(fc.constant(rows), floats(rows * 3), floats(6), floats(2), fc.float({ min: -2, max: 2, noNaN: true }), fc.integer({ min: -5, max: 5 }))), async ([rows, x, w, b, scale, n]) => {
          const feeds = [tensor(x, [rows, 3]), tensor(w, [3, 2]), tensor(b, [2]), Math.fround(scale), n];
          const got = await settle(bound(feeds));
          const want = await exe.run(new Map<string, gg.Tensor>([
            ["x", feeds[0] as gg.Tensor],
            ["w", feeds[1] as gg.Tensor],
            ["b", feeds[2] as gg.Tensor],
            ["scale", tensor([scale], [])],
            ["n", gg.tensorFrom(Int32Array.of(n), "int32", [])],
          ]));
          expect(got.tensors).toHaveLength(1);
          expect(got.tensors[0]?.shape).toEqual([rows, 2]);
          expect([...(got.tensors[0] as gg.Tensor).data]).toEqual([...(want["out"] as gg.Tensor).data]);
          expect(got.scalars).toEqual([(want["loss"] as gg.Tensor).item(), n + 1]);
        }),
        { numRuns: 25 },
      );
    }
  });

  it("returns fresh tensors: a later step does not change an earlier result", async () => {
    for (const exe of await executables(make)) {
      const bound = bindRunner(exe, INPUTS, OUTPUTS);
      const w = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
      const b = tensor([0, 0], [2]);
      const first = await settle(bound([tensor([1, 2, 3], [1, 3]), w, b, 1, 0]));
      const kept = [...(first.tensors[0] as gg.Tensor).data];
      await settle(bound([tensor([7, 8, 9], [1, 3]), w, b, 2, 5]));
      expect([...(first.tensors[0] as gg.Tensor).data]).toEqual(kept);
      expect(kept).toEqual([4, 5]);
    }
  });

  it("rejects bad feeds with run's messages, also after a good step (the fast path re-checks)", async () => {
    for (const exe of await executables(make)) {
      const bound = bindRunner(exe, INPUTS, OUTPUTS);
      const good = [tensor([1, 2, 3], [1, 3]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0, 0], [2]), 1, 0] as const;
      await settle(bound(good));
      const fails = async (feeds: readonly (gg.Tensor | number)[]): Promise<string> => {
        try {
          await settle(bound(feeds));
        } catch (e) {
          return (e as Error).message;
        }
        throw new Error("no error");
      };
      expect(await fails([good[0], tensor([1, 2, 3, 4, 5, 6], [2, 3]), good[2], 1, 0])).toBe("feed 'w': axis 0 has size 2, 3 expected (float32[2,3] for float32[3,2])");
      expect(await fails([good[0], good[1], gg.tensorFrom(Int32Array.of(1, 2), "int32", [2]), 1, 0])).toBe("feed 'b': dtype int32 given, float32 expected (int32[2] for float32[2])");
      expect(await fails([good[0], good[1], good[2], tensor([1, 2], [2]), 0])).toBe("feed 'scale': rank 1 given, 0 expected (float32[2] for float32[])");
      expect(await fails([good[0], 3, good[2], 1, 0])).toBe("feed 'w': rank 0 given, 2 expected (float32[] for float32[3,2])");
      expect(await fails([good[0], good[1], good[2], 1])).toBe("run: 4 feeds given for 5 bound inputs (x, w, b, scale, n)");
      // And it still runs afterwards.
      expect((await settle(bound(good))).scalars).toEqual([9, 1]);
    }
  });

  it("names the outputs there are for an unknown output, and an input the graph lacks", async () => {
    for (const exe of await executables(make)) {
      const unknownOutput = async (): Promise<unknown> => settle(bindRunner(exe, INPUTS, { tensors: ["nope"], scalars: [] })([tensor([1, 2, 3], [1, 3]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0, 0], [2]), 1, 0]));
      await expect(unknownOutput()).rejects.toThrow("no output named 'nope' (outputs: out, loss, count)");
      const bound = bindRunner(exe, [...INPUTS, "extra"], OUTPUTS);
      await expect((async () => settle(bound([tensor([1, 2, 3], [1, 3]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0, 0], [2]), 1, 0, 2])))()).rejects.toThrow("feed 'extra': the graph has no input of that name (inputs: x, w, b, scale, n)");
    }
  });

  it("refuses a tensor output bound as a number", async () => {
    const [exe] = await executables(make);
    const bound = bindRunner(exe as Executable, INPUTS, { tensors: [], scalars: ["out"] });
    await expect((async () => settle(bound([tensor([1, 2, 3], [1, 3]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0, 0], [2]), 1, 0])))()).rejects.toThrow("output 'out' is bound as a number but has shape [1,2]");
  });

  it("interleaves with run and with other bound runners on other shapes", async () => {
    const [exe] = await executables(make);
    const e = exe as Executable;
    const a = bindRunner(e, INPUTS, OUTPUTS);
    const b = bindRunner(e, INPUTS, OUTPUTS);
    const w = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
    const bias = tensor([0, 0], [2]);
    const one = tensor([1, 2, 3], [1, 3]);
    const two = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    for (let i = 0; i < 3; i++) {
      expect((await settle(a([one, w, bias, 1, i]))).scalars).toEqual([9, i + 1]);
      expect((await settle(b([two, w, bias, 2, i]))).scalars).toEqual([2 * (4 + 5 + 10 + 11), i + 1]);
      const r = await e.run(new Map([["x", one], ["w", w], ["b", bias], ["scale", tensor([3], [])], ["n", gg.tensorFrom(Int32Array.of(0), "int32", [])]]));
      expect((r["loss"] as gg.Tensor).item()).toBe(27);
    }
  });
});
