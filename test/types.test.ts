import { describe, expect, expectTypeOf, it } from "vitest";
import * as gg from "../src/index.js";

/**
 * Type-level tests: `tsc` (the first half of `npm test`) checks the `expectTypeOf` lines and that
 * every `@ts-expect-error` line is an error; vitest runs the same calls for their values.
 */

const x = gg.input("x", [null, 2]);
const y = gg.input("y", [null, 1]);
const w = gg.param("w", [2, 1]);
const b = gg.param("b", [1]);
const prediction = gg.add(gg.matmul(x, w), b);
const loss = gg.losses.meanSquaredError(y, prediction);
const batch = { x: [[1, 2], [3, 4]], y: [[1], [2]] };

describe("typed results", () => {
  it("compile and evaluate return records keyed by the outputs (no `!` needed)", async () => {
    const exe = await gg.compile({ outputs: { loss, prediction } });
    const r = await exe.run({ ...batch, w: [[0.5], [-0.5]], b: [0] });
    expectTypeOf(r.loss).toEqualTypeOf<gg.Tensor>();
    expectTypeOf(r).toEqualTypeOf<Record<"loss" | "prediction", gg.Tensor>>();
    // @ts-expect-error: not an output
    void r.gradient;
    expect(r.prediction.shape).toEqual([2, 1]);
    const e = await gg.evaluate({ twice: gg.mul(gg.constant([1, 2]), 2) });
    expectTypeOf(e.twice).toEqualTypeOf<gg.Tensor>();
    expect([...e.twice.data]).toEqual([2, 4]);
    expectTypeOf(await gg.evaluate(gg.scalar(1))).toEqualTypeOf<gg.Tensor>();
    // A record typed with an index signature keeps string keys (its entries may be missing).
    const named: Record<string, gg.Expr> = { loss };
    expectTypeOf((await gg.compile({ outputs: named })).run).returns.resolves.toEqualTypeOf<Record<string, gg.Tensor>>();
  });

  it("bind takes the output names", async () => {
    const exe = await gg.compile({ outputs: { loss, prediction } });
    exe.bind(["x", "y", "w", "b"], { tensors: ["prediction"], scalars: ["loss"] });
    // @ts-expect-error: not an output
    expect(() => exe.bind(["x", "y", "w", "b"], { tensors: ["predictions"], scalars: [] })).toThrow(/predictions/);
  });

  it("grad of a list gives a tuple of the same length; of one expression, one expression", () => {
    const [gw, gb] = gg.grad(loss, [w, b]);
    expectTypeOf(gg.grad(loss, [w, b])).toEqualTypeOf<[gg.Expr, gg.Expr]>();
    expectTypeOf(gw).toEqualTypeOf<gg.Expr>();
    expectTypeOf(gg.grad(loss, w)).toEqualTypeOf<gg.Expr>();
    const list: gg.Expr[] = [w, b];
    expectTypeOf(gg.grad(loss, list)).toEqualTypeOf<gg.Expr[]>();
    expect(gw.shape).toEqual([2, 1]);
    expect(gb.shape).toEqual([1]);
  });

  it("Expr.name is the name of an input or a parameter, undefined otherwise", () => {
    expectTypeOf(w.name).toEqualTypeOf<string | undefined>();
    expect([x.name, w.name, loss.name, gg.scalar(1).name]).toEqual(["x", "w", undefined, undefined]);
  });

  it("trainStep's metrics are typed by what it computes, its outputs by the configured keys", async () => {
    const accuracy = gg.mean(gg.cast(gg.less(gg.abs(gg.sub(prediction, y)), 0.5), "float32"));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), metrics: { accuracy }, outputs: { prediction } });
    const [state, metrics, outputs] = await step.run(await step.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(metrics).toEqualTypeOf<{ readonly gradNorm: number; readonly lr: number; readonly accuracy: number; readonly loss: number }>();
    expectTypeOf(outputs.prediction).toEqualTypeOf<gg.Tensor>();
    // @ts-expect-error: no regularization is configured
    void metrics.totalLoss;
    // @ts-expect-error: not a configured output
    void outputs.logits;
    expect(Object.keys(metrics).sort()).toEqual(["accuracy", "gradNorm", "loss", "lr"]);
    expect(outputs.prediction.shape).toEqual([2, 1]);
    expect(state.step).toBe(1);

    // Regularization adds totalLoss; an optimizer without a learning-rate metric has no lr.
    const regularized = await gg.trainStep({ loss, optimizer: gg.optim.chain(gg.optim.clipByGlobalNorm(1), gg.optim.scale(-0.1)), regularization: { l2: 0.01 } });
    const [, m] = await regularized.run(await regularized.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(m).toEqualTypeOf<{ readonly gradNorm: number; readonly loss: number; readonly totalLoss: number }>();
    expect(Object.keys(m).sort()).toEqual(["gradNorm", "loss", "totalLoss"]);

    // Gradients given without a loss: no loss metric.
    const applied = await gg.trainStep({ grads: { w: gg.grad(loss, w), b: gg.grad(loss, b) }, optimizer: gg.optim.sgd({ lr: 0.1 }) });
    const [, ma] = await applied.run(await applied.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(ma).toEqualTypeOf<{ readonly gradNorm: number; readonly lr: number }>();
    // @ts-expect-error: no loss was given
    void ma.loss;
    expect(Object.keys(ma).sort()).toEqual(["gradNorm", "lr"]);

    // gradNorm: false leaves the norm out (its reductions too), unless a global-norm clip reports it.
    const quiet = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), gradNorm: false });
    const [, mq] = await quiet.run(await quiet.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(mq).toEqualTypeOf<{ readonly lr: number; readonly loss: number }>();
    // @ts-expect-error: the norm is not computed
    void mq.gradNorm;
    expect(Object.keys(mq).sort()).toEqual(["loss", "lr"]);
    expect(quiet.compiled.graph.nodes.filter((n) => n.op === "reduceSum").length).toBeLessThan(step.compiled.graph.nodes.filter((n) => n.op === "reduceSum").length);
    const clipped = await gg.trainStep({ loss, optimizer: gg.optim.chain(gg.optim.clipByGlobalNorm(1), gg.optim.scale(-0.1)), gradNorm: false });
    const [, mc] = await clipped.run(await clipped.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(mc).toEqualTypeOf<{ readonly gradNorm: number; readonly loss: number }>();
    expect(mc.gradNorm).toBe(metrics.gradNorm); // the same gradients at the same start
    await expect(gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), gradNorm: "no" as unknown as boolean })).rejects.toThrow(/gradNorm/);

    // The evaluator's results are keyed by its outputs.
    const evaluate = await step.evaluator({ prediction });
    expectTypeOf((await evaluate(state, batch)).prediction).toEqualTypeOf<gg.Tensor>();
  });

  it("a typed train step is still a TrainStep for fit and annotations", async () => {
    const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.1 }) });
    const plain: gg.TrainStep<gg.optim.ChainState> = step;
    const [, metrics] = await plain.run(await plain.init({ w: [[0], [0]], b: [0] }), batch);
    expectTypeOf(metrics).toEqualTypeOf<Readonly<Record<string, number>>>();
    expect(metrics["loss"]).toBeGreaterThan(0);
  });

  it("the standalone clipByGlobalNorm keeps the container: a tuple or a record", () => {
    const [clipped, norm] = gg.clipByGlobalNorm([w, b], 1);
    expectTypeOf(clipped).toEqualTypeOf<[gg.Expr, gg.Expr]>();
    expectTypeOf(norm).toEqualTypeOf<gg.Expr>();
    const [byName] = gg.clipByGlobalNorm({ w, b }, 1);
    expectTypeOf(byName.w).toEqualTypeOf<gg.Expr>();
    expect(clipped).toHaveLength(2);
    expect(Object.keys(byName)).toEqual(["w", "b"]);
  });
});
