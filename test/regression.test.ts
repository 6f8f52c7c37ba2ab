import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { KEY_INPUT, LOSSES, METRICS, OPTIMIZERS } from "../src/regression.js";
import { splitValidation } from "../src/regression/data.js";

/**
 * `gg.regression`, the tflearn front door: its defaults against tflearn's, every optimizer name
 * against its update rule written out by hand (float64, three full-batch steps), the clipping
 * default, every loss and metric name against its formula, the errors for unknown names, and
 * fit / predict / evaluate / validation / one-hot targets / dropout keys / EMA / batch-norm
 * updates / save and load.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-regression-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = { progress: false } as const;

/** A float64 linear model x·w with x [N, 2], w [2, 3], and its data. */
function linear() {
  const x = gg.input("x", [null, 2], "float64");
  const w = gg.param("w", [2, 3], "float64");
  const X = [
    [1, 2],
    [-0.5, 0.25],
    [3, -1],
    [0.75, 1.5],
  ];
  const Y = [
    [1, 0, -1],
    [0.5, 2, 0],
    [-2, 1, 1],
    [0, 0.25, 3],
  ];
  const W0 = [
    [0.1, -0.2, 0.3],
    [0.05, 0.4, -0.1],
  ];
  return { x, w, output: gg.matmul(x, w), X, Y, W0 };
}

type Matrix = number[][];
const matmul = (a: Matrix, b: Matrix): Matrix => a.map((r) => (b[0] as number[]).map((_, j) => r.reduce((s, v, k) => s + v * (b[k] as number[])[j]!, 0)));
const transpose = (a: Matrix): Matrix => (a[0] as number[]).map((_, j) => a.map((r) => r[j]!));
const map2 = (a: Matrix, b: Matrix, f: (x: number, y: number) => number): Matrix => a.map((r, i) => r.map((v, j) => f(v, (b[i] as number[])[j]!)));
const mapM = (a: Matrix, f: (x: number) => number): Matrix => a.map((r) => r.map(f));

/** ∂/∂W of mean((XW − Y)²) = 2/(N·K)·Xᵀ(XW − Y). */
function gradient(X: Matrix, Y: Matrix, W: Matrix): Matrix {
  const n = X.length * (Y[0] as number[]).length;
  return mapM(matmul(transpose(X), map2(matmul(X, W), Y, (p, y) => p - y)), (v) => (2 * v) / n);
}

function expectClose(actual: ArrayLike<number>, expected: Matrix, rel: number): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((e, i) => expect(Math.abs((actual[i] as number) - e)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e))));
}

