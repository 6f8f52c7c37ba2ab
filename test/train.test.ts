import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";

/**
 * `trainStep`: one compiled executable for the whole step, trainable subsets, regularization,
 * moving averages, metrics and the errors at its boundary.
 */

const { optim } = gg;
const data = (t: gg.Tensor | undefined): number[] => [...(t as gg.Tensor).data];

/** A JS backend that records every graph it compiles and counts executable runs. */
function spyBackend(): { backend: gg.Backend; compiled: gg.Graph[]; runs: () => number } {
  const base = gg.js();
  const compiled: gg.Graph[] = [];
  let runs = 0;
  const backend: gg.Backend = {
    name: "spy",
    compile: async (graph) => {
      compiled.push(graph);
      const exe = await base.compile(graph);
      return {
        backend: exe.backend,
        graph: exe.graph,
        run: (feeds) => {
          runs++;
          return exe.run(feeds);
        },
      };
    },
  };
  return { backend, compiled, runs: () => runs };
}

/** A small regression: loss = mean((x·W + b - y)²). */
function regression(): { W: gg.Expr; b: gg.Expr; loss: gg.Expr; batch: { x: number[][]; y: number[][] }; init: Record<string, gg.NestedArray> } {
  const W = gg.param("W", [2, 2], "float64");
  const b = gg.param("b", [2], "float64");
  const x = gg.input("x", [null, 2], "float64");
  const y = gg.input("y", [null, 2], "float64");
  const loss = gg.losses.meanSquaredError(y, gg.dense(x, W, b));
  const batch = {
    x: [
      [1, 2],
      [-1, 0.5],
      [0.25, -2],
    ],
    y: [
      [0.5, 1],
      [2, -1],
      [0, 0.75],
    ],
  };
  return { W, b, loss, batch, init: { W: [[0.1, -0.2], [0.3, 0.4]], b: [0.05, -0.05] } };
}

describe("one executable", () => {
  it("trainStep compiles the step once; init, run and later steps compile nothing and run it once per step", async () => {
    const spy = spyBackend();
    const { loss, batch, init } = regression();
    const step = await gg.trainStep({
      loss,
      optimizer: optim.chain(optim.clipByGlobalNorm(1), optim.adam({ lr: gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.9, decaySteps: 1 }) })),
      regularization: { l2: 0.01 },
      ema: { decay: 0.9 },
      backend: spy.backend,
    });
    // The step graph, plus (at most) the graph that builds the initial optimizer state.
    expect(spy.compiled.filter((g) => g === step.compiled.graph)).toHaveLength(1);
    expect(spy.compiled.length).toBeLessThanOrEqual(2);
    const compiles = spy.compiled.length;
    let state = await step.init(init);
    const runsAfterInit = spy.runs();
    expect(runsAfterInit).toBeLessThanOrEqual(1);
    for (let k = 1; k <= 5; k++) {
      [state] = await step.run(state, batch);
      expect(spy.runs()).toBe(runsAfterInit + k);
    }
    expect(spy.compiled.length).toBe(compiles);
    expect(state.step).toBe(5);
    // An evaluator is compiled once, then only run.
    const evaluate = await step.evaluator({ prediction: gg.dense(gg.input("x", [null, 2], "float64"), gg.param("W", [2, 2], "float64")) });
    expect(spy.compiled.length).toBe(compiles + 1);
    await evaluate(state, { x: batch.x });
    await evaluate(state, { x: batch.x }, true);
    expect(spy.compiled.length).toBe(compiles + 1);
  });
});

