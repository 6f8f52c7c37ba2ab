import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads, sizeOf } from "../../src/testing/index.js";
import { type Image, moveChannels, tfConv, tfConvTranspose, type TfPadding } from "./tf-reference.js";

/**
 * gg.conv and gg.convTranspose against TensorFlow's definitions (tf-reference.ts) in float64 on the
 * JS backend, their gradients against finite differences (first and second order, every option),
 * vmap, symbolic batches and the errors.
 */

const image = (shape: readonly number[], seed: number): Image => ({ shape, values: Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(1.7 * i + seed) * 1.5) });
const tensor = (x: Image): gg.Tensor => gg.tensorFrom(Float64Array.from(x.values), "float64", x.shape);

function expectClose(got: gg.Tensor, want: Image, what: string): void {
  expect([...got.shape], what).toEqual([...want.shape]);
  const worst = Math.max(0, ...Array.from(got.data as Float64Array, (v, i) => Math.abs(v - (want.values[i] as number))));
  expect(worst, what).toBeLessThan(1e-12);
}

interface Variant {
  readonly name: string;
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly o: { strides?: number | number[]; padding?: TfPadding; dilation?: number | number[]; groups?: number; layout?: "NHWC" | "NCHW" };
}

/** One of each option, on 1, 2 and 3 spatial axes. */
const VARIANTS: readonly Variant[] = [
  { name: "1-D, stride 2, same", x: [2, 9, 3], w: [3, 3, 4], o: { strides: 2, padding: "same" } },
  { name: "1-D, dilation 3, valid", x: [1, 10, 2], w: [3, 2, 2], o: { dilation: 3 } },
  { name: "2-D, strides [2, 1], same", x: [2, 7, 6, 3], w: [3, 2, 3, 4], o: { strides: [2, 1], padding: "same" } },
  { name: "2-D, dilation 2, explicit padding", x: [1, 6, 7, 2], w: [2, 3, 2, 3], o: { dilation: [2, 1], padding: [[1, 2], [0, 3]] } },
  { name: "2-D, 2 groups", x: [2, 5, 5, 4], w: [3, 3, 2, 6], o: { groups: 2, padding: "same" } },
  { name: "2-D, depthwise (groups = channels), stride 2", x: [1, 6, 6, 3], w: [3, 3, 1, 3], o: { groups: 3, strides: 2 } },
  { name: "2-D, NCHW", x: [2, 3, 6, 5], w: [3, 3, 3, 2], o: { layout: "NCHW", padding: "same", strides: 2 } },
  { name: "3-D, strides and same padding", x: [1, 4, 5, 3, 2], w: [2, 3, 2, 2, 3], o: { strides: [1, 2, 2], padding: "same" } },
  { name: "3-D, 2 groups, dilation", x: [1, 5, 4, 4, 4], w: [2, 2, 2, 2, 2], o: { groups: 2, dilation: [2, 1, 1] } },
];

const axesOf = (v: number | number[] | undefined, d: number): number[] => (v === undefined ? new Array<number>(d).fill(1) : typeof v === "number" ? new Array<number>(d).fill(v) : v);

/** The TF reference of a variant (channels moved for NCHW). */
function reference(v: Variant, x: Image, w: Image): Image {
  const d = v.x.length - 2;
  const nchw = v.o.layout === "NCHW";
  const y = tfConv(nchw ? moveChannels(x, true) : x, w, { strides: axesOf(v.o.strides, d), dilation: axesOf(v.o.dilation, d), padding: v.o.padding ?? "valid", groups: v.o.groups ?? 1 });
  return nchw ? moveChannels(y, false) : y;
}

