import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";

/**
 * The standalone forms and the global step: `gg.clipByGlobalNorm(grads, c)` (TF's
 * clip_by_global_norm), `gg.schedules.valueAt`, `trainStep(...).withStep(state, n)` (every schedule
 * reads the state's step), and `trainStep({ grads })` (TF's apply_gradients).
 */

const { optim, schedules } = gg;
const values = (t: gg.Tensor | undefined): number[] => [...(t as gg.Tensor).data];

describe("gg.clipByGlobalNorm(grads, c)", () => {
  const a = gg.constant([3, -4], "float64"); // |a|² = 25
  const b = gg.constant([[12]], "float64"); //  |b|² = 144: global norm 13

  it("scales every tensor by c / max(norm, c) and returns the norm before clipping (lists and records)", async () => {
    const [[ca, cb], norm] = gg.clipByGlobalNorm([a, b], 6.5);
    const r = await gg.evaluate({ ca, cb, norm });
    expect(r.norm.item()).toBe(13);
    expect(values(r.ca)).toEqual([1.5, -2]);
    expect(values(r.cb)).toEqual([6]);
    const [byName, n2] = gg.clipByGlobalNorm({ a, b }, 26); // norm below c: unchanged
    const r2 = await gg.evaluate({ a: byName.a, b: byName.b, n2 });
    expect([...values(r2.a), ...values(r2.b), r2.n2.item()]).toEqual([3, -4, 12, 13]);
  });

  it("is the math of optim.clipByGlobalNorm: the transformation gives the same updates and gradNorm", async () => {
    const c = 2.5;
    const [clipped, norm] = gg.clipByGlobalNorm({ a, b }, c);
    const [updates, , metrics] = optim.clipByGlobalNorm(c).update({ a, b }, optim.clipByGlobalNorm(c).init({}), {});
    expect(updates["a"]).toBe(clipped.a); // hash-consed: the very same expressions
    expect(updates["b"]).toBe(clipped.b);
    expect(metrics.gradNorm).toBe(norm);
  });

  it("rejects a clip norm that is not positive", () => {
    expect(() => gg.clipByGlobalNorm([a], 0)).toThrow("clipByGlobalNorm: the clip norm must be a positive number, got 0");
  });
});

describe("schedules.valueAt", () => {
  const builtIn: [string, gg.optim.Schedule][] = [
    ["exponentialDecay", schedules.exponentialDecay({ initial: 0.2, decayRate: 0.99, decaySteps: 1 })],
    ["staircase", schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 3, staircase: true })],
    ["piecewiseConstant", schedules.piecewiseConstant({ boundaries: [4, 10], values: [0.1, 0.01, 0.001] })],
    ["epochDecay", schedules.epochDecay({ initial: 1, decay: 0.5, maxEpoch: 4, stepsPerEpoch: 3 })],
    ["polynomialDecay", schedules.polynomialDecay({ initial: 0.1, end: 0.01, decaySteps: 20, power: 2 })],
    ["warmup", schedules.warmup({ peak: 0.3, steps: 5, after: schedules.exponentialDecay({ initial: 0.3, decayRate: 0.9, decaySteps: 2 }) })],
  ];

  it("is the value the schedule computes in a graph from a fed count (float64), for every built-in schedule", async () => {
    const c = gg.input("c", [], "float64");
    for (const [name, s] of builtIn) {
      const exe = await gg.compile({ outputs: { lr: s(c) } });
      for (const n of [0, 1, 3, 4, 5, 11, 12, 40]) {
        expect(await schedules.valueAt(s, n, { dtype: "float64" }), `${name} at ${n}`).toBe((await exe.run({ c: n })).lr.item());
      }
    }
  });

  it("evaluates your own schedule and a constant rate; the formula holds", async () => {
    const inverse: gg.optim.Schedule = (count) => gg.div(0.5, gg.add(count, 1));
    expect(await schedules.valueAt(inverse, 4, { dtype: "float64" })).toBe(0.1);
    expect(await schedules.valueAt(0.25, 1000)).toBe(0.25);
    expect(await schedules.valueAt(builtIn[0]![1], 2, { dtype: "float64" })).toBeCloseTo(0.2 * 0.99 ** 2, 15);
    expect(await schedules.valueAt(gg.hooks.learningRateInput("lr"), 3, { feeds: { lr: 0.5 } })).toBe(0.5);
  });

  it("rejects a step that is not a count", async () => {
    await expect(schedules.valueAt(builtIn[0]![1], -1)).rejects.toThrow("schedules.valueAt: step must be a non-negative integer (a count of updates), got -1");
    await expect(schedules.valueAt(builtIn[0]![1], 1.5)).rejects.toThrow("got 1.5");
  });
});