describe("trainable subset", () => {
  it("updates only the named parameters; the others stay bit-identical and get no optimizer state", async () => {
    const { W, loss, batch, init } = regression();
    const step = await gg.trainStep({ loss, optimizer: optim.adam({ lr: 0.1 }), trainable: ["W"] });
    expect([...step.paramNames].sort()).toEqual(["W", "b"]);
    expect(step.trainable).toEqual(["W"]);
    // The same optimization with b as a plain (non-trained) input: W must follow the same path.
    const bFixed = gg.input("bFixed", [2], "float64");
    const x = gg.input("x", [null, 2], "float64");
    const y = gg.input("y", [null, 2], "float64");
    const reference = await gg.trainStep({ loss: gg.losses.meanSquaredError(y, gg.dense(x, W, bFixed)), optimizer: optim.adam({ lr: 0.1 }) });
    let s = await step.init(init);
    let r = await reference.init({ W: init["W"] as gg.NestedArray });
    const b0 = s.params["b"];
    const b0Data = data(b0);
    expect(optim.flattenTree(s.opt).some(([p]) => p.endsWith("/b") || p === "b")).toBe(false);
    for (let k = 0; k < 3; k++) {
      [s] = await step.run(s, batch);
      [r] = await reference.run(r, { ...batch, bFixed: init["b"] as gg.NestedArray });
      expect(data(s.params["b"])).toEqual(b0Data);
      expect(data(s.params["W"])).toEqual(data(r.params["W"]));
    }
    expect(data(s.params["W"])).not.toEqual((init["W"] as number[][]).flat());
  });
});

describe("regularization (TF's l2_regularizer(scale): scale·Σw²/2 over the weights)", () => {
  // loss = Σ A⊙W + Σ B⊙T + Σ c⊙b: gradients A, B, c; W [2,2] and T [2,1,2] are weights (rank >= 2), b a bias.
  const W = gg.param("W", [2, 2], "float64");
  const T = gg.param("T", [2, 1, 2], "float64");
  const b = gg.param("b", [2], "float64");
  const A = [0.5, -1, 2, 0.25];
  const B = [1, -0.5, 0.75, -2];
  const C = [-1.5, 0.5];
  const loss = gg.add(
    gg.add(gg.sum(gg.mul(gg.constant([A.slice(0, 2), A.slice(2)], "float64"), W)), gg.sum(gg.mul(gg.constant([[B.slice(0, 2)], [B.slice(2)]], "float64"), T))),
    gg.sum(gg.mul(gg.constant(C, "float64"), b)),
  );
  const W0 = [0.3, -0.6, 1.2, 0.9];
  const T0 = [-0.4, 0.8, 0.1, -1.1];
  const b0 = [2, -3];
  const init = { W: [W0.slice(0, 2), W0.slice(2)], T: [[T0.slice(0, 2)], [T0.slice(2)]], b: b0 };
  const dot = (u: readonly number[], v: readonly number[]): number => u.reduce((s, x, i) => s + x * (v[i] as number), 0);
  const sq = (u: readonly number[]): number => dot(u, u);
  const lr = 0.1;
  const close = (got: readonly number[], want: readonly number[]): void => got.forEach((g, i) => expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(1e-15));

  it("l2 adds l2·Σw²/2 for rank >= 2 parameters only: the totalLoss metric and the gradient l2·w", async () => {
    const l2 = 0.3;
    const step = await gg.trainStep({ loss, optimizer: optim.sgd({ lr }), regularization: { l2 } });
    const [s1, m] = await step.run(await step.init(init), {});
    const plain = dot(A, W0) + dot(B, T0) + dot(C, b0);
    expect(Math.abs((m["loss"] as number) - plain)).toBeLessThanOrEqual(1e-14);
    expect(Math.abs((m["totalLoss"] as number) - (plain + (l2 * (sq(W0) + sq(T0))) / 2))).toBeLessThanOrEqual(1e-14);
    // The gradient of the total loss: A + l2·W, B + l2·T, and C alone for the bias.
    const gW = A.map((a, i) => a + l2 * (W0[i] as number));
    const gT = B.map((v, i) => v + l2 * (T0[i] as number));
    close(data(s1.params["W"]), W0.map((w, i) => w - lr * (gW[i] as number)));
    close(data(s1.params["T"]), T0.map((w, i) => w - lr * (gT[i] as number)));
    close(data(s1.params["b"]), b0.map((w, i) => w - lr * (C[i] as number)));
    expect(Math.abs((m["gradNorm"] as number) - Math.sqrt(sq(gW) + sq(gT) + sq(C)))).toBeLessThanOrEqual(1e-14);
  });

  it("l1 adds l1·Σ|w| (gradient l1·sign(w)); `params` chooses the regularized parameters explicitly", async () => {
    const l1 = 0.2;
    const step = await gg.trainStep({ loss, optimizer: optim.sgd({ lr }), regularization: { l1, params: ["b"] } });
    const [s1, m] = await step.run(await step.init(init), {});
    const plain = dot(A, W0) + dot(B, T0) + dot(C, b0);
    expect(Math.abs((m["totalLoss"] as number) - (plain + l1 * (Math.abs(b0[0] as number) + Math.abs(b0[1] as number))))).toBeLessThanOrEqual(1e-14);
    close(data(s1.params["W"]), W0.map((w, i) => w - lr * (A[i] as number)));
    close(data(s1.params["b"]), b0.map((w, i) => w - lr * ((C[i] as number) + l1 * Math.sign(w))));
  });

  it("without regularization there is no totalLoss metric", async () => {
    const step = await gg.trainStep({ loss, optimizer: optim.sgd({ lr }) });
    const [, m] = await step.run(await step.init(init), {});
    expect(Object.keys(m).sort()).toEqual(["gradNorm", "loss", "lr"]);
  });

  it("a regularized name that is not a parameter is an error naming it", async () => {
    await expect(gg.trainStep({ loss, optimizer: optim.sgd({ lr }), regularization: { l2: 1, params: ["nope"] } })).rejects.toThrow(/'nope'/);
  });
});

