import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { buildStepGraph } from "../src/train/graph.js";
import { layoutOutputs, stepLayout, type Group } from "../src/train/layout.js";
import { emaMetricName, emaName, optName, PREFIX, STEP } from "../src/train/names.js";

/**
 * The train step's bound orders come from one named layout: every slot points at the graph name of
 * its key, and the fast (bound) path gives, name by name, what the checked `compiled.run` gives for
 * the same feeds — for a step with every kind of state (parameters trained and assigned, optimizer
 * leaves, EMA shadows and metrics, auxiliary outputs).
 */

const { optim } = gg;

/** A model with two trained parameters, a batch-norm-like assigned one, extra metrics and outputs. */
function model() {
  const x = gg.input("x", [null, 3], "float64");
  const y = gg.input("y", [null, 2], "float64");
  const W = gg.param("W", [3, 2], "float64");
  const b = gg.param("b", [2], "float64");
  const moving = gg.param("moving", [2], "float64");
  const out = gg.add(gg.matmul(x, W), b);
  const loss = gg.losses.meanSquaredError(y, out);
  const config = {
    loss,
    optimizer: optim.chain(optim.clipByGlobalNorm(2), optim.adam({ lr: gg.schedules.exponentialDecay({ initial: 0.05, decayRate: 0.9, decaySteps: 2 }) })),
    updates: { moving: gg.add(gg.mul(moving, 0.9), gg.mul(gg.mean(out, 0), 0.1)) },
    metrics: { maxOut: gg.max(out), meanY: gg.mean(y) },
    outputs: { out, doubled: gg.mul(out, 2) },
    ema: { decay: 0.8, numUpdates: true },
    regularization: { l2: 0.01 },
  } as const;
  const batch = { x: [[1, 2, -1], [0.5, -0.5, 2], [3, 0, 1]], y: [[1, 0], [0, 1], [0.5, 0.5]] };
  const init = { W: [[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]], b: [0.01, -0.02], moving: [0, 0] };
  return { config, batch, init };
}

describe("the step layout", () => {
  it("each slot's index holds its key's graph name; the groups cover each order exactly once", () => {
    const { config } = model();
    const g = buildStepGraph(config);
    const layout = stepLayout(g, ["x", "y", STEP, "W", "b", "moving", ...g.optPaths.map(optName), ...g.paramNames.map(emaName), ...Object.keys(g.metrics).map(emaMetricName)]);
    const check = (order: readonly string[], group: Group, name: (k: string) => string): number[] =>
      group.slots.map((s, i) => {
        expect(s.index).toBe(group.start + i);
        expect(order[s.index]).toBe(name(s.key));
        return s.index;
      });
    const inputs = [
      ...check(layout.inputs, layout.feed.batch, (k) => k),
      layout.feed.step,
      ...check(layout.inputs, layout.feed.params, (k) => k),
      ...check(layout.inputs, layout.feed.opt, optName),
      ...check(layout.inputs, layout.feed.ema, emaName),
      ...check(layout.inputs, layout.feed.emaMetrics, emaMetricName),
    ];
    expect(layout.inputs[layout.feed.step]).toBe(STEP);
    expect([...inputs].sort((a, b) => a - b)).toEqual(layout.inputs.map((_, i) => i));
    const tensors = [
      ...check(layout.tensors, layout.read.params, (k) => PREFIX.param + k),
      ...check(layout.tensors, layout.read.opt, optName),
      ...check(layout.tensors, layout.read.outputs, (k) => PREFIX.output + k),
      ...check(layout.tensors, layout.read.ema, emaName),
    ];
    expect([...tensors].sort((a, b) => a - b)).toEqual(layout.tensors.map((_, i) => i));
    const scalars = [layout.read.step, ...check(layout.scalars, layout.read.metrics, (k) => PREFIX.metric + k), ...check(layout.scalars, layout.read.emaMetrics, emaMetricName)];
    expect([...scalars].sort((a, b) => a - b)).toEqual(layout.scalars.map((_, i) => i));
    // Every name the layout reads is an output of the step graph.
    const outputs = layoutOutputs(g);
    for (const n of [...layout.tensors, ...layout.scalars]) expect(outputs[n]).toBeDefined();
    expect(layout.read.opt.slots.map((s) => s.key)).toEqual(g.optPaths);
    expect(layout.read.params.slots.map((s) => s.key).sort()).toEqual(["W", "b", "moving"]);
  });

  for (const backend of ["js", "wasm"] as const) {
    it(`on ${backend}, run's state, metrics and outputs are, name by name, what compiled.run computes`, async () => {
      const { config, batch, init } = model();
      const step = await gg.trainStep({ ...config, backend });
      let state = await step.init(init);
      for (let k = 0; k < 3; k++) {
        const feeds: Record<string, gg.TensorLike> = { ...batch, [STEP]: gg.tensorFrom(state.step, "int32"), ...state.params };
        for (const [path, t] of optim.flattenTree(state.opt)) feeds[optName(path)] = t as gg.Tensor;
        for (const [n, t] of Object.entries(state.ema)) feeds[emaName(n)] = t;
        for (const [n, v] of Object.entries(state.emaMetrics)) feeds[emaMetricName(n)] = gg.tensorFrom(v, "float64");
        const want = await step.compiled.run(feeds);
        const [next, metrics, outputs] = await step.run(state, batch);
        const same = (got: gg.Tensor | number | undefined, name: string): void => {
          const w = want[name];
          expect(w, name).toBeDefined();
          expect(typeof got === "number" ? [got] : [...(got as gg.Tensor).data], name).toEqual([...(w as gg.Tensor).data]);
        };
        same(next.step, STEP);
        for (const n of ["W", "b", "moving"]) same(next.params[n], PREFIX.param + n);
        for (const [path, t] of optim.flattenTree(next.opt)) same(t as gg.Tensor, optName(path));
        for (const n of ["W", "b", "moving"]) same(next.ema[n], emaName(n));
        for (const k of ["loss", "gradNorm", "lr", "maxOut", "meanY", "totalLoss"] as const) {
          same(metrics[k], PREFIX.metric + k);
          same(next.emaMetrics[k], emaMetricName(k));
        }
        same(outputs.out, PREFIX.output + "out");
        same(outputs.doubled, PREFIX.output + "doubled");
        state = next;
      }
      expect(state.step).toBe(3);
    });
  }
});
