import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkGrads, sizeOf } from "../../src/testing/index.js";
import { type Image, moveChannels, tfPool } from "./tf-reference.js";

/** gg.maxPool and gg.avgPool against TensorFlow's pooling (tf-reference.ts), their gradients against finite differences. */

// Distinct values (no ties inside a window), negative ones included: "same" padding must never win a max.
const image = (shape: readonly number[], seed: number): Image => ({ shape, values: Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(1.3 * i + seed) * 2 - 0.5 + i * 1e-3) });
const tensor = (x: Image): gg.Tensor => gg.tensorFrom(Float64Array.from(x.values), "float64", x.shape);

interface Variant {
  readonly name: string;
  readonly x: readonly number[];
  readonly o: gg.PoolOptions;
}

const VARIANTS: readonly Variant[] = [
  { name: "2×2 by 2, valid (one view, one reduction)", x: [2, 6, 4, 3], o: { window: 2 } },
  { name: "2×2 by 2, valid, odd sizes (the last row and column dropped)", x: [1, 5, 7, 2], o: { window: 2 } },
  { name: "3×3 by 2, same (overlapping windows)", x: [1, 7, 6, 2], o: { window: 3, strides: 2, padding: "same" } },
  { name: "window 2 by 3 (gaps), same", x: [1, 8, 7, 1], o: { window: 2, strides: 3, padding: "same" } },
  { name: "1-D, window 3 by 1, same", x: [2, 6, 2], o: { window: 3, strides: 1, padding: "same" } },
  { name: "3-D, 2×2×2 by [1, 2, 2]", x: [1, 3, 4, 5, 2], o: { window: 2, strides: [1, 2, 2] } },
  { name: "NCHW, [2, 3] by [2, 1], same", x: [1, 2, 5, 4], o: { window: [2, 3], strides: [2, 1], padding: "same", layout: "NCHW" } },
];

const axes = (v: number | readonly number[] | undefined, d: number, fallback: readonly number[]): number[] => (v === undefined ? [...fallback] : typeof v === "number" ? new Array<number>(d).fill(v) : [...v]);

function reference(v: Variant, x: Image, kind: "max" | "avg"): Image {
  const d = v.x.length - 2;
  const window = axes(v.o.window, d, []);
  const nchw = v.o.layout === "NCHW";
  const y = tfPool(nchw ? moveChannels(x, true) : x, { window, strides: axes(v.o.strides, d, window), padding: v.o.padding ?? "valid", kind });
  return nchw ? moveChannels(y, false) : y;
}

function expectClose(got: gg.Tensor, want: Image, what: string): void {
  expect([...got.shape], what).toEqual([...want.shape]);
  const worst = Math.max(0, ...Array.from(got.data as Float64Array, (v, i) => Math.abs(v - (want.values[i] as number))));
  expect(worst, what).toBeLessThan(1e-12);
}

describe("gg.maxPool and gg.avgPool", () => {
  for (const v of VARIANTS) {
    it(`${v.name}: values as TensorFlow's, gradients as finite differences`, async () => {
      const x = image(v.x, v.x.length);
      const xe = gg.input("x", v.x, "float64");
      const r = await gg.evaluate({ max: gg.maxPool(xe, v.o), avg: gg.avgPool(xe, v.o) }, { x: tensor(x) });
      expectClose(r.max, reference(v, x, "max"), `${v.name} max`);
      expectClose(r.avg, reference(v, x, "avg"), `${v.name} avg`);
      for (const pool of [gg.maxPool, gg.avgPool]) {
        await checkGrads((a) => pool(a, v.o), [x]);
      }
    });
  }

  it("a window that fits its stride is one reshaped view and one reduction (no stacking)", () => {
    const y = gg.maxPool(gg.input("x", [null, 24, 24, 64]), { window: 2 });
    expect(y.shape).toEqual(["?x.0", 12, 12, 64]);
    const ops = gg.graph({ y }).nodes.map((n) => n.op);
    expect(ops.filter((op) => op === "concat" || op === "pad")).toEqual([]);
    expect(ops.filter((op) => op === "reduceMax")).toHaveLength(1);
  });

  it("ties share the gradient evenly (as gg.max); int32 max pooling", async () => {
    const x = gg.input("x", [1, 2, 2, 1], "float64");
    const [g] = gg.grad(gg.sum(gg.maxPool(x, { window: 2 })), [x]);
    expect(Array.from((await gg.evaluate(g as gg.Expr, { x: [[[[1], [1]], [[1], [1]]]] })).data)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const ints = gg.input("i", [1, 3, 1], "int32");
    const pooled = await gg.evaluate(gg.maxPool(ints, { window: 2, strides: 1, padding: "same" }), { i: gg.tensorFrom([[[-5], [-7], [-9]]], "int32") });
    expect(pooled.dtype).toBe("int32");
    expect(Array.from(pooled.data)).toEqual([-5, -7, -9]);
  });

  it("errors name the op and the shapes", () => {
    const x = gg.input("x", [2, 5, 5, 3]);
    expect(() => gg.maxPool(x, { window: 6 })).toThrow(/^maxPool: the window \[6,6\] does not fit the input \[2,5,5,3\] with valid padding/);
    expect(() => gg.avgPool(x, { window: [2, 2, 2] })).toThrow(/^avgPool: window must be a positive integer or 2 of them/);
    expect(() => gg.maxPool(x, { window: 2, padding: "full" as "same" })).toThrow(/^maxPool: padding must be "same" or "valid"/);
    expect(() => gg.maxPool(gg.input("v", [5, 3]), { window: 2 })).toThrow(/^maxPool: the input needs rank 3, 4 or 5/);
  });
});