describe("exponential moving average of the parameters (TF ExponentialMovingAverage)", () => {
  /**
   * TF: shadow starts at the variable's initial value; after each update
   *   shadow -= (1 - decay)·(shadow - variable),  decay = min(decay, (1 + n)/(10 + n)) with num_updates n.
   * TF makes `decay` a float32 tensor (computing 1 - decay and the num_updates ratio in float32)
   * and casts it to the variable's dtype; the reference does the same with Math.fround.
   * Here n is the step count after the update (1, 2, 3), as with num_updates = global_step
   * read after apply_gradients.
   */
  const f32 = Math.fround;
  const oneMinusDecay = (decay: number, numUpdates: boolean, n: number): number => {
    const d = numUpdates ? Math.min(f32(decay), f32(f32(1 + n) / f32(10 + n))) : f32(decay);
    return f32(1 - d);
  };

  for (const [decay, numUpdates] of [
    [0.9, false],
    [0.99, true],
    [0.2, true],
  ] as const) {
    it(`decay ${decay}${numUpdates ? " with numUpdates" : ""}: 3 steps, and the EMA of the loss metric (from 0)`, async () => {
      const w = gg.param("w", [3], "float64");
      const target = [1, -2, 0.5];
      const loss = gg.sum(gg.square(gg.sub(w, gg.constant(target, "float64"))));
      const lr = 0.2;
      const step = await gg.trainStep({ loss, optimizer: optim.sgd({ lr }), ema: { decay, numUpdates } });
      let state = await step.init({ w: [0, 0, 0] });
      let x = [0, 0, 0];
      let shadow = [...x];
      let lossShadow = 0;
      expect(data(state.ema["w"])).toEqual(shadow);
      const predict = await step.evaluator({ twice: gg.mul(w, 2) });
      for (let n = 1; n <= 3; n++) {
        const lossValue = x.reduce((s, v, i) => s + (v - (target[i] as number)) ** 2, 0);
        x = x.map((v, i) => v - lr * 2 * (v - (target[i] as number)));
        const k = oneMinusDecay(decay, numUpdates, n);
        shadow = shadow.map((s, i) => s - k * (s - (x[i] as number)));
        lossShadow = lossShadow - k * (lossShadow - lossValue);
        const [next] = await step.run(state, {});
        data(next.params["w"]).forEach((v, i) => expect(Math.abs(v - (x[i] as number))).toBeLessThanOrEqual(1e-15));
        data(next.ema["w"]).forEach((v, i) => expect(Math.abs(v - (shadow[i] as number))).toBeLessThanOrEqual(1e-15));
        expect(Math.abs((next.emaMetrics["loss"] as number) - lossShadow)).toBeLessThanOrEqual(1e-14);
        state = next;
      }
      // The shadow differs from the parameter, and the evaluator uses it on request.
      expect(data(state.ema["w"])).not.toEqual(data(state.params["w"]));
      expect(data((await predict(state, {}, true))["twice"])).toEqual(data(state.ema["w"]).map((v) => 2 * v));
      expect(data((await predict(state, {}))["twice"])).toEqual(data(state.params["w"]).map((v) => 2 * v));
    });
  }

  it("rejects a decay outside [0, 1], and useEma without `ema`", async () => {
    const w = gg.param("w", [], "float64");
    await expect(gg.trainStep({ loss: gg.square(w), optimizer: optim.sgd({ lr: 0.1 }), ema: { decay: 1.5 } })).rejects.toThrow(/decay/);
    const step = await gg.trainStep({ loss: gg.square(w), optimizer: optim.sgd({ lr: 0.1 }) });
    const predict = await step.evaluator({ w2: gg.mul(w, 2) });
    await expect(predict(await step.init({ w: 1 }), {}, true)).rejects.toThrow(gg.GraphgradError);
  });
});

