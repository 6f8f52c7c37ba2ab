import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { sizeOf } from "../../src/testing/index.js";
import { convCaseArb } from "../support/conv-cases.js";
import { expectOutputsClose, ortSession, ortSessionFloat64, runOrt } from "./ort.js";

/**
 * conv exported as ONNX Conv (transposed to channels first) and run in ONNX Runtime: the
 * primitive with every option (input dilation and negative padding written around Conv), its
 * gradients (convolutions of reversed kernels: reverse as a Slice with step −1), pooling, and a
 * small CNN at two batch sizes; against graphgrad's JS backend.
 */

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + seed) * 1.5);
const tensor = (shape: readonly number[], seed: number, dtype: gg.DType = "float32"): gg.Tensor => gg.tensorFrom(Float64Array.from(values(sizeOf(shape), seed)), dtype, shape);

async function expectSame(outputs: Record<string, gg.Expr>, feeds: Record<string, gg.Tensor>, tolerance: number, float64 = false): Promise<void> {
  const bytes = gg.onnx.export(outputs);
  const session = float64 ? await ortSessionFloat64(bytes) : await ortSession(bytes);
  const got = await runOrt(session, Object.fromEntries(session.inputNames.map((k) => [k, feeds[k] as gg.Tensor])));
  const want = await gg.evaluate(outputs, feeds);
  expectOutputsClose(got, want, tolerance, 1);
}

describe("ONNX export of conv", () => {
  it("the primitive with every option and its gradients (input dilation, negative padding, groups, image batch axes), float32 and float64", async () => {
    await fc.assert(
      fc.asyncProperty(convCaseArb({ maxChannels: 3 }).filter((c) => c.w.length === c.attrs.strides.length + 2), fc.boolean(), async (c, double) => {
        const dtype = double ? "float64" : "float32";
        const x = gg.input("x", c.x, dtype);
        const w = gg.input("w", c.w, dtype);
        const y = prim("conv", [x, w], c.attrs);
        const dy = gg.input("dy", y.shape, dtype);
        const [gx, gw] = gg.grad(gg.sum(gg.mul(y, dy)), [x, w]);
        const feeds = { x: tensor(c.x, 1, dtype), w: tensor(c.w, 2, dtype), dy: tensor(y.shape as number[], 3, dtype) };
        await expectSame({ y, gx: gx as gg.Expr, gw: gw as gg.Expr }, feeds, double ? 1e-12 : 1e-5, double);
      }),
      { numRuns: 15 },
    );
  });

  it("image batch axes of symbolic size (merged by a product read at run time), with input dilation and negative padding, float32 and float64, at several sizes (0 included) from one file", async () => {
    const attrs = { strides: [2, 1], lo: [1, -1], hi: [0, 2], lhsDilation: [2, 1], rhsDilation: [1, 2], groups: 2 };
    for (const dtype of ["float32", "float64"] as const) {
      const x = gg.input("x", ["b", "n", 3, 4, 4], dtype);
      const w = gg.input("w", [2, 2, 2, 6], dtype);
      const y = prim("conv", [x, w], attrs);
      const dy = gg.input("dy", y.shape, dtype);
      // (The kernel's gradient is a convolution batched over the image's symbolic axes: refused, see below.)
      const [gx] = gg.grad(gg.sum(gg.mul(y, dy)), [x]);
      const outputs = { y, gx: gx as gg.Expr };
      const bytes = gg.onnx.export(outputs);
      const session = dtype === "float64" ? await ortSessionFloat64(bytes) : await ortSession(bytes);
      for (const [b, n] of [[2, 3], [1, 1], [3, 0]] as const) {
        const yShape = [b, n, ...(y.shape.slice(2) as number[])];
        const feeds = { x: tensor([b, n, 3, 4, 4], b + n, dtype), w: tensor([2, 2, 2, 6], 2, dtype), dy: tensor(yShape, 3, dtype) };
        const want = await gg.evaluate(outputs, feeds);
        const got = await runOrt(session, Object.fromEntries(session.inputNames.map((k) => [k, feeds[k as keyof typeof feeds]])));
        expectOutputsClose(got, want, dtype === "float64" ? 1e-12 : 1e-5, 1);
      }
    }
  });

  it("a small CNN (conv, ReLU, max and average pooling, dense) over a symbolic batch, at two batch sizes from one file", async () => {
    const x = gg.input("x", [null, 9, 8, 2]);
    const k1 = gg.input("k1", [3, 3, 2, 4]);
    const k2 = gg.input("k2", [2, 2, 2, 6]);
    const dense = gg.input("dense", [2 * 1 * 6, 3]);
    const h = gg.maxPool(gg.relu(gg.conv(x, k1, { padding: "same", strides: [1, 2] })), { window: 3, strides: 2, padding: "same" });
    const h2 = gg.avgPool(gg.relu(gg.conv(h, k2, { groups: 2, dilation: 1 })), { window: 2, padding: "same" });
    const logits = gg.matmul(gg.reshape(h2, [-1, 12]), dense);
    for (const n of [5, 1]) {
      await expectSame({ logits }, { x: tensor([n, 9, 8, 2], n), k1: tensor([3, 3, 2, 4], 7), k2: tensor([2, 2, 2, 6], 8), dense: tensor([12, 3], 9) }, 1e-5);
    }
  });

  it("vmap over kernels (the batch folded into groups)", async () => {
    const z = gg.input("z", [2, 6, 3]);
    const ws = gg.input("ws", [4, 3, 3, 2]);
    const perKernel = gg.vmap((w: gg.Expr) => gg.conv(z, w, { padding: "same" }))(ws);
    await expectSame({ y: perKernel }, { z: tensor([2, 6, 3], 1), ws: tensor([4, 3, 3, 2], 2) }, 1e-5);
  });

  it("is refused with the op named for int32, and for kernels batched over a symbolic size", () => {
    const x = gg.input("x", [1, 4, 1], "int32");
    expect(() => gg.onnx.export({ y: gg.conv(x, gg.input("w", [2, 1, 1], "int32")) })).toThrow(/^conv: not exportable to ONNX: ONNX's Conv takes floats, not int32/);
    const perKernel = gg.vmap((w: gg.Expr) => gg.conv(gg.input("z", [1, 4, 1]), w))(gg.input("ws", [null, 2, 1, 1]));
    expect(() => gg.onnx.export({ y: perKernel })).toThrow(/^conv: not exportable to ONNX: kernels batched over \[\?ws\.0\] \(a vmap over kernels\) are folded into Conv's groups, whose number must be known/);
  });
});
