import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkSchedule } from "../../src/testing/index.js";

/**
 * Each schedule, evaluated in a compiled graph from a float64 count, against its formula in plain JS
 * (with the testing kit's `checkSchedule` where the formula is checked to a relative tolerance);
 * and the learning rate `trainStep` reports (the schedule runs inside the step's graph).
 */

/** Compiles `schedule(c)` once and returns the value at each count. */
async function evaluateAt(schedule: gg.optim.Schedule, counts: readonly number[]): Promise<number[]> {
  const c = gg.input("c", [], "float64");
  const lr = schedule(c);
  expect(lr.dtype).toBe("float64");
  expect(lr.rank).toBe(0);
  const exe = await gg.compile({ outputs: { lr } });
  // A schedule that ignores the count (constant) leaves no input to feed.
  const usesCount = exe.graph.nodes.some((n) => n.op === "input" && n.attrs.name === "c");
  const out: number[] = [];
  for (const count of counts) out.push(((await exe.run(usesCount ? { c: count } : {}))["lr"] as gg.Tensor).item());
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("constant", () => {
  it("is the same value at every count", async () => {
    const counts = [0, 1, 7, 1e6];
    expect(await evaluateAt(gg.schedules.constant(0.0375), counts)).toEqual(counts.map(() => 0.0375));
  });
});

describe("exponentialDecay (TF: initial · decayRate^(step / decaySteps), floored exponent when staircase)", () => {
  it("reproduces the seed's printout: lr0 0.2, decay 0.99 per epoch", async () => {
    // Seed 002: lr = lr_base * lr_decay ** (epoch / lr_step), printed with Python's repr.
    const printed: Readonly<Record<number, string>> = {
      0: "0.2",
      1: "0.198",
      2: "0.19602",
      3: "0.1940598",
      4: "0.192119202",
      5: "0.19019800998",
      6: "0.1882960298802",
      7: "0.186413069581398",
      8: "0.18454893888558402",
      9: "0.18270344949672818",
      90: "0.08094639453566477",
      91: "0.08013693059030812",
      92: "0.07933556128440503",
      93: "0.07854220567156098",
      94: "0.07775678361484537",
      95: "0.07697921577869692",
      96: "0.07620942362090993",
      97: "0.07544732938470083",
      98: "0.07469285609085384",
      99: "0.07394592752994529",
    };
    const epochs = Object.keys(printed).map(Number);
    const got = await evaluateAt(gg.schedules.exponentialDecay({ initial: 0.2, decayRate: 0.99, decaySteps: 1 }), epochs);
    expect(got).toEqual(epochs.map((e) => Number(printed[e])));
  });

  it("matches the formula on every count, fractional exponent", async () => {
    const report = await checkSchedule(gg.schedules.exponentialDecay({ initial: 0.5, decayRate: 0.3, decaySteps: 7 }), (c) => 0.5 * 0.3 ** (c / 7), { steps: 40, rtol: 4e-15 });
    expect(report.checked).toBe(40);
  });

  it("staircase: the exponent is floor(step / decaySteps)", async () => {
    const counts = range(20);
    const got = await evaluateAt(gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 3, staircase: true }), counts);
    expect(got).toEqual(counts.map((c) => 0.1 * 0.5 ** Math.floor(c / 3)));
    // Constant within a stair, a step down at each multiple of decaySteps.
    expect(got[2]).toBe(got[0]);
    expect(got[3]).toBeLessThan(got[2] as number);
  });

  it("rejects non-positive decaySteps and decayRate", () => {
    expect(() => gg.schedules.exponentialDecay({ initial: 0.1, decayRate: 0.5, decaySteps: 0 })).toThrow(gg.GraphgradError);
    expect(() => gg.schedules.exponentialDecay({ initial: 0.1, decayRate: -1, decaySteps: 2 })).toThrow(/decayRate/);
  });
});

describe("piecewiseConstant (TF: values[i] while boundaries[i-1] < step <= boundaries[i])", () => {
  const boundaries = [40000, 60000, 80000];
  const values = [0.1, 0.01, 0.001, 0.0001];
  /** TF's rule, written as a search for the first boundary the step does not exceed. */
  const reference = (step: number): number => {
    const i = boundaries.findIndex((b) => step <= b);
    return values[i === -1 ? values.length - 1 : i] as number;
  };

  it("gives the seed's 0.1 / 0.01 / 0.001 / 0.0001 at, just before and just after each boundary", async () => {
    const counts = [0, 1, ...boundaries.flatMap((b) => [b - 1, b, b + 1]), 1e6];
    const got = await evaluateAt(gg.schedules.piecewiseConstant({ boundaries, values }), counts);
    expect(got).toEqual(counts.map(reference));
    // At a boundary the earlier value still holds ("step <= boundary").
    expect(got[counts.indexOf(40000)]).toBe(0.1);
    expect(got[counts.indexOf(40001)]).toBe(0.01);
    expect(got[counts.indexOf(80001)]).toBe(0.0001);
  });

  it("needs one more value than boundaries, and increasing boundaries", () => {
    expect(() => gg.schedules.piecewiseConstant({ boundaries: [1, 2], values: [1, 2] })).toThrow(/one more value/);
    expect(() => gg.schedules.piecewiseConstant({ boundaries: [2, 2], values: [1, 2, 3] })).toThrow(/increase/);
  });
});