describe("donate: run consumes the state it is given", () => {
  /** A float32 MLP with Adam, EMA and an auxiliary output. */
  async function steps(backend: "js" | "wasm", donate: boolean) {
    const x = gg.input("x", [4, 3]);
    const y = gg.input("y", [4, 2]);
    const w = gg.param("w", [3, 2]);
    const b = gg.param("b", [2]);
    const out = gg.tanh(gg.add(gg.matmul(x, w), b));
    const loss = gg.mean(gg.square(gg.sub(out, y)));
    const step = await gg.trainStep({ loss, optimizer: optim.adam({ lr: 0.05 }), ema: { decay: 0.9 }, outputs: { out }, backend, donate });
    const init = { w: gg.tensorFrom([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], "float32"), b: gg.tensorFrom([0.01, -0.02], "float32") };
    const batch = { x: [[1, 2, 3], [0, 1, 0], [-1, 0.5, 2], [0.2, 0.2, 0.2]], y: [[0.5, -0.5], [0, 1], [1, 0], [-0.3, 0.3]] };
    return { step, init, batch };
  }

  for (const backend of ["js", "wasm"] as const) {
    it(`gives bit-identical steps, never overwrites the initial state, and reuses arrays (${backend})`, async () => {
      const plain = await steps(backend, false);
      const given = await steps(backend, true);
      const initCopy = data(given.init.w);
      let a = await plain.step.init(plain.init);
      let d = await given.step.init(given.init);
      const initial = d;
      for (let i = 0; i < 5; i++) {
        const previous = d;
        const [na, ma, oa] = await plain.step.run(a, plain.batch);
        const [nd, md, od] = await given.step.run(d, given.batch);
        expect(md).toEqual(ma);
        expect(data(od["out"])).toEqual(data(oa["out"]));
        for (const n of ["w", "b"]) {
          expect(data(nd.params[n])).toEqual(data(na.params[n]));
          expect(data(nd.ema[n])).toEqual(data(na.ema[n]));
        }
        expect(optim.flattenTree(nd.opt).map(([p, t]) => [p, data(t as gg.Tensor)])).toEqual(optim.flattenTree(na.opt).map(([p, t]) => [p, data(t as gg.Tensor)]));
        // From the second step on, the wasm backend writes the new state into the donated arrays.
        if (backend === "wasm" && i > 0) expect(nd.params["w"]?.data).toBe(previous.params["w"]?.data);
        [a, d] = [na, nd];
      }
      expect(data(given.init.w)).toEqual(initCopy);
      expect(data(initial.params["w"])).toEqual(initCopy);
      // The initial state was not overwritten, so it can be run again.
      await given.step.run(initial, given.batch);
    });
  }

  it("wasm: a donated loop's state stays in the module until read; unread states it consumed are gone, with a clear error", async () => {
    // Parameters of 1024 elements or more are left in the module (smaller ones are copied out at once).
    const model = async (donate: boolean) => {
      const x = gg.input("x", [4, 40]);
      const y = gg.input("y", [4, 30]);
      const w = gg.param("w", [40, 30]);
      const b = gg.param("b", [30]);
      const loss = gg.mean(gg.square(gg.sub(gg.tanh(gg.add(gg.matmul(x, w), b)), y)));
      return gg.trainStep({ loss, optimizer: optim.adam({ lr: 0.05 }), ema: { decay: 0.9 }, backend: "wasm", donate });
    };
    const init = { w: gg.tensorFrom(Float32Array.from({ length: 1200 }, (_, i) => Math.sin(i) * 0.1), "float32", [40, 30]), b: gg.tensorFrom(new Float32Array(30), "float32", [30]) };
    const batch = { x: gg.tensorFrom(Float32Array.from({ length: 160 }, (_, i) => Math.cos(i)), "float32", [4, 40]), y: gg.tensorFrom(Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.3)), "float32", [4, 30]) };
    const [plain, given] = [await model(false), await model(true)];
    let a = await plain.init(init);
    let d = await given.init(init);
    const states: (typeof d)[] = [];
    for (let i = 0; i < 6; i++) {
      [a] = await plain.run(a, batch);
      [d] = await given.run(d, batch);
      states.push(d);
    }
    // Never read while training: the last state holds the same bits as the copying loop's.
    for (const n of ["w", "b"]) {
      expect(data(d.params[n])).toEqual(data(a.params[n]));
      expect(data(d.ema[n])).toEqual(data(a.ema[n]));
    }
    expect(optim.flattenTree(d.opt).map(([p, t]) => [p, data(t as gg.Tensor)])).toEqual(optim.flattenTree(a.opt).map(([p, t]) => [p, data(t as gg.Tensor)]));
    // A state a later step consumed before anyone read it is gone: reading it throws, naming donation.
    expect(() => states[3]?.params["w"]?.data).toThrow(/donated to a later step/);
    // A state read before the next step keeps what it read.
    const kept = data(d.params["w"]);
    const [after] = await given.run(d, batch);
    expect(data(d.params["w"])).toEqual(kept);
    expect(data(after.params["w"])).not.toEqual(kept);
  });

  it("wasm: a state left unread is copied out before a run that does not consume it (another batch shape, or a state run twice)", async () => {
    const width = 1100; // a parameter large enough to be left in the module
    const x = gg.input("x", ["n", width]);
    const w = gg.param("w", [width]);
    const loss = gg.mean(gg.square(gg.sub(gg.matmul(x, gg.reshape(w, [width, 1])), 1)));
    const train = async (donate: boolean) => gg.trainStep({ loss, optimizer: optim.sgd({ lr: 0.1 }), backend: "wasm", donate });
    const [given, plain] = [await train(true), await train(false)];
    const rows = (n: number) => ({ x: gg.tensorFrom(Float32Array.from({ length: n * width }, (_, i) => Math.cos(i) * 0.01), "float32", [n, width]) });
    const small = rows(1);
    const large = rows(2);
    const w0 = gg.tensorFrom(Float32Array.from({ length: width }, (_, i) => Math.sin(i) * 0.1), "float32", [width]);
    let d = await given.init({ w: w0 });
    let a = await plain.init({ w: w0 });
    for (let i = 0; i < 3; i++) {
      [d] = await given.run(d, small);
      [a] = await plain.run(a, small);
    }
    // The next step has another shape: it donates d, but runs another binding of the program.
    const [d2] = await given.run(d, large);
    const [a2] = await plain.run(a, large);
    expect(data(d2.params["w"])).toEqual(data(a2.params["w"]));
    const [d3] = await given.run(d2, small);
    const [a3] = await plain.run(a2, small);
    expect(data(d3.params["w"])).toEqual(data(a3.params["w"]));
  });

  it("returns frozen states with exactly TrainState's fields; another train step's state is read, never overwritten", async () => {
    const one = await steps("wasm", true);
    const other = await steps("wasm", true);
    const [made] = await one.step.run(await one.step.init(one.init), one.batch);
    expect(Object.isFrozen(made)).toBe(true);
    expect(Object.keys(made).sort()).toEqual(["ema", "emaMetrics", "opt", "params", "step"]);
    const before = data(made.params["w"]);
    const [next] = await other.step.run(made, other.batch);
    expect(next.params["w"]?.data).not.toBe(made.params["w"]?.data);
    expect(data(made.params["w"])).toEqual(before);
    // Still usable by its own step (it was not donated).
    expect((await one.step.run(made, one.batch))[0].step).toBe(2);
  });

  it("a donated state cannot be run or evaluated again; a failed step donates nothing", async () => {
    const { step, init, batch } = await steps("wasm", true);
    const first = (await step.run(await step.init(init), batch))[0];
    await expect(step.run(first, { x: batch.x })).rejects.toThrow("feed 'y': missing");
    const [second] = await step.run(first, batch);
    await expect(step.run(first, batch)).rejects.toThrow("run: the state at step 1 was donated to a later step (trainStep({ donate: true })): its arrays now hold newer values; use the state that step returned");
    const evaluate = await step.evaluator({ loss: gg.sum(gg.input("x", [4, 3])) });
    await expect(evaluate(first, batch)).rejects.toThrow("evaluator: the state at step 1 was donated");
    expect((await step.run(second, batch))[0].step).toBe(3);
  });
});

