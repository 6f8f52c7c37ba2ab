import { describe, expect, it } from "vitest";
import { wasm } from "../backends/wasm/index.js";
import * as gg from "../src/index.js";
import { sharedWebGpu, webGpuSkipped } from "./backends/webgpu-setup.js";

/**
 * Feeds are checked and converted exactly (or rejected naming the feed, the element and the
 * value), and a caller's array is read again on every run, whatever the backend remembers.
 */

async function rejection(f: () => unknown): Promise<gg.GraphgradError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(gg.GraphgradError);
    return e as gg.GraphgradError;
  }
  throw new Error("expected a GraphgradError, nothing was thrown");
}

const BACKENDS = [
  ["js", () => gg.js()],
  ["wasm", () => wasm({ threads: 1 })],
] as const;

describe("int32 and bool feeds are converted exactly or rejected", () => {
  for (const [name, backend] of BACKENDS) {
    it(`int32: 1.5, NaN, 2^31, -2^31 - 1 and a Float32Array holding 2.5 are rejected, naming the element (${name})`, async () => {
      const i = gg.input("i", [2, 2], "int32");
      const exe = await gg.compile({ outputs: { s: gg.sum(i) } }, { backend: backend() });
      expect((await exe.run({ i: [[1, -2], [3, 2147483647]] }))["s"]?.item()).toBe((1 - 2 + 3 + 2147483647) | 0);
      const msg = async (v: gg.TensorLike): Promise<string> => (await rejection(() => exe.run({ i: v }))).message;
      expect(await msg([[1, 2], [1.5, 4]])).toBe("feed 'i': element 2 (at [1,0]) is 1.5: int32 takes integers in [-2147483648, 2147483647] (cast converts other values)");
      expect(await msg([[1, Number.NaN], [3, 4]])).toMatch(/^feed 'i': element 1 \(at \[0,1\]\) is NaN: int32 takes integers/);
      expect(await msg([[1, 2], [3, 2 ** 31]])).toMatch(/^feed 'i': element 3 \(at \[1,1\]\) is 2147483648: int32/);
      expect(await msg([[-(2 ** 31) - 1, 2], [3, 4]])).toMatch(/^feed 'i': element 0 \(at \[0,0\]\) is -2147483649: int32/);
      expect(await msg(Float32Array.of(1, 2, 2.5, 4))).toMatch(/^feed 'i': element 2 \(at \[1,0\]\) is 2.5: int32/);
      expect(await msg(Float64Array.of(1, 2, 3, Infinity))).toMatch(/^feed 'i': element 3 \(at \[1,1\]\) is Infinity: int32/);
      expect(await msg(Uint32Array.of(1, 2, 3, 2 ** 32 - 1) as unknown as gg.TensorLike)).toMatch(/^feed 'i': element 3 \(at \[1,1\]\) is 4294967295: int32/);
      // Integral values convert exactly, from any array.
      expect((await exe.run({ i: Float32Array.of(1, 2, 3, -4) }))["s"]?.item()).toBe(2);
    });

    it(`a number bound to a rank-0 int32 or bool input is checked too (${name})`, async () => {
      const n = gg.input("n", [], "int32");
      const b = gg.input("b", [], "bool");
      const exe = await gg.compile({ outputs: { y: gg.where(b, n, 0) } }, { backend: backend() });
      const step = exe.bind(["n", "b"], { tensors: [], scalars: ["y"] });
      const ok = await step([7, 1]);
      expect(ok.scalars[0]).toBe(7);
      // Twice each: the first call checks the feeds, the second takes a bound runner's fast path.
      for (let k = 0; k < 2; k++) {
        expect((await rejection(() => step([7.5, 1]))).message).toMatch(/^feed 'n': element 0 is 7.5: int32 takes integers/);
        expect((await rejection(() => step([7, 2]))).message).toBe("feed 'b': element 0 is 2: bool takes only 0, 1, true and false");
        await step([7, 1]);
      }
    });
  }

  it("a bool tensor whose array the caller set to 2 after creating it is rejected at run time (js, wasm)", async () => {
    const b = gg.input("b", [3], "bool");
    for (const [, backend] of BACKENDS) {
      const exe = await gg.compile({ outputs: { y: gg.cast(b, "int32") } }, { backend: backend() });
      const t = gg.tensorFrom([true, false, true], "bool");
      const step = exe.bind(["b"], { tensors: ["y"], scalars: [] });
      expect((await step([t])).tensors[0]?.toArray()).toEqual([1, 0, 1]);
      (t.data as Uint8Array)[1] = 2;
      expect((await rejection(() => step([t]))).message).toBe("feed 'b': element 1 is 2: bool takes only 0, 1, true and false");
      expect((await rejection(() => exe.run({ b: t }))).message).toBe("feed 'b': element 1 is 2: bool takes only 0, 1, true and false");
    }
  });

  it("a Float64Array fed to a float32 input rounds each value to the nearest float32 (ties to even)", async () => {
    const x = gg.input("x", [4]);
    const exe = await gg.compile({ outputs: { y: gg.neg(x) } });
    const v = [0.1, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 1e40];
    const y = (await exe.run({ x: Float64Array.from(v) }))["y"]?.data;
    expect(Array.from(y ?? [])).toEqual([-Math.fround(0.1), -1, -(1 + 2 ** -22), -Infinity]);
  });
});