/** The update rules of TF 1 with tflearn's defaults, in float64 on the host. */
function handRule(name: keyof typeof OPTIMIZERS, lr: number): (w: Matrix, g: Matrix) => Matrix {
  let a: Matrix | undefined;
  let b: Matrix | undefined;
  let t = 0;
  const zeros = (g: Matrix): Matrix => mapM(g, () => 0);
  switch (name) {
    case "sgd":
      return (w, g) => map2(w, g, (wi, gi) => wi - lr * gi);
    case "momentum":
    case "nesterov":
      return (w, g) => {
        a = map2(a ?? zeros(g), g, (ai, gi) => 0.9 * ai + gi);
        const acc = a;
        return name === "momentum" ? map2(w, acc, (wi, ai) => wi - lr * ai) : w.map((r, i) => r.map((wi, j) => wi - lr * (g[i]![j]! + 0.9 * acc[i]![j]!)));
      };
    case "adagrad":
      return (w, g) => {
        a = map2(a ?? mapM(g, () => 0.1), g, (ai, gi) => ai + gi * gi);
        const acc = a;
        return w.map((r, i) => r.map((wi, j) => wi - (lr * g[i]![j]!) / Math.sqrt(acc[i]![j]!)));
      };
    case "rmsprop":
      return (w, g) => {
        a = map2(a ?? mapM(g, () => 1), g, (ms, gi) => 0.9 * ms + 0.1 * gi * gi);
        const ms = a;
        return w.map((r, i) => r.map((wi, j) => wi - (lr * g[i]![j]!) / Math.sqrt(ms[i]![j]! + 1e-10)));
      };
    case "adam":
      return (w, g) => {
        t++;
        a = map2(a ?? zeros(g), g, (m, gi) => 0.9 * m + 0.1 * gi);
        b = map2(b ?? zeros(g), g, (v, gi) => 0.999 * v + 0.001 * gi * gi);
        const lrT = (lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        const [m, v] = [a, b];
        return w.map((r, i) => r.map((wi, j) => wi - (lrT * m[i]![j]!) / (Math.sqrt(v[i]![j]!) + 1e-8)));
      };
    case "adadelta":
      return (w, g) => {
        const rho = 0.1;
        a = map2(a ?? zeros(g), g, (acc, gi) => rho * acc + (1 - rho) * gi * gi);
        const acc = a;
        const prev = b ?? zeros(g);
        const update = g.map((r, i) => r.map((gi, j) => (Math.sqrt(prev[i]![j]! + 1e-8) / Math.sqrt(acc[i]![j]! + 1e-8)) * gi));
        b = map2(prev, update, (u, d) => rho * u + (1 - rho) * d * d);
        return map2(w, update, (wi, d) => wi - lr * d);
      };
  }
}

describe("defaults", () => {
  it("are tflearn's: adam, categorical_crossentropy, lr 0.001, batch 64, shuffle, clip 5, no ema, 10 epochs, evaluate batch 128", () => {
    expect(gg.REGRESSION_DEFAULTS).toEqual({
      optimizer: "adam",
      loss: "categorical_crossentropy",
      learningRate: 0.001,
      batchSize: 64,
      shuffle: true,
      clipGradients: 5,
      ema: 0,
      epochs: 10,
      evaluateBatchSize: 128,
      metric: "accuracy",
      targets: "targets",
    });
  });

  it("with no options, one step is Adam at 0.001 on gradients clipped to global norm 5", async () => {
    const { output, X, W0 } = linear();
    const Y = [
      [40, -30, 20],
      [10, 50, 0],
      [-60, 10, 30],
      [0, 25, 80],
    ];
    const net = gg.regression({ model: output, loss: "mean_square", metric: null, initialValues: { w: W0 } });
    expect(net.batchSize).toBe(64);
    await net.fit({ x: X, targets: Y }, { epochs: 1, ...quiet });
    const g = gradient(X, Y, W0);
    const norm = Math.hypot(...g.flat());
    expect(norm).toBeGreaterThan(5);
    const clipped = mapM(g, (v) => (v * 5) / norm);
    expectClose(net.state!.params["w"]!.data, handRule("adam", 0.001)(W0, clipped), 1e-12);
    expect(net.state!.step).toBe(1);
  });

  it("clipGradients: 0 turns clipping off", async () => {
    const { output, X, W0 } = linear();
    const Y = mapM(linear().Y, (v) => 40 * v);
    const net = gg.regression({ model: output, loss: "mean_square", metric: null, optimizer: "sgd", learningRate: 0.125, clipGradients: 0, initialValues: { w: W0 } });
    await net.fit({ x: X, targets: Y }, { epochs: 1, ...quiet });
    const g = gradient(X, Y, W0);
    expect(Math.hypot(...g.flat())).toBeGreaterThan(5);
    expectClose(net.state!.params["w"]!.data, handRule("sgd", 0.125)(W0, g), 1e-12);
  });

  it("regularization and trainable pass through to the train step: w ← w − lr·(g + l2·w), the other parameters fixed", async () => {
    const { x, output, X, Y, W0 } = linear();
    const bias = gg.param("bias", [3], "float64");
    const net = gg.regression({
      model: gg.add(output, bias),
      loss: "mean_square",
      metric: null,
      optimizer: "sgd",
      learningRate: 0.125,
      clipGradients: 0,
      regularization: { l2: 0.5 },
      trainable: ["w"],
      initialValues: { w: W0, bias: [1, 2, 3] },
    });
    expect(net.inputNames).toEqual([x.node.op === "input" ? x.node.attrs.name : ""]);
    const r = await net.fit({ x: X, targets: Y }, { epochs: 1, ...quiet });
    const shifted = Y.map((row) => row.map((v, j) => v - (j + 1))); // the fixed bias moves the targets
    const g = gradient(X, shifted, W0);
    expectClose(net.state!.params["w"]!.data, W0.map((row, i) => row.map((w, j) => w - 0.125 * (g[i]![j]! + 0.5 * w))), 1e-12);
    expect(Array.from(net.state!.params["bias"]!.data)).toEqual([1, 2, 3]);
    expect(r.history[0]!.train["totalLoss"]).toBeGreaterThan(r.history[0]!.train["loss"]!);
  });

  it("the default metric is accuracy when the output has a class axis, none for a single column", () => {
    const x = gg.input("x", [null, 2]);
    expect(gg.regression({ model: gg.softmax(gg.matmul(x, gg.param("w", [2, 3]))) }).metricName).toBe("accuracy");
    expect(gg.regression({ model: gg.matmul(x, gg.param("w", [2, 1])), loss: "mean_square" }).metricName).toBeUndefined();
    expect(gg.regression({ model: gg.matmul(x, gg.param("w", [2, 3])), loss: "mean_square", metric: "r2" }).metricName).toBe("r2");
  });
});

describe("optimizers by name", () => {
  for (const name of Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[]) {
    it(`'${name}' follows its TF 1 rule with tflearn's defaults (3 full-batch steps, float64)`, async () => {
      const { output, X, Y, W0 } = linear();
      const lr = 0.125;
      const net = gg.regression({ model: output, optimizer: name, learningRate: lr, loss: "mean_square", metric: null, clipGradients: 0, batchSize: 4, shuffle: false, initialValues: { w: W0 } });
      await net.fit({ x: X, targets: Y }, { epochs: 3, ...quiet });
      const rule = handRule(name, lr);
      let w = W0;
      for (let s = 0; s < 3; s++) w = rule(w, gradient(X, Y, w));
      expectClose(net.state!.params["w"]!.data, w, 1e-12);
    });
  }

  it("a gradient transformation is used as given; learningRate with one is an error", async () => {
    const { output, X, Y, W0 } = linear();
    const net = gg.regression({ model: output, optimizer: gg.optim.sgd({ lr: 0.25 }), loss: "mean_square", metric: null, clipGradients: 0, initialValues: { w: W0 } });
    await net.fit({ x: X, targets: Y }, { epochs: 1, ...quiet });
    expectClose(net.state!.params["w"]!.data, handRule("sgd", 0.25)(W0, gradient(X, Y, W0)), 1e-12);
    expect(() => gg.regression({ model: output, optimizer: gg.optim.sgd({ lr: 0.25 }), learningRate: 0.1 })).toThrow(/learningRate applies to optimizer names only/);
  });

  it("unknown names are rejected listing the valid ones", () => {
    const { output } = linear();
    expect(() => gg.regression({ model: output, optimizer: "adamw" as never })).toThrow(
      "regression: unknown optimizer \"adamw\": expected one of 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta'",
    );
    expect(() => gg.regression({ model: output, loss: "mse" as never })).toThrow(
      "regression: unknown loss \"mse\": expected one of 'mean_square', 'categorical_crossentropy', 'softmax_categorical_crossentropy', 'binary_crossentropy', 'hinge_loss'",
    );
    expect(() => gg.regression({ model: output, metric: "auc" as never })).toThrow("regression: unknown metric \"auc\": expected one of 'accuracy', 'binary_accuracy', 'r2'");
    expect(() => gg.regression({ model: output, optimizer: "toString" as never })).toThrow(/unknown optimizer "toString"/);
    expect(() => gg.regression({ model: output, clipGradients: -1 })).toThrow(/clipGradients must be a positive number/);
    expect(() => gg.regression({ model: output, ema: 1 })).toThrow(/ema must be in \[0, 1\)/);
    expect(() => gg.regression({ model: output, batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

/** Random float64 predictions/targets of shape [rows, cols] as nested arrays. */
const matrixArb = (rows: number, cols: number, min: number, max: number): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(fc.double({ min, max, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

async function value(f: (p: gg.Expr, y: gg.Expr) => gg.Expr, P: Matrix, Y: Matrix): Promise<number> {
  return (await gg.evaluate(f(gg.constant(P, "float64"), gg.constant(Y, "float64")))).item();
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const near = (a: number, b: number, rel = 1e-12): boolean => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe("losses by name (tflearn/objectives.py)", () => {
  const shape = fc.record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 2, max: 4 }) });
  const caseArb = (pMin: number, pMax: number, yMin: number, yMax: number) =>
    shape.chain(({ rows, cols }) => fc.tuple(matrixArb(rows, cols, pMin, pMax), matrixArb(rows, cols, yMin, yMax)));

  it("mean_square = mean((p − y)²); hinge_loss = mean(max(1 − y·p, 0))", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(-3, 3, -1, 1), async ([P, Y]) => {
        expect(near(await value(LOSSES.mean_square, P, Y), mean(P.flatMap((r, i) => r.map((p, j) => (p - Y[i]![j]!) ** 2))))).toBe(true);
        expect(near(await value(LOSSES.hinge_loss, P, Y), mean(P.flatMap((r, i) => r.map((p, j) => Math.max(1 - Y[i]![j]! * p, 0)))))).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it("categorical_crossentropy renormalizes p along the last axis and clips it to [1e-10, 1 − 1e-10]", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(0, 2, 0, 1), async ([P0, Y]) => {
        // An exact zero in the first row meets the clip; every row needs a positive sum.
        const P: number[][] = P0.map((r, i) => (i === 0 ? r.map((v, j) => (j === 1 ? 0 : v)) : r)).map((r) => (r.every((v) => v === 0) ? r.map((_, j) => (j === 0 ? 1 : 0)) : r));
        const expected = mean(
          P.map((r, i) => {
            const s = r.reduce((a, b) => a + b, 0);
            return -r.reduce((acc, p, j) => acc + Y[i]![j]! * Math.log(Math.min(Math.max(p / s, 1e-10), 1 - 1e-10)), 0);
          }),
        );
        expect(near(await value(LOSSES.categorical_crossentropy, P, Y), expected)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it("softmax_categorical_crossentropy and binary_crossentropy take logits", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(-8, 8, 0, 1), async ([P, Y]) => {
        const softmax = mean(
          P.map((r, i) => {
            const m = Math.max(...r);
            const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
            return -r.reduce((acc, v, j) => acc + Y[i]![j]! * (v - lse), 0);
          }),
        );
        expect(near(await value(LOSSES.softmax_categorical_crossentropy, P, Y), softmax, 1e-11)).toBe(true);
        const sigmoid = mean(P.flatMap((r, i) => r.map((x, j) => -(Y[i]![j]! * Math.log(1 / (1 + Math.exp(-x))) + (1 - Y[i]![j]!) * Math.log(1 - 1 / (1 + Math.exp(-x)))))));
        expect(near(await value(LOSSES.binary_crossentropy, P, Y), sigmoid, 1e-9)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it("a loss function is used as given and must return a float scalar", async () => {
    const { output, X, Y, W0 } = linear();
    const net = gg.regression({ model: output, loss: (p, y) => gg.sum(gg.abs(gg.sub(p, y))), metric: null, initialValues: { w: W0 } });
    const r = await net.evaluate({ x: X, targets: Y });
    const P = matmul(X, W0);
    expect(near(r["loss"]!, P.flat().reduce((a, v, k) => a + Math.abs(v - Y.flat()[k]!), 0))).toBe(true);
    expect(() => gg.regression({ model: output, loss: (p) => p })).toThrow("regression: the loss must be a float scalar, got float64[?x.0,3]");
  });
});

describe("metrics by name", () => {
  it("accuracy (argmax agreement), binary_accuracy (logit > 0), r2 (1 − SS_res/SS_tot)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((rows) => fc.tuple(matrixArb(rows, 3, -2, 2), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rows, maxLength: rows }), matrixArb(rows, 3, -2, 2))),
        async ([P, labels, T]) => {
          const oneHot = labels.map((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
          const argmax = (r: number[]): number => r.indexOf(Math.max(...r));
          expect(await value(METRICS.accuracy, P, oneHot)).toBeCloseTo(mean(P.map((r, i) => (argmax(r) === labels[i] ? 1 : 0))), 15);
          const binary = mean(P.flatMap((r, i) => r.map((p, j) => ((p > 0 ? 1 : 0) === oneHot[i]![j] ? 1 : 0))));
          expect(await value(METRICS.binary_accuracy, P, oneHot)).toBeCloseTo(binary, 15);
          const t = T.flat();
          const tMean = mean(t);
          fc.pre(t.some((v) => Math.abs(v - tMean) > 1e-3)); // R² is undefined (0/0) for constant targets
          const r2 = 1 - P.flat().reduce((a, p, k) => a + (t[k]! - p) ** 2, 0) / t.reduce((a, v) => a + (v - tMean) ** 2, 0);
          expect(near(await value(METRICS.r2, P, T), r2, 1e-10)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });
});

/** Three classes of 2-D points (deterministic). */
function blobs(n: number): { x: number[][]; labels: number[]; oneHot: number[][] } {
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = (i * 7) % 3;
    labels.push(c);
    x.push([[-1.5, 1.5, 0][c]! + 0.5 * Math.sin(i * 12.9898), [0, 0, 1.8][c]! + 0.5 * Math.cos(i * 78.233)]);
  }
  return { x, labels, oneHot: labels.map((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0))) };
}

function softmaxModel(prefix = "") {
  const x = gg.input(`${prefix}x`, [null, 2]);
  const w = gg.param(`${prefix}w`, [2, 3]);
  const b = gg.param(`${prefix}b`, [3]);
  return gg.softmax(gg.add(gg.matmul(x, w), b));
}

describe("fit, predict, evaluate", () => {
  const data = blobs(90);

  it("trains a softmax classifier (adam at 0.05), validates on a held-out fraction, and predicts what evaluate scores", async () => {
    const net = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 16, seed: 3 });
    expect(net.inputNames).toEqual(["x"]);
    expect(net.targetsName).toBe("targets");
    const lines: string[] = [];
    const r = await net.fit({ x: data.x, targets: data.oneHot }, { epochs: 12, validation: 0.2, progress: false, log: (l) => lines.push(l) });
    expect(r.history).toHaveLength(12);
    // 72 training rows in batches of 16: 5 steps per epoch.
    expect(r.history.map((h) => h.batches)).toEqual(Array(12).fill(5));
    const first = r.history[0]!;
    const last = r.history[11]!;
    expect(last.train["loss"]!).toBeLessThan(first.train["loss"]! / 2);
    expect(last.validation?.["accuracy"]).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(last.train).sort()).toEqual(["accuracy", "gradNorm", "loss", "lr"]);

    const p = await net.predict(data.x);
    expect(p.shape).toEqual([90, 3]);
    const argmax = (r: number): number => [0, 1, 2].reduce((best, k) => ((p.data[3 * r + k] as number) > (p.data[3 * r + best] as number) ? k : best), 0);
    const acc = mean(data.labels.map((l, r) => (argmax(r) === l ? 1 : 0)));
    const ev = await net.evaluate({ x: data.x, targets: data.oneHot }, { batchSize: 90 });
    expect(ev["accuracy"]).toBeCloseTo(acc, 6);
    // Evaluate in batches of 128 (tflearn's default) and of 7 agree: row-weighted means.
    const small = await net.evaluate({ x: data.x, targets: data.oneHot }, { batchSize: 7 });
    expect(small["loss"]!).toBeCloseTo(ev["loss"]!, 6);
    expect(small["accuracy"]!).toBeCloseTo(ev["accuracy"]!, 6);
  });

  it("is deterministic from its seed, and a second fit continues from the current state", async () => {
    const make = () => gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 16, seed: 5 });
    const [a, b] = [make(), make()];
    await a.fit({ x: data.x, targets: data.oneHot }, { epochs: 2, ...quiet });
    await b.fit({ x: data.x, targets: data.oneHot }, { epochs: 2, ...quiet });
    expect(Array.from(a.state!.params["w"]!.data)).toEqual(Array.from(b.state!.params["w"]!.data));
    const again = await a.fit({ x: data.x, targets: data.oneHot }, { epochs: 1, ...quiet });
    expect(again.state.step).toBe(2 * 6 + 6);
    const other = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 16, seed: 6 });
    await other.fit({ x: data.x, targets: data.oneHot }, { epochs: 2, ...quiet });
    expect(Array.from(other.state!.params["w"]!.data)).not.toEqual(Array.from(b.state!.params["w"]!.data));
  });

  it("toOneHot: int32 class targets train exactly as their one-hot rows do", async () => {
    const oneHot = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 30, seed: 2 });
    const indices = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 30, seed: 2, toOneHot: true });
    await oneHot.fit({ x: data.x, targets: data.oneHot }, { epochs: 2, ...quiet });
    await indices.fit({ x: data.x, targets: data.labels }, { epochs: 2, ...quiet });
    expect(Array.from(indices.state!.params["w"]!.data)).toEqual(Array.from(oneHot.state!.params["w"]!.data));
  });

  it("the wasm backend trains to the same numbers as the js one", async () => {
    const js = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 30, seed: 4 });
    const wasm = gg.regression({ model: softmaxModel(), learningRate: 0.05, batchSize: 30, seed: 4, backend: gg.wasm({ threads: 1 }) });
    await js.fit({ x: data.x, targets: data.oneHot }, { epochs: 3, ...quiet });
    await wasm.fit({ x: data.x, targets: data.oneHot }, { epochs: 3, ...quiet });
    const [a, b] = [js.state!.params["w"]!.data, wasm.state!.params["w"]!.data];
    Array.from(a).forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThan(1e-5));
  });

  it("rejects data without a needed column, and predict without a needed input", async () => {
    const x = gg.input("x", [null, 2]);
    const z = gg.input("z", [null, 2]);
    const net = gg.regression({ model: gg.softmax(gg.add(gg.matmul(x, gg.param("w", [2, 3])), gg.matmul(z, gg.param("v", [2, 3])))) });
    expect(net.inputNames).toEqual(["x", "z"]);
    await expect(net.fit({ x: data.x, targets: data.oneHot }, quiet)).rejects.toThrow("regression: the training data has no column 'z' (columns: x, targets; needed: x, z, targets)");
    await expect(net.predict(data.x)).rejects.toThrow("regression: the model has 2 inputs (x, z): pass feeds by name");
    await expect(net.predict({ x: data.x })).rejects.toThrow("regression: predict: no value for input 'z'");
    expect(() => gg.regression({ model: gg.softmax(gg.matmul(x, gg.param("w", [2, 3]))), targets: gg.input("t", [null, 4]) })).toThrow("regression: targets [?t.0,4] do not match the output [?x.0,3]");
    expect(() => gg.regression({ model: gg.softmax(gg.matmul(gg.input("targets", [null, 2]), gg.param("w", [2, 3]))) })).toThrow(/the targets input 'targets' is also an input of the model/);
    expect(() => gg.regression({ model: (i) => i["x"]! })).toThrow(/a model function needs `inputs`/);
    expect(() => gg.regression({ model: gg.param("w", [2, 3]) })).toThrow(/the model has no input/);
    await expect(gg.regression({ model: gg.softmax(gg.matmul(x, gg.param("w", [2, 3]))), params: [{ name: "nope", shape: [1], dtype: "float32", init: gg.init.zeros() }] }).init()).rejects.toThrow(
      "regression: params: 'nope' is not a parameter of the model (parameters: w)",
    );
  });

  it("validation data and a validation fraction: tflearn's split of a seeded permutation", () => {
    const d = gg.data.dataset({ i: Array.from({ length: 50 }, (_, k) => k) });
    const [train, val] = splitValidation(d, 0.1, 7);
    expect([train.size, val.size]).toEqual([45, 5]);
    const all = [...Array.from(train.column("i").data), ...Array.from(val.column("i").data)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 50 }, (_, k) => k));
    expect(Array.from(val.column("i").data)).not.toEqual([45, 46, 47, 48, 49]);
    expect(() => splitValidation(d, 1.5, 0)).toThrow(/validation fraction must be in \(0, 1\)/);
    expect(() => splitValidation(d, 0.99, 0)).toThrow("regression: a validation fraction of 0.99 of 50 rows leaves an empty training set");
  });
});

describe("model functions: training flag, dropout keys, batch-norm updates, EMA, checkpoints", () => {
  const data = blobs(60);

  it("dropout in the training graph gets a fresh key each step; prediction is the graph without it", async () => {
    const w = gg.nn.denseParams("d", 2, 3);
    const net = gg.regression({
      model: (inputs, { training, key }) => gg.softmax(gg.nn.dense(gg.nn.dropout(inputs.x, { rate: 0.5, key, training }), w)),
      inputs: { x: [null, 2] },
      params: w.specs,
      learningRate: 0.05,
      batchSize: 60,
      shuffle: false,
    });
    const seen: number[] = [];
    await net.fit({ x: data.x, targets: data.oneHot }, { epochs: 3, progress: false, hooks: [{ onStepEnd: (ctx) => void seen.push(ctx.metrics["loss"]!) }] });
    expect(seen).toHaveLength(3);
    // Inference: no dropout, so predict equals the plain dense softmax of the trained weights.
    const p = await net.predict(data.x);
    const plain = await gg.evaluate(gg.softmax(gg.nn.dense(gg.constant(data.x), { kernel: gg.constant(Array.from({ length: 2 }, (_, i) => Array.from(net.state!.params["d/kernel"]!.data.slice(3 * i, 3 * i + 3)))), bias: gg.constant(Array.from(net.state!.params["d/bias"]!.data)) })));
    Array.from(p.data).forEach((v, i) => expect(v).toBeCloseTo(plain.data[i] as number, 6));
    // The same state's training loss differs from its evaluation loss (half the inputs dropped).
    const ev = await net.evaluate({ x: data.x, targets: data.oneHot });
    const step = await net.trainStep();
    const lossWith = async (k: number): Promise<number> => (await step.run(net.state!, { x: data.x, targets: data.oneHot, [KEY_INPUT]: Int32Array.of(k, 0) }))[1]["loss"]!;
    const [a, a2, b] = [await lossWith(1), await lossWith(1), await lossWith(2)];
    expect(a2).toBe(a);
    expect(b).not.toBe(a);
    expect(Math.abs(a - ev["loss"]!)).toBeGreaterThan(1e-3);
  });

  it("batch normalization's moving statistics come back as updates and are not trained", async () => {
    const bn = gg.nn.batchNormParams("bn", 2);
    const w = gg.nn.denseParams("d", 2, 3);
    const net = gg.regression({
      model: (inputs, { training }) => {
        const r = gg.nn.batchNorm(inputs.x, { ...bn, training });
        const output = gg.softmax(gg.nn.dense(r.y, w));
        return training ? { output, updates: r.updates } : output;
      },
      inputs: { x: { shape: [null, 2], dtype: "float32" } },
      params: gg.nn.specsOf(bn, w),
      learningRate: 0.05,
      batchSize: 60,
      shuffle: false,
    });
    await net.fit({ x: data.x, targets: data.oneHot }, { epochs: 2, ...quiet });
    expect((await net.trainStep()).trainable).not.toContain("bn/movingMean");
    // Two updates with momentum 0.99 from 0: 0.01·m·(1 + 0.99) for the batch mean m (the same batch twice).
    const m0 = mean(data.x.map((r) => r[0]!));
    expect(net.state!.params["bn/movingMean"]!.data[0]).toBeCloseTo(0.01 * m0 * 1.99, 6);
  });

  it("ema keeps averaged parameters that predict can use; save and load restore the state exactly", async () => {
    const net = gg.regression({ model: softmaxModel(), learningRate: 0.1, batchSize: 20, ema: 0.9, seed: 1 });
    await net.fit({ x: data.x, targets: data.oneHot }, { epochs: 3, ...quiet });
    expect(Object.keys(net.state!.ema).sort()).toEqual(["b", "w"]);
    const raw = await net.predict(data.x);
    const averaged = await net.predict(data.x, { useEma: true });
    expect(Array.from(averaged.data)).not.toEqual(Array.from(raw.data));
    const path = join(dir, "model.safetensors");
    await net.save(path, { note: "test" });
    const restored = gg.regression({ model: softmaxModel(), learningRate: 0.1, batchSize: 20, ema: 0.9, seed: 99 });
    expect(await restored.load(path)).toEqual({ note: "test" });
    expect(restored.state!.step).toBe(net.state!.step);
    expect(Array.from((await restored.predict(data.x)).data)).toEqual(Array.from(raw.data));
    await expect(gg.regression({ model: softmaxModel() }).save(path)).rejects.toThrow(/nothing to save yet/);
  });
});