describe("metrics", () => {
  it("loss (before the update), gradNorm, lr, and extra scalar metrics from the same graph", async () => {
    const { W, b, loss, batch, init } = regression();
    const step = await gg.trainStep({
      loss,
      optimizer: optim.momentum({ lr: 0.05, momentum: 0.9 }),
      metrics: { wSum: gg.sum(W), bMax: gg.max(b) },
    });
    let state = await step.init(init);
    for (let k = 0; k < 3; k++) {
      const xs = batch.x;
      const ys = batch.y;
      const Wv = data(state.params["W"]);
      const bv = data(state.params["b"]);
      // Forward and gradient of mean((xW + b - y)²) in plain JS.
      const gW = [0, 0, 0, 0];
      const gb = [0, 0];
      let sum = 0;
      xs.forEach((row, r) => {
        for (let j = 0; j < 2; j++) {
          const e = (row[0] as number) * (Wv[j] as number) + (row[1] as number) * (Wv[2 + j] as number) + (bv[j] as number) - ((ys[r] as number[])[j] as number);
          sum += e * e;
          const d = (2 * e) / (xs.length * 2);
          gW[j] = (gW[j] as number) + d * (row[0] as number);
          gW[2 + j] = (gW[2 + j] as number) + d * (row[1] as number);
          gb[j] = (gb[j] as number) + d;
        }
      });
      const [next, m] = await step.run(state, batch);
      expect(Object.keys(m).sort()).toEqual(["bMax", "gradNorm", "loss", "lr", "wSum"]);
      expect(Math.abs((m["loss"] as number) - sum / (xs.length * 2))).toBeLessThanOrEqual(1e-14);
      expect(Math.abs((m["gradNorm"] as number) - Math.hypot(...gW, ...gb))).toBeLessThanOrEqual(1e-14);
      expect(m["lr"]).toBe(0.05);
      expect(m["wSum"]).toBe(Wv.reduce((s, v) => s + v, 0));
      expect(m["bMax"]).toBe(Math.max(...bv));
      state = next;
    }
  });

  it("a metric that is not a scalar is an error naming it", async () => {
    const { W, loss } = regression();
    await expect(gg.trainStep({ loss, optimizer: optim.sgd({ lr: 0.1 }), metrics: { rows: gg.sum(W, 0) } })).rejects.toThrow(/metric 'rows'.*\[2\]/);
  });
});