describe("a caller's array is read again on every run", () => {
  for (const [name, backend] of [...BACKENDS, ...(webGpuSkipped() ? [] : [["webgpu", () => sharedWebGpu()] as const])] as const) {
    it(`run and bind see the values written into a fed tensor's array after an earlier run (${name})`, async () => {
      const x = gg.input("x", [3]);
      const exe = await gg.compile({ outputs: { y: gg.mul(x, 2) } }, { backend: await backend() });
      const data = Float32Array.of(1, 2, 3);
      const t = new gg.Tensor("float32", [3], data);
      expect((await exe.run({ x: t }))["y"]?.toArray()).toEqual([2, 4, 6]);
      data.set([10, 20, 30]);
      expect((await exe.run({ x: t }))["y"]?.toArray()).toEqual([20, 40, 60]);
      const step = exe.bind(["x"], { tensors: ["y"], scalars: [] });
      expect((await step([t])).tensors[0]?.toArray()).toEqual([20, 40, 60]);
      data.set([-1, -2, -3]);
      expect((await step([t])).tensors[0]?.toArray()).toEqual([-2, -4, -6]);
    });
  }

  it("a train step fed one batch tensor refilled in place between steps computes each step on the new batch (wasm, donated state)", async () => {
    const w = gg.param("w", [2]);
    const x = gg.input("x", [2]);
    const loss = gg.sum(gg.square(gg.sub(w, x)));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0 }), backend: wasm({ threads: 1 }), donate: true });
    let state = await step.init({ w: [0, 0] });
    const batch = Float32Array.of(1, 1);
    const xs = new gg.Tensor("float32", [2], batch);
    for (const v of [1, 2, 3]) {
      batch.fill(v);
      const [next, metrics] = await step.run(state, { x: xs });
      state = next;
      expect(metrics["loss"]).toBe(2 * v * v);
    }
  });

  it("a tensor the library returned is not copied again when fed back (its array is not re-read)", async () => {
    // Writing a returned tensor breaks the documented contract; it is done here only to observe
    // that the backend kept its own copy instead of reading the array again.
    const x = gg.input("x", [3]);
    const backend = wasm({ threads: 1 });
    const produce = await gg.compile({ outputs: { y: gg.add(x, 1) } }, { backend });
    const consume = await gg.compile({ outputs: { z: gg.mul(x, 10) } }, { backend });
    const y = (await produce.run({ x: [1, 2, 3] }))["y"] as gg.Tensor;
    expect((await consume.run({ x: y }))["z"]?.toArray()).toEqual([20, 30, 40]);
    (y.data as Float32Array)[0] = 100;
    expect((await consume.run({ x: y }))["z"]?.toArray()).toEqual([20, 30, 40]);
  });
});