describe("gg.conv", () => {
  it("computes TensorFlow's convolution: a hand-worked case", async () => {
    const x = gg.constant([[[[1], [2], [3], [4]], [[5], [6], [7], [8]], [[9], [10], [11], [12]], [[13], [14], [15], [16]]]]);
    const ones = gg.ones([2, 2, 1, 1]);
    expect((await gg.evaluate(gg.conv(x, ones, { strides: 2 }))).toArray()).toEqual([[[[14], [22]], [[46], [54]]]]);
    // "same" with stride 1 pads one row and column after (total 1: 0 before, 1 after).
    expect((await gg.evaluate(gg.conv(x, ones, { padding: "same" }))).shape).toEqual([1, 4, 4, 1]);
    const same = await gg.evaluate(gg.conv(x, ones, { padding: "same" }));
    expect(same.data[15]).toBe(16);
  });

  for (const v of VARIANTS) {
    it(`${v.name}: values as TensorFlow's, gradients as finite differences`, async () => {
      const [x, w] = [image(v.x, 1), image(v.w, 2)];
      const xe = gg.input("x", v.x, "float64");
      const we = gg.input("w", v.w, "float64");
      const y = gg.conv(xe, we, v.o);
      expectClose(await gg.evaluate(y, { x: tensor(x), w: tensor(w) }), reference(v, x, w), v.name);
      await checkGrads((a, b) => gg.conv(a, b, v.o), [x, w]);
    });
  }

  it("second derivatives: the Hessian-vector products of a conv net match finite differences of its gradient (input and kernel)", async () => {
    const [x, w] = [image([1, 5, 4, 2], 3), image([3, 2, 2, 2], 4)];
    const o = { strides: [2, 1], padding: "same" as const, dilation: [1, 2] };
    const f = (a: gg.Expr, b: gg.Expr): gg.Expr => gg.sum(gg.tanh(gg.conv(gg.tanh(a), b, o)));
    await checkGrads(f, [x, w], { order: 2 });
  });

  it("second derivatives through groups (the kernel gradient's batch axis) and input dilation (convTranspose)", async () => {
    const [x, w] = [image([1, 4, 5, 4], 5), image([2, 2, 2, 4], 6)];
    const f = (a: gg.Expr, b: gg.Expr): gg.Expr => gg.sum(gg.square(gg.convTranspose(gg.tanh(gg.conv(a, b, { groups: 2, padding: "same" })), b, { strides: 2 })));
    await checkGrads((a, b) => gg.grad(f(a, b), b), [x, w]);
  });

  it("a symbolic batch: one graph runs at two batch sizes; the grouped kernel gradient needs no product of symbols", async () => {
    const x = gg.input("x", [null, 5, 5, 4], "float64");
    const w = gg.input("w", [3, 3, 2, 4], "float64");
    const y = gg.conv(x, w, { groups: 2, padding: "same" });
    expect(y.shape).toEqual(["?x.0", 5, 5, 4]);
    const [gw] = gg.grad(gg.sum(gg.square(y)), [w]);
    const exe = await gg.compile({ outputs: { y, gw: gw as gg.Expr } });
    for (const n of [1, 3]) {
      const [xv, wv] = [image([n, 5, 5, 4], n), image([3, 3, 2, 4], 9)];
      const r = await exe.run({ x: tensor(xv), w: tensor(wv) });
      expectClose(r.y, tfConv(xv, wv, { strides: [1, 1], dilation: [1, 1], padding: "same", groups: 2 }), `batch ${n}`);
      expect(r.gw.shape).toEqual([3, 3, 2, 4]);
    }
  });

  it("vmap: per-example kernel gradients equal one gradient per example", async () => {
    const xs = gg.input("xs", [3, 1, 6, 5, 2], "float64"); // 3 examples of [1, 6, 5, 2]
    const w = gg.input("w", [3, 3, 2, 3], "float64");
    const loss = (x: gg.Expr): gg.Expr => gg.sum(gg.tanh(gg.conv(x, w, { strides: 2, padding: "same" })));
    const per = gg.vmap((x: gg.Expr) => gg.grad(loss(x), w))(xs);
    const [xv, wv] = [image([3, 1, 6, 5, 2], 1), image([3, 3, 2, 3], 2)];
    const got = await gg.evaluate(per, { xs: tensor(xv), w: tensor(wv) });
    const one = gg.input("one", [1, 6, 5, 2], "float64");
    const exe = await gg.compile({ outputs: { g: gg.grad(loss(one), w) } });
    for (let b = 0; b < 3; b++) {
      const slice = { shape: [1, 6, 5, 2], values: xv.values.slice(b * 60, (b + 1) * 60) };
      const want = (await exe.run({ one: tensor(slice), w: tensor(wv) })).g;
      expect(Array.from(got.data.slice(b * 54, (b + 1) * 54))).toEqual(Array.from(want.data));
    }
  });
});

