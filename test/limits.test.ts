import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { sharedWebGpu, skipWithoutWebGpu } from "./backends/webgpu-setup.js";

/**
 * Allocations beyond what a backend can hold are GraphgradErrors naming the op, the shape and the
 * bytes, given before anything is allocated (none of these cases allocates more than a few MiB).
 */

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(gg.GraphgradError);
    return (e as Error).message;
  }
  throw new Error("expected a GraphgradError, nothing was thrown");
}

/** The outer product of an [n, 1] and a [1, m] input: small feeds, an n·m result. */
function outer(n: number, m: number): { y: gg.Expr; feeds: gg.Feeds } {
  const a = gg.input("a", [null, 1]);
  const b = gg.input("b", [1, null]);
  return { y: gg.sum(gg.matmul(a, b)), feeds: { a: gg.tensorFrom(new Float32Array(n), "float32", [n, 1]), b: gg.tensorFrom(new Float32Array(m), "float32", [1, m]) } };
}

describe("allocation limits", () => {
  it("js: a value of more than 2^31 - 1 elements (one typed array) is refused before anything runs, naming the op, shape and bytes", async () => {
    const { y, feeds } = outer(2 ** 17, 2 ** 17);
    expect(await rejection(gg.evaluate(y, feeds))).toMatch(/^matmul: float32\[131072,131072\] has 17179869184 elements; the JS backend holds every value in a typed array of at most 2\^31 - 1 elements/);
    expect(await rejection(gg.evaluate(gg.exp(gg.fill([2 ** 20, 2 ** 13], 1, "float64"))))).toMatch(/^fill: float64\[1048576,8192\] has 8589934592 elements/);
  });

  it("wasm: a program beyond 4 GiB (one thread) or 2 GiB (shared memory, threads) is refused when its binding is built, naming the largest values", async () => {
    const { y, feeds } = outer(2 ** 17, 2 ** 17);
    expect(await rejection(gg.evaluate(y, feeds, { backend: gg.wasm({ threads: 1 }) }))).toMatch(
      /^matmul: needs 64\.00 GiB of WebAssembly memory: its largest buffer, float32\[131072,131072\], is 64\.00 GiB; .*4\.00 GiB/,
    );
    // 3 GiB fits one thread's memory but not a shared one (never allocated: the check comes first).
    const three = outer(2 ** 15, 3 * 2 ** 13);
    expect(await rejection(gg.evaluate(three.y, three.feeds, { backend: gg.wasm({ threads: 2 }) }))).toMatch(
      /^matmul: needs 3\.00 GiB of WebAssembly memory: its largest buffer, float32\[32768,24576\], is 3\.00 GiB; .*2\.00 GiB/,
    );
  });

  describe("webgpu", () => {
    skipWithoutWebGpu();

    it("webgpu: a buffer beyond the device's maxBufferSize / maxStorageBufferBindingSize, or a dispatch beyond its workgroup limit, is refused", async () => {
      const backend = await sharedWebGpu();
      const { y, feeds } = outer(2 ** 17, 2 ** 17);
      expect(await rejection(gg.evaluate(y, feeds, { backend }))).toMatch(
        /^matmul: needs 64\.00 GiB of GPU memory in one storage buffer: its largest buffer, float32\[131072,131072\], is 64\.00 GiB; this device's WebGPU limit \(maxStorageBufferBindingSize, maxBufferSize\)/,
      );
      const a = gg.input("a", [1, 1]);
      const b = gg.input("b", [1, 2 ** 21]);
      expect(await rejection(gg.evaluate(gg.matmul(a, b), { a: [[1]], b: gg.tensorFrom(new Float32Array(2 ** 21), "float32", [1, 2 ** 21]) }, { backend }))).toMatch(
        /^matmul: \[1, 1, 2097152\] \(batch, rows, columns\) needs \[\d+, 1, 1\] workgroups, more than the WebGPU dispatch limit/,
      );
      // A chain of 70 adds fuses into one kernel reading 71 buffers: more than one kernel addresses.
      const xs = Array.from({ length: 70 }, (_, i) => gg.input(`x${i}`, [2]));
      const pairs = Object.fromEntries(xs.map((_, i) => [`x${i}`, [i, i]]));
      expect(await rejection(gg.evaluate(xs.reduce((a, b) => gg.add(a, b)), pairs, { backend }))).toMatch(/^webgpu: a fused kernel reads 71 buffers/);
      expect((await gg.evaluate(gg.sum(gg.stack(xs), 0), pairs, { backend })).toArray()).toEqual([2415, 2415]);
    });
  });
});