describe("epochDecay (PTB: lr · decay^max(epoch - maxEpoch, 0), epoch = floor(step / stepsPerEpoch))", () => {
  it("follows the PTB small config (lr 1, decay 0.5, max_epoch 4) over 13 epochs", async () => {
    const stepsPerEpoch = 5;
    const counts = range(13 * stepsPerEpoch);
    const got = await evaluateAt(gg.schedules.epochDecay({ initial: 1, decay: 0.5, maxEpoch: 4, stepsPerEpoch }), counts);
    expect(got).toEqual(counts.map((c) => 1 * 0.5 ** Math.max(Math.floor(c / stepsPerEpoch) - 4, 0)));
    // The seed's loop: epochs 0..4 at full rate, then halving.
    expect(got[4 * stepsPerEpoch + stepsPerEpoch - 1]).toBe(1);
    expect(got[5 * stepsPerEpoch]).toBe(0.5);
  });

  it("with a decay that is not a power of two (large config 1/1.15, max_epoch 14)", async () => {
    const steps = range(30).map((i) => i * 3 + 1);
    await checkSchedule(gg.schedules.epochDecay({ initial: 1, decay: 1 / 1.15, maxEpoch: 14, stepsPerEpoch: 2 }), (c) => (1 / 1.15) ** Math.max(Math.floor(c / 2) - 14, 0), { steps, rtol: 4e-15 });
  });
});

describe("polynomialDecay (TF: (initial - end)·(1 - min(step, decaySteps)/decaySteps)^power + end)", () => {
  for (const power of [1, 2, 0.5]) {
    it(`power ${power}, held at end after decaySteps`, async () => {
      const counts = range(16);
      const got = await evaluateAt(gg.schedules.polynomialDecay({ initial: 0.3, end: 0.01, decaySteps: 10, power }), counts);
      const expected = counts.map((c) => (0.3 - 0.01) * (1 - Math.min(c, 10) / 10) ** power + 0.01);
      got.forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThanOrEqual(1e-16));
      expect(got[15]).toBe(0.01);
    });
  }

  it("defaults: end 0.0001, power 1", async () => {
    const counts = [0, 3, 8, 20];
    const got = await evaluateAt(gg.schedules.polynomialDecay({ initial: 0.1, decaySteps: 8 }), counts);
    const expected = counts.map((c) => (0.1 - 0.0001) * (1 - Math.min(c, 8) / 8) + 0.0001);
    got.forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThanOrEqual(1e-17));
  });
});

describe("cosineDecay (optax: initial·((1 − alpha)·(½(1 + cos(π·min(step, decaySteps)/decaySteps)))^exponent + alpha))", () => {
  const optax = (c: number, o: { initial: number; decaySteps: number; alpha: number; exponent: number }): number =>
    o.initial * ((1 - o.alpha) * (0.5 * (1 + Math.cos((Math.PI * Math.min(c, o.decaySteps)) / o.decaySteps))) ** o.exponent + o.alpha);
  for (const o of [
    { initial: 0.1, decaySteps: 10, alpha: 0, exponent: 1 },
    { initial: 2, decaySteps: 7, alpha: 0.1, exponent: 2 },
    { initial: 0.5, decaySteps: 100, alpha: 0.25, exponent: 0.5 },
  ]) {
    it(`initial ${o.initial}, decaySteps ${o.decaySteps}, alpha ${o.alpha}, exponent ${o.exponent}; held at alpha·initial after`, async () => {
      const schedule = gg.schedules.cosineDecay(o);
      await checkSchedule(schedule, (c) => optax(c, o), { steps: [...range(o.decaySteps + 3), o.decaySteps * 10], rtol: 1e-15 });
      const [held] = await evaluateAt(schedule, [o.decaySteps * 10]);
      expect(Math.abs((held as number) - o.alpha * o.initial)).toBeLessThanOrEqual(1e-16);
    });
  }

  it("defaults to alpha 0 and exponent 1; rejects a non-positive decaySteps or alpha outside [0, 1]", async () => {
    await checkSchedule(gg.schedules.cosineDecay({ initial: 1, decaySteps: 4 }), (c) => 0.5 * (1 + Math.cos((Math.PI * c) / 4)), { steps: 3, rtol: 1e-15 });
    expect(() => gg.schedules.cosineDecay({ initial: 1, decaySteps: 0 })).toThrow("schedules.cosineDecay: decaySteps must be a positive number, got 0");
    expect(() => gg.schedules.cosineDecay({ initial: 1, decaySteps: 5, alpha: 2 })).toThrow("schedules.cosineDecay: alpha must be in [0, 1], got 2");
  });
});