describe("gg.convTranspose", () => {
  const cases = [
    { name: "stride 2, same (output T·stride)", x: [1, 3, 2, 2], w: [3, 3, 4, 2], o: { strides: 2, padding: "same" as const }, out: [6, 4] },
    { name: "stride 2, valid (output (T−1)·stride + span)", x: [2, 2, 3, 3], w: [3, 2, 2, 3], o: { strides: 2 }, out: [5, 6] },
    { name: "1-D, stride 3, dilation 2, explicit padding", x: [1, 4, 2], w: [2, 3, 2], o: { strides: 3, dilation: 2, padding: [[1, 1]] as [number, number][] }, out: [10] },
    { name: "stride 2, same, outputShape one less (TF allows either)", x: [1, 3, 3, 1], w: [3, 3, 2, 1], o: { strides: 2, padding: "same" as const, outputShape: [1, 5, 5, 2] }, out: [5, 5] },
  ];
  for (const c of cases) {
    it(`${c.name}: the scatter form of TensorFlow's conv_transpose; gradients as finite differences`, async () => {
      const [x, w] = [image(c.x, 3), image(c.w, 4)];
      const y = gg.convTranspose(gg.input("x", c.x, "float64"), gg.input("w", c.w, "float64"), c.o);
      const d = c.x.length - 2;
      const want = tfConvTranspose(x, w, { strides: axesOf(c.o.strides, d), dilation: axesOf("dilation" in c.o ? c.o.dilation : undefined, d), padding: c.o.padding ?? "valid", outSizes: c.out });
      expectClose(await gg.evaluate(y, { x: tensor(x), w: tensor(w) }), want, c.name);
      await checkGrads((a, b) => gg.convTranspose(a, b, c.o), [x, w]);
    });
  }

  it("is the gradient of conv with respect to its input", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom("same", "valid"), arb.values(2 * 4 * 3), async (stride, k, padding, wv) => {
        const z = gg.input("z", [2, 7, 2], "float64");
        const w = gg.constant(wv.map((v) => [v]), "float64");
        const kernel = gg.reshape(gg.slice(gg.reshape(w, [8, 3]), [0, 0], [k * 2, 3]), [k, 2, 3]);
        const y = gg.conv(z, kernel, { strides: stride, padding });
        const ct = gg.input("ct", y.shape, "float64");
        const [byGrad] = gg.grad(gg.sum(gg.mul(y, ct)), [z]);
        const byTranspose = gg.convTranspose(ct, kernel, { strides: stride, padding, outputShape: [7] });
        const ctv = image(y.shape as number[], 5);
        // The gradient does not depend on z (conv is linear in it): only the cotangent is fed.
        const r = await gg.evaluate({ a: byGrad as gg.Expr, b: byTranspose }, { ct: tensor(ctv) });
        expect(Array.from(r.b.data)).toEqual(Array.from(r.a.data));
      }),
      { numRuns: 12 },
    );
  });
});

describe("conv errors name the op and the shapes", () => {
  const x = gg.input("x", [2, 5, 5, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ["input rank", () => gg.conv(gg.input("v", [5, 3]), gg.input("k", [3, 3, 4])), /^conv: the input needs rank 3, 4 or 5 .*got \[5,3\]/],
    ["kernel rank", () => gg.conv(x, gg.input("k", [3, 3, 4])), /^conv: the kernel \[3,3,4\] needs rank 4 .* for the input \[2,5,5,3\]/],
    ["channels", () => gg.conv(x, gg.input("k", [3, 3, 4, 8])), /^conv: the input has 3 channels, the kernel 4 input channels \(input \[2,5,5,3\], kernel \[3,3,4,8\], groups 1\)/],
    ["groups", () => gg.conv(gg.input("v", [2, 5, 5, 4]), gg.input("k", [3, 3, 2, 5]), { groups: 2 }), /^conv: 5 output channels do not divide into 2 groups/],
    ["window", () => gg.conv(x, gg.input("k", [7, 3, 3, 8])), /^conv: the kernel's span 7 on spatial axis 0 exceeds the padded input's 5 \(input \[2,5,5,3\], kernel \[7,3,3,8\]/],
    ["strides", () => gg.conv(x, gg.input("k", [3, 3, 3, 8]), { strides: [1, 0] }), /^conv: strides must be a positive integer or 2 of them/],
    ["padding", () => gg.conv(x, gg.input("k", [3, 3, 3, 8]), { padding: [[1, 1]] }), /^conv: padding must be "same", "valid" or 2 pairs/],
    ["layout", () => gg.conv(x, gg.input("k", [3, 3, 3, 8]), { layout: "NWHC" as "NHWC" }), /^conv: layout must be "NHWC" or "NCHW"/],
    ["symbolic spatial size", () => gg.conv(gg.input("v", [2, null, 5, 3]), gg.input("k", [3, 3, 3, 8])), /^conv: spatial sizes must be known, got \[2,\?v\.1,5,3\]/],
    ["dtype", () => gg.conv(gg.input("b", [2, 5, 5, 3], "bool"), gg.input("k", [3, 3, 3, 8], "bool")), /^conv: needs numeric operands, got bool/],
    ["convTranspose output", () => gg.convTranspose(gg.input("v", [1, 3, 3, 2]), gg.input("k", [3, 3, 4, 2]), { strides: 2, padding: "same", outputShape: [9, 9] }), /^convTranspose: an output of spatial size \[9,9\] convolves .* to \[5,5\], not the input's \[3,3\]/],
    ["convTranspose channels", () => gg.convTranspose(gg.input("v", [1, 3, 3, 2]), gg.input("k", [3, 3, 4, 5])), /^convTranspose: the input has 2 channels, the kernel 5 \(its last axis/],
    ["reverse axis", () => gg.reverse(x, 4), /^reverse: axis 4 is out of range for rank 4/],
  ];
  for (const [name, f, message] of cases) {
    it(name, () => {
      expect(f).toThrow(gg.GraphgradError);
      expect(f).toThrow(message);
    });
  }
});