describe("withStep: the global step every schedule reads", () => {
  const x = gg.input("x", [null, 2]);
  const y = gg.input("y", [null, 1]);
  const w = gg.param("w", [2, 1]);
  const loss = gg.losses.meanSquaredError(y, gg.matmul(x, w));
  const batch = { x: [[1, 2], [-1, 0.5]], y: [[1], [0]] };
  const schedule = schedules.exponentialDecay({ initial: 0.5, decayRate: 0.99, decaySteps: 10 });

  for (const [name, optimizer] of [
    ["sgd", optim.sgd({ lr: schedule })],
    ["adam inside a nested chain", optim.chain(optim.chain(optim.clipByGlobalNorm(1), optim.adam({ lr: schedule })))],
  ] as const) {
    it(`${name}: after withStep(state, 1000) the next step's learning rate is the schedule's value at 1000`, async () => {
      const step = await gg.trainStep({ loss, optimizer });
      const s0 = await step.init({ w: [[0.1], [0.2]] });
      const [s1, m1] = await step.run(s0, batch);
      expect(m1.lr).toBe(await schedules.valueAt(schedule, 0));
      for (const from of [s0, s1]) {
        const moved = step.withStep(from, 1000);
        expect(moved.step).toBe(1000);
        expect(moved.params).toBe(from.params);
        const [after, m] = await step.run(moved, batch);
        expect(after.step).toBe(1001);
        expect(m.lr).toBe(await schedules.valueAt(schedule, 1000));
        const [, next] = await step.run(after, batch);
        expect(next.lr).toBe(await schedules.valueAt(schedule, 1001));
      }
      expect(await schedules.valueAt(schedule, 1000)).not.toBe(await schedules.valueAt(schedule, 1));
    });
  }

  it("with donate, withStep consumes a state made by run; an init state stays usable; bad steps are errors", async () => {
    const step = await gg.trainStep({ loss, optimizer: optim.sgd({ lr: schedule }), donate: true });
    const s0 = await step.init({ w: [[0.1], [0.2]] });
    const [s1] = await step.run(s0, batch);
    const moved = step.withStep(s1, 50);
    await expect(step.run(s1, batch)).rejects.toThrow("run: the state at step 1 was donated to a later step");
    const [after, m] = await step.run(moved, batch);
    expect([after.step, m.lr]).toEqual([51, await schedules.valueAt(schedule, 50)]);
    const fromInit = step.withStep(s0, 7);
    await step.run(s0, batch); // an init state is never consumed
    expect((await step.run(fromInit, batch))[0].step).toBe(8);
    expect(() => step.withStep(after, -1)).toThrow("withStep: step must be an integer in [0, 2147483646] (an int32 count of updates), got -1");
    expect(() => step.withStep(after, 2 ** 31)).toThrow("got 2147483648");
  });
});

describe("trainStep({ grads }): gradients you computed, applied by the optimizer", () => {
  const x = gg.input("x", [null, 3], "float64");
  const y = gg.input("y", [null, 2], "float64");
  const W = gg.param("W", [3, 2], "float64");
  const b = gg.param("b", [2], "float64");
  const loss = gg.losses.meanSquaredError(y, gg.add(gg.matmul(x, W), b));
  const batch = { x: [[1, 2, -1], [0.5, -0.5, 2], [3, 0, 1]], y: [[1, 0], [0, 1], [0.5, 0.5]] };
  const init = { W: [[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]], b: [0.01, -0.02] };
  const [gW, gb] = gg.grad(loss, [W, b]);

  it("with the loss's own gradients, steps exactly as trainStep({ loss })", async () => {
    const byLoss = await gg.trainStep({ loss, optimizer: optim.adam({ lr: 0.1 }) });
    const byGrads = await gg.trainStep({ grads: { W: gW, b: gb }, loss, optimizer: optim.adam({ lr: 0.1 }) });
    let [s, r] = [await byLoss.init(init), await byGrads.init(init)];
    for (let k = 0; k < 3; k++) {
      const [s2, m] = await byLoss.run(s, batch);
      const [r2, mr] = await byGrads.run(r, batch);
      expect(values(r2.params["W"])).toEqual(values(s2.params["W"]));
      expect(values(r2.params["b"])).toEqual(values(s2.params["b"]));
      expect(mr).toEqual(m); // loss (given as a metric), gradNorm, lr
      [s, r] = [s2, r2];
    }
  });

  it("applies gradients the caller clipped, as the clipping transformation would", async () => {
    const [clipped] = gg.clipByGlobalNorm({ W: gW, b: gb }, 0.05);
    const byGrads = await gg.trainStep({ grads: clipped, optimizer: optim.sgd({ lr: 0.5 }) });
    const byChain = await gg.trainStep({ loss, optimizer: optim.chain(optim.clipByGlobalNorm(0.05), optim.sgd({ lr: 0.5 })) });
    const [r, mr] = await byGrads.run(await byGrads.init(init), batch);
    const [s] = await byChain.run(await byChain.init(init), batch);
    expect(values(r.params["W"])).toEqual(values(s.params["W"]));
    expect(values(r.params["b"])).toEqual(values(s.params["b"]));
    expect(mr.gradNorm).toBeCloseTo(0.05, 15); // the norm of the gradients applied
    expect(byGrads.trainable).toEqual(["W", "b"]);
  });

  it("rejects gradients it cannot apply, naming the field", async () => {
    const opt = optim.sgd({ lr: 0.1 });
    await expect(gg.trainStep({ grads: { W: gb }, optimizer: opt })).rejects.toThrow("trainStep: grads['W'] has shape [2], the parameter [3,2]");
    await expect(gg.trainStep({ grads: { V: gW }, optimizer: opt })).rejects.toThrow("trainStep: grads['V'] names no parameter the loss, gradients or updates depend on (parameters: W, b)");
    await expect(gg.trainStep({ grads: { W: gW }, loss, optimizer: opt, regularization: { l2: 0.1 } })).rejects.toThrow("trainStep: `regularization` needs the loss it is added to");
    await expect(gg.trainStep({ grads: { W: gW }, optimizer: opt, trainable: ["W", "b"] })).rejects.toThrow("trainStep: grads must have one entry per trained parameter: no gradient for 'b'");
    await expect(gg.trainStep({ optimizer: opt })).rejects.toThrow("trainStep: needs a `loss` to differentiate or `grads` to apply");
  });
});
