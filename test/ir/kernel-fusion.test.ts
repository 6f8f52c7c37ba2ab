import { describe, expect, it } from "vitest";
import { planShapes } from "../../backends/plan.js";
import { orThrow } from "../../ir/errors.js";
import { graphOf } from "../../ir/graph.js";
import { runPasses } from "../../ir/passes/optimize.js";
import { basicLstmCell } from "../../bench/impls/graphgrad/lstm.js";
import { type Kernel, lowerToKernels } from "../../ir/kernel/index.js";
import * as gg from "../../src/index.js";

/** The kernel program of some outputs (optimized first as `compile` does, when asked), without matmul epilogues. */
function kernelsOf(outputs: Record<string, gg.Expr>, optimize = false): { kernels: readonly Kernel[]; bufferSizes: readonly number[] } {
  const raw = graphOf(Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node])));
  const graph = optimize ? orThrow(runPasses(raw)) : raw;
  const shapes = orThrow(planShapes(graph, new Map()));
  const program = lowerToKernels(graph, shapes.shapes, { env: shapes.env });
  return { kernels: program.kernels, bufferSizes: program.buffers.map((b) => b.size) };
}

/** Elements a map or reduction kernel visits (0 for other kinds). */
const visits = (k: Kernel): number =>
  k.kind === "map" ? k.shape.reduce((a, b) => a * b, 1) : k.kind === "reduce" ? [...k.outShape, ...k.redShape].reduce((a, b) => a * b, 1) : 0;

describe("kernel fusion", () => {
  it("a sparse softmax cross-entropy and its gradient store no index tensor and no one-hot, in 5 passes over the logits", () => {
    const [n, classes] = [64, 1000];
    const logits = gg.input("logits", [n, classes]);
    const labels = gg.input("labels", [n], "int32");
    const loss = gg.sum(gg.losses.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    const [grad] = gg.grad(loss, [logits]);
    const { kernels, bufferSizes } = kernelsOf({ loss, grad: grad as gg.Expr });
    expect(kernels.filter((k) => k.kind === "iota")).toEqual([]);
    // Buffers of the logits' size: the input and the gradient; exp(logits - max) once (an exp is not recomputed).
    expect(bufferSizes.filter((s) => s === n * classes).length).toBe(3);
    // max, Σexp, the gradient, the loss's pick of the label, and the exp (the gradient sums no one-hot).
    expect(kernels.filter((k) => visits(k) === n * classes).length).toBe(5);
  });

  it("an iota read by several maps and reductions is computed in each, one cheap chain on it too (a one-hot), but an exp is stored once", () => {
    const positions = gg.iota([8, 300], 1, "int32");
    const labels = gg.input("labels", [8, 1], "int32");
    const x = gg.input("x", [8, 300]);
    const hot = gg.mul(gg.cast(gg.equal(positions, labels), "float32"), 0.5);
    const e = gg.exp(x);
    const { kernels, bufferSizes } = kernelsOf({ a: gg.sum(gg.mul(hot, e), 1), b: gg.max(gg.add(hot, e), 1), c: gg.add(hot, gg.cast(positions, "float32")) });
    expect(kernels.filter((k) => k.kind === "iota")).toEqual([]);
    // x, exp(x) and the output c; no one-hot.
    expect(bufferSizes.filter((s) => s === 8 * 300).length).toBe(3);
  });

  it("an LSTM cell's forward and backward pass: its gates' gradients written into one buffer, sigmoid masks recomputed, 30 kernels (45 before)", () => {
    const [batch, units] = [4, 8];
    const [x, c, h] = ["x", "c", "h"].map((name) => gg.input(name, [batch, units])) as [gg.Expr, gg.Expr, gg.Expr];
    const kernel = gg.input("kernel", [2 * units, 4 * units]);
    const bias = gg.input("bias", [4 * units]);
    const [c1, h1] = basicLstmCell(x, c, h, kernel, bias, 0);
    const loss = gg.sum(gg.add(gg.mul(c1, c1), h1));
    const grads = gg.grad(loss, [x, c, h, kernel, bias]);
    const { kernels, bufferSizes } = kernelsOf({ loss, ...Object.fromEntries(grads.map((g, i) => [`g${i}`, g as gg.Expr])) }, true);
    // No bool mask stored, and one gates-sized buffer of gradients besides the gates (the product, plus the bias).
    expect(bufferSizes.filter((s) => s === batch * 4 * units).length).toBe(3);
    expect(kernels.filter((k) => k.kind === "map" && k.dtype === "bool")).toEqual([]);
    expect(kernels.length).toBe(30);
  });
});