describe("warmup (linear from 0 to peak over `steps` updates, then `after` shifted to start at 0)", () => {
  const ramp = (c: number, steps: number, peak: number): number => ((c + 1) / steps) * peak;

  it("ramps to peak, then stays at peak", async () => {
    const counts = range(10);
    const got = await evaluateAt(gg.schedules.warmup({ peak: 0.4, steps: 4 }), counts);
    const expected = counts.map((c) => (c + 1 <= 4 ? ramp(c, 4, 0.4) : 0.4));
    got.forEach((g, i) => expect(Math.abs(g - (expected[i] as number))).toBeLessThanOrEqual(1e-16));
    expect(got[3]).toBe(0.4);
  });

  it("hands over to `after`, counted from the end of the warm-up", async () => {
    const after = gg.schedules.exponentialDecay({ initial: 0.4, decayRate: 0.5, decaySteps: 2 });
    await checkSchedule(gg.schedules.warmup({ peak: 0.4, steps: 3, after }), (c) => (c + 1 <= 3 ? ramp(c, 3, 0.4) : 0.4 * 0.5 ** ((c - 3) / 2)), { steps: 12, rtol: 4e-16 });
  });
});

describe("the learning rate inside trainStep", () => {
  it("follows the schedule across steps, and the update uses it (w -= lr_k · g_k)", async () => {
    const w = gg.param("w", [2], "float64");
    const target = gg.input("target", [2], "float64");
    const loss = gg.l2Loss(gg.sub(w, target)); // gradient: w - target
    const schedule = { initial: 0.5, decayRate: 0.6, decaySteps: 2 };
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: gg.schedules.exponentialDecay(schedule) }) });
    let state = await step.init({ w: [1, -2] });
    let x = [1, -2];
    const t = [0.25, 0.5];
    for (let k = 0; k < 6; k++) {
      const [next, metrics] = await step.run(state, { target: t });
      const lr = schedule.initial * schedule.decayRate ** (k / schedule.decaySteps);
      expect(Math.abs((metrics["lr"] as number) - lr)).toBeLessThanOrEqual(1e-16);
      x = x.map((v, i) => v - lr * (v - (t[i] as number)));
      [...(next.params["w"] as gg.Tensor).data].forEach((v, i) => expect(Math.abs(v - (x[i] as number))).toBeLessThanOrEqual(1e-15));
      state = next;
    }
  });

  it("piecewiseConstant switches after the step count passes a boundary (step <= boundary keeps the old value)", async () => {
    const w = gg.param("w", [], "float64");
    const step = await gg.trainStep({
      loss: gg.mul(w, 1),
      optimizer: gg.optim.momentum({ lr: gg.schedules.piecewiseConstant({ boundaries: [1, 3], values: [0.1, 0.01, 0.001] }), momentum: 0.5 }),
    });
    let state = await step.init({ w: 0 });
    const lrs: number[] = [];
    for (let k = 0; k < 6; k++) {
      const [next, metrics] = await step.run(state, {});
      lrs.push(metrics["lr"] as number);
      state = next;
    }
    expect(lrs).toEqual([0, 1, 2, 3, 4, 5].map((k) => (k <= 1 ? 0.1 : k <= 3 ? 0.01 : 0.001)));
  });

  it("is computed in the graph: the lr comes out of the one compiled step (no lr input is fed)", async () => {
    const w = gg.param("w", [], "float64");
    const step = await gg.trainStep({ loss: gg.mul(w, w), optimizer: gg.optim.sgd({ lr: gg.schedules.exponentialDecay({ initial: 1, decayRate: 0.5, decaySteps: 1 }) }) });
    const inputNames = step.compiled.graph.nodes.flatMap((n) => (n.op === "input" ? [n.attrs.name] : []));
    expect(inputNames.some((n) => /lr/i.test(n))).toBe(false);
    const s0 = await step.init({ w: 1 });
    const [s1, m0] = await step.run(s0, {});
    const [, m1] = await step.run(s1, {});
    expect([m0["lr"], m1["lr"]]).toEqual([1, 0.5]);
  });
});
