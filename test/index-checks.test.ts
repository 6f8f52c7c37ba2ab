import { describe, expect, it } from "vitest";
import { GraphgradError } from "../ir/errors.js";
import * as gg from "../src/index.js";

/**
 * Out-of-range indices and labels fail the run (TensorFlow's CPU rule) on every backend; the
 * backends' own agreement is in the conformance suite (test/backends/conformance.ts) and the JS
 * reference's in test/backends/js-kernels.test.ts. Here: what the user sees around a failed run.
 */

const BACKENDS = [
  ["js", () => gg.js()],
  ["wasm", () => gg.wasm({ threads: 1 })],
] as const;

describe.each(BACKENDS)("index checks on %s", (_name, backendOf) => {
  it("sparseSoftmaxCrossEntropyWithLogits with label 7 or -1 of 3 classes fails the run (it was a loss of 0)", async () => {
    const logits = gg.input("logits", [null, 3]);
    const labels = gg.input("labels", [null], "int32");
    const exe = await gg.compile({ outputs: { loss: gg.losses.sparseSoftmaxCrossEntropyWithLogits(labels, logits) } }, { backend: backendOf() });
    const feeds = (y: number[]): gg.Feeds => ({ logits: [[1, 2, 3], [3, 2, 1]], labels: gg.tensorFrom(y, "int32") });
    await expect(exe.run(feeds([0, 7]))).rejects.toThrow("losses.sparseSoftmaxCrossEntropyWithLogits: labels[1] = 7 is not in [0, 3)");
    await expect(exe.run(feeds([-1, 0]))).rejects.toThrow("losses.sparseSoftmaxCrossEntropyWithLogits: labels[0] = -1 is not in [0, 3)");
    const ok = await exe.run(feeds([2, 0]));
    expect(Array.from(ok["loss"]!.data).map((v) => +v.toFixed(5))).toEqual([0.40761, 0.40761]);
    // The same loss over time steps (PTB's sequence loss) checks every step's targets.
    const seq = gg.losses.sequenceLossByExample([logits, logits], [labels, gg.sub(labels, 1)], [gg.onesLike(gg.cast(labels, "float32")), gg.onesLike(gg.cast(labels, "float32"))]);
    const seqExe = await gg.compile({ outputs: { seq } }, { backend: backendOf() });
    await expect(seqExe.run(feeds([2, 0]))).rejects.toThrow("labels[1] = -1 is not in [0, 3)");
  });

  // Indices fed as they are (checked before the run), and computed from a feed (checked by the run).
  it.each([
    ["fed", (ids: gg.Expr) => ids, 0],
    ["computed", (ids: gg.Expr) => gg.sub(ids, 1), 1],
  ] as const)("a train step on a batch with a bad label fails, donates nothing, and the same state then trains as if it had not been tried (ids %s)", async (_how, idsOf, shift) => {
    // Wide enough (a table of 1200 elements) that a donating WASM step leaves it in the module.
    const width = 300;
    const x = gg.input("x", [null, width]);
    const y = gg.input("y", [null], "int32");
    const ids = gg.input("ids", [null], "int32");
    const emb = gg.nn.embedding(idsOf(ids), gg.param("table", [4, width]));
    const logits = gg.add(gg.matmul(gg.add(x, emb), gg.param("w", [width, 3])), gg.param("b", [3]));
    const loss = gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(y, logits));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.1 }), donate: true, backend: backendOf() });
    const values = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));
    const init = { table: gg.tensorFrom(values(4 * width, (i) => Math.sin(i) * 0.1), "float32", [4, width]), w: gg.tensorFrom(values(3 * width, (i) => Math.cos(i) * 0.1), "float32", [width, 3]), b: [0, 0, 0] };
    const idsOfRows = (r: number[]): gg.Tensor => gg.tensorFrom(r.map((i) => i + shift), "int32");
    const batch = { x: gg.tensorFrom(values(2 * width, (i) => Math.cos(i * 0.7)), "float32", [2, width]), y: gg.tensorFrom([0, 2], "int32"), ids: idsOfRows([1, 3]) };
    // Reference: three good steps.
    let ref = await step.init(init);
    for (let i = 0; i < 3; i++) [ref] = await step.run(ref, batch);
    // The same, with failed steps after the second (a bad label, then a bad id): the state they
    // were given (left unread in the backend's memory by a donating step) survives them.
    let s = await step.init(init);
    [s] = await step.run(s, batch);
    [s] = await step.run(s, batch);
    await expect(step.run(s, { ...batch, y: gg.tensorFrom([0, 3], "int32") })).rejects.toThrow(GraphgradError);
    await expect(step.run(s, { ...batch, ids: idsOfRows([4, 0]) })).rejects.toThrow("gather: indices[0] = 4 is not in [0, 4)");
    [s] = await step.run(s, batch);
    for (const name of ["table", "w", "b"]) expect(Array.from(s.params[name]!.data), name).toEqual(Array.from(ref.params[name]!.data));
  });

  it("a bound runner (the per-step path) fails on a bad index and then runs good feeds", async () => {
    const table = gg.input("table", [3, 2]);
    const ids = gg.input("ids", [2], "int32");
    const exe = await gg.compile({ outputs: { rows: gg.gather(table, ids) } }, { backend: backendOf() });
    const run = exe.bind(["table", "ids"], { tensors: ["rows"], scalars: [] });
    const t = gg.tensorFrom([[1, 2], [3, 4], [5, 6]], "float32");
    const go = async (i: number[]): Promise<number[]> => {
      const r = run([t, gg.tensorFrom(i, "int32")]);
      return Array.from((r instanceof Promise ? await r : r).tensors[0]!.data);
    };
    expect(await go([2, 0])).toEqual([5, 6, 1, 2]);
    await expect(go([2, 3])).rejects.toThrow("gather: indices[1] = 3 is not in [0, 3)");
    expect(await go([1, 1])).toEqual([3, 4, 3, 4]);
  });

  it("constant indices: a failing check is not folded away (the run fails), a passing one folds", async () => {
    const table = gg.input("table", [3, 2]);
    const feeds = { table: [[1, 2], [3, 4], [5, 6]] };
    const bad = await gg.compile({ outputs: { rows: gg.gather(table, gg.constant([0, 5], "int32")) } }, { backend: backendOf() });
    expect(bad.graph.nodes.some((n) => n.op === "checkIndex")).toBe(true);
    await expect(bad.run(feeds)).rejects.toThrow("gather: indices[1] = 5 is not in [0, 3)");
    const good = await gg.compile({ outputs: { rows: gg.gather(table, gg.constant([2, 0], "int32")) } }, { backend: backendOf() });
    expect(good.graph.nodes.some((n) => n.op === "checkIndex")).toBe(false);
    expect((await good.run(feeds))["rows"]!.toArray()).toEqual([[5, 6], [1, 2]]);
  });

  it("oneHot keeps TensorFlow's and JAX's rule: an index outside [0, depth) is a row of zeros", async () => {
    const i = gg.input("i", [4], "int32");
    const out = await gg.evaluate(gg.oneHot(i, 3), { i: gg.tensorFrom([0, 3, -1, 2], "int32") }, { backend: backendOf() });
    expect(out.toArray()).toEqual([[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1]]);
  });
});

describe("argmax", () => {
  it("over an axis of size 0 is an error when the graph is built (it returned 0)", () => {
    expect(() => gg.argmax(gg.input("x", [2, 0]), 1)).toThrow("argmax: axis 1 of [2,0] has size 0: an empty axis has no largest entry");
    expect(() => gg.argmax(gg.input("x", [0, 3]), 1)).not.toThrow(); // no rows: nothing to index
  });
});