describe("errors at the trainStep boundary", () => {
  const w = gg.param("w", [2, 2], "float64");
  const b = gg.param("b", [2], "float64");
  const loss = gg.add(gg.sum(gg.square(w)), gg.sum(b));
  const sgd = (): gg.optim.GradientTransformation<gg.optim.ChainState> => optim.sgd({ lr: 0.1 });

  /** The promise rejects with a GraphgradError whose message matches. */
  async function rejectsWith(p: Promise<unknown>, message: RegExp): Promise<void> {
    const e: unknown = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(gg.GraphgradError);
    expect((e as Error).message).toMatch(message);
  }

  it("an unknown trainable name", async () => {
    await rejectsWith(gg.trainStep({ loss, optimizer: sgd(), trainable: ["w", "wq"] }), /trainable 'wq' is not a parameter.*w, b/);
  });

  it("a missing, unknown, misshaped or mistyped initial value", async () => {
    const step = await gg.trainStep({ loss, optimizer: sgd() });
    await rejectsWith(step.init({ w: [[1, 2], [3, 4]] }), /no initial value for parameter 'b'.*float64\[2\]/);
    await rejectsWith(step.init({ w: [[1, 2], [3, 4]], b: [1, 2], c: [0] }), /'c' is not a parameter/);
    await rejectsWith(step.init({ w: [1, 2, 3], b: [1, 2] }), /init 'w': 3 values given for shape \[2,2\]/);
    await rejectsWith(step.init({ w: [[1, 2, 3, 4]], b: [1, 2] }), /init 'w': data of shape \[1,4\] given for shape \[2,2\]/);
    await rejectsWith(step.init({ w: gg.tensorFrom([1, 2, 3, 4], "float64"), b: [1, 2] }), /parameter 'w' is float64\[2,2\], got float64\[4\]/);
    await rejectsWith(step.init({ w: gg.tensorFrom([[1, 2], [3, 4]], "float32"), b: [1, 2] }), /parameter 'w' is float64\[2,2\], got float32\[2,2\]/);
  });

  it("a loss that is not a scalar", async () => {
    await rejectsWith(gg.trainStep({ loss: gg.square(w), optimizer: sgd() }), /loss must be a scalar.*\[2,2\]/);
  });

  it("a `params` entry that is not a param input", async () => {
    await rejectsWith(gg.trainStep({ loss, optimizer: sgd(), params: [gg.mul(w, 2)] }), /must be a param/);
  });

  for (const backend of ["js", "wasm"] as const) {
    it(`a batch entry that is unknown, missing, misshaped or mistyped, before and after a good step (${backend})`, async () => {
      const x = gg.input("x", [null, 2], "float64");
      const y = gg.input("y", [null], "float64");
      const step = await gg.trainStep({ loss: gg.sum(gg.square(gg.sub(gg.matmul(x, w), gg.add(b, gg.reshape(y, [-1, 1]))))), optimizer: optim.adam({ lr: 0.1 }), backend });
      const state = await step.init({ w: [[1, 2], [3, 4]], b: [1, 2] });
      const good = { x: [[1, 2]], y: [3] };
      for (let round = 0; round < 2; round++) {
        await rejectsWith(step.run(state, { ...good, z: [1] }), /^feed 'z': the train step has no batch input of that name \(batch inputs: x, y\)$/);
        await rejectsWith(step.run(state, { x: good.x }), /^feed 'y': missing: the graph needs float64\[\?y\.0\]$/);
        await rejectsWith(step.run(state, { x: [[1, 2, 3]], y: [3] }), /^feed 'x': axis 1 has size 3, 2 expected/);
        await rejectsWith(step.run(state, { x: gg.tensorFrom([[1, 2]], "float32"), y: [3] }), /^feed 'x': dtype float32 given, float64 expected/);
        const [next, metrics] = await step.run(state, good);
        expect(next.step).toBe(1);
        expect(metrics["loss"]).toBe((1 + 6 - 1 - 3) ** 2 + (2 + 8 - 2 - 3) ** 2);
      }
      await rejectsWith(step.run({ ...state, opt: { _tag: "ChainState", inner: [] } } as unknown as typeof state, good), /optimizer state has no tensor at 'inner\/0\/count'/);
    });
  }

  for (const name of ["opt/x", "train/step", "metric/loss", "param/w", "ema/w", "emaMetric/loss"]) {
    it(`a reserved input name: '${name}'`, async () => {
      const x = gg.input(name, [2], "float64");
      await rejectsWith(gg.trainStep({ loss: gg.add(loss, gg.sum(x)), optimizer: sgd() }), new RegExp(`'${name}' is reserved`));
    });
  }
});
