import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import * as optax from "./optax-reference.js";

/**
 * join, warmupCosineDecay and oneCycle, evaluated in one compiled graph from a float64 count,
 * against plain-JS transcriptions of optax's join_schedules, warmup_cosine_decay_schedule and
 * cosine_onecycle_schedule (./optax-reference.ts), on random settings (fast-check), within
 * 1e-12 relative at every count through the schedule and past its end.
 */

/** The schedule compiled once; its value at each count. */
async function evaluateAt(schedule: gg.optim.Schedule, counts: readonly number[]): Promise<number[]> {
  const c = gg.input("c", [], "float64");
  const v = schedule(c);
  expect(v.dtype).toBe("float64");
  expect(v.rank).toBe(0);
  const exe = await gg.compile({ outputs: { v } });
  const usesCount = exe.graph.nodes.some((n) => n.op === "input");
  const out: number[] = [];
  for (const count of counts) out.push(((await exe.run(usesCount ? { c: count } : {}))["v"] as gg.Tensor).item());
  return out;
}

function expectRelClose(actual: readonly number[], expected: readonly number[], counts: readonly number[], rel = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= rel * Math.abs(e))) throw new Error(`at count ${counts[i]}: got ${a}, optax's formula gives ${e}`);
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** Whole and half counts from 0 to n − 0.5: schedules take float counts, and the half steps test the interpolation between them. */
const halves = (n: number): number[] => Array.from({ length: 2 * n }, (_, i) => i / 2);

describe("warmupCosineDecay (optax's warmup_cosine_decay_schedule)", () => {
  it("matches optax on random settings: linear warm-up to peak, cosine down to end at decaySteps, end after", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          initial: fc.double({ min: 0, max: 0.1, noNaN: true }),
          peak: fc.double({ min: 0.1, max: 2, noNaN: true }),
          warmupSteps: fc.integer({ min: 0, max: 10 }),
          decayLength: fc.integer({ min: 1, max: 20 }),
          endFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          exponent: fc.constantFrom(1, 2, 0.5),
        }),
        async (o) => {
          const decaySteps = o.warmupSteps + o.decayLength;
          const end = o.peak * o.endFraction;
          const counts = halves(decaySteps + 4);
          const got = await evaluateAt(gg.schedules.warmupCosineDecay({ initial: o.initial, peak: o.peak, warmupSteps: o.warmupSteps, decaySteps, end, exponent: o.exponent }), counts);
          const want = counts.map(optax.warmupCosineDecaySchedule(o.initial, o.peak, o.warmupSteps, decaySteps, end, o.exponent));
          expectRelClose(got, want, counts);
          // The landmarks: initial at 0 (unless there is no warm-up), peak at warmupSteps, end from decaySteps on.
          const at = (c: number): number => got[counts.indexOf(c)] as number;
          if (o.warmupSteps > 0) expect(Math.abs(at(0) - o.initial)).toBeLessThanOrEqual(1e-15 * o.peak);
          expect(Math.abs(at(o.warmupSteps) - o.peak)).toBeLessThanOrEqual(1e-15 * o.peak);
          expect(Math.abs(at(decaySteps + 3) - end)).toBeLessThanOrEqual(1e-15 * o.peak);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("defaults end 0 and exponent 1; rejects what optax's formula cannot honour", async () => {
    const counts = range(12);
    expectRelClose(await evaluateAt(gg.schedules.warmupCosineDecay({ initial: 0, peak: 1, warmupSteps: 2, decaySteps: 10 }), counts), counts.map(optax.warmupCosineDecaySchedule(0, 1, 2, 10, 0, 1)), counts);
    const base = { initial: 0, peak: 1, warmupSteps: 2, decaySteps: 10 };
    expect(() => gg.schedules.warmupCosineDecay({ ...base, decaySteps: 2 })).toThrow("schedules.warmupCosineDecay: decaySteps (the whole schedule, warm-up included) must exceed warmupSteps: 2 <= 2");
    expect(() => gg.schedules.warmupCosineDecay({ ...base, warmupSteps: -1 })).toThrow(/warmupSteps must be a non-negative number, got -1/);
    expect(() => gg.schedules.warmupCosineDecay({ ...base, end: 2 })).toThrow("schedules.warmupCosineDecay: end must lie between 0 and peak: end 2, peak 1");
  });
});

describe("oneCycle (optax's cosine_onecycle_schedule)", () => {
  it("matches optax on random settings: cosine up to peak at ⌊pctStart·T⌋, cosine down to peak/(div·finalDiv) at T, held after", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          transitionSteps: fc.integer({ min: 2, max: 40 }),
          peak: fc.double({ min: 0.01, max: 3, noNaN: true }),
          pctStart: fc.double({ min: 0, max: 0.9, noNaN: true }),
          divFactor: fc.double({ min: 1, max: 50, noNaN: true }),
          finalDivFactor: fc.double({ min: 1, max: 1e4, noNaN: true }),
        }),
        async (o) => {
          const counts = halves(o.transitionSteps + 4);
          const got = await evaluateAt(gg.schedules.oneCycle(o), counts);
          expectRelClose(got, counts.map(optax.cosineOnecycleSchedule(o.transitionSteps, o.peak, o.pctStart, o.divFactor, o.finalDivFactor)), counts);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("defaults pctStart 0.3, divFactor 25, finalDivFactor 1e4: 0.004 → 0.1 at 30 → 4e-7 at 100", async () => {
    const counts = [...range(101), 150];
    const got = await evaluateAt(gg.schedules.oneCycle({ transitionSteps: 100, peak: 0.1 }), counts);
    expectRelClose(got, counts.map(optax.cosineOnecycleSchedule(100, 0.1, 0.3, 25, 1e4)), counts);
    expect(got[0]).toBeCloseTo(0.004, 17);
    expect(Math.max(...got)).toBe(got[30]);
    expect(got[30]).toBeCloseTo(0.1, 16);
    expect(got[100]).toBeCloseTo(4e-7, 20);
    expect(got[101]).toBe(got[100]);
  });

  it("rejects settings whose optax schedule is not a one-cycle", () => {
    expect(() => gg.schedules.oneCycle({ transitionSteps: 0, peak: 1 })).toThrow("schedules.oneCycle: transitionSteps must be a positive number, got 0");
    expect(() => gg.schedules.oneCycle({ transitionSteps: 10, peak: 1, pctStart: 1 })).toThrow(/pctStart must put the peak inside the cycle/);
    expect(() => gg.schedules.oneCycle({ transitionSteps: 10, peak: 1, divFactor: 0 })).toThrow(/divFactor must be a positive number/);
  });
});

describe("join (optax's join_schedules)", () => {
  it("matches optax on random boundaries: each schedule from its boundary on, seeing the count minus the boundary", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 0, maxLength: 3 }), fc.double({ min: 0.1, max: 1, noNaN: true }), async (gaps, v) => {
        const boundaries = gaps.reduce<number[]>((acc, g) => [...acc, (acc[acc.length - 1] ?? 0) + g], []);
        // Schedules that depend on their count, so a wrong shift shows.
        const ours = [gg.schedules.cosineDecay({ initial: v, decaySteps: 5, alpha: 0.2 }), gg.schedules.polynomialDecay({ initial: v, end: 0, decaySteps: 6 }), gg.schedules.exponentialDecay({ initial: v, decayRate: 0.7, decaySteps: 2 }), gg.schedules.constant(v / 3)];
        const refs = [optax.cosineDecaySchedule(v, 5, 0.2, 1), optax.linearSchedule(v, 0, 6), (c: number) => v * 0.7 ** (c / 2), () => v / 3];
        const n = boundaries.length + 1;
        const counts = halves((boundaries[boundaries.length - 1] ?? 0) + 8);
        const got = await evaluateAt(gg.schedules.join(ours.slice(0, n), boundaries), counts);
        expectRelClose(got, counts.map(optax.joinSchedules(refs.slice(0, n), boundaries)), counts, 4e-16);
      }),
      { numRuns: 20 },
    );
  });

  it("needs one boundary fewer than schedules, increasing and non-negative", () => {
    const c = gg.schedules.constant(1);
    expect(() => gg.schedules.join([c, c], [])).toThrow("schedules.join: needs one boundary fewer than schedules: 2 schedules, 0 boundaries");
    expect(() => gg.schedules.join([c, c, c], [4, 4])).toThrow("schedules.join: boundaries must increase: [4, 4]");
    expect(() => gg.schedules.join([c, c], [-1])).toThrow(/non-negative, got -1/);
    expect(() => gg.schedules.join([], [])).toThrow(/at least one schedule/);
  });
});

describe("the optax schedules inside trainStep", () => {
  it("the reported lr follows oneCycle across steps (evaluated in the step's graph)", async () => {
    const w = gg.param("w", [], "float64");
    const o = { transitionSteps: 6, peak: 0.5, pctStart: 0.5, divFactor: 5, finalDivFactor: 10 };
    const step = await gg.trainStep({ loss: gg.mul(w, w), optimizer: gg.optim.sgd({ lr: gg.schedules.oneCycle(o) }) });
    let state = await step.init({ w: 1 });
    const lrs: number[] = [];
    for (let k = 0; k < 8; k++) {
      const [next, metrics] = await step.run(state, {});
      lrs.push(metrics["lr"] as number);
      state = next;
    }
    expectRelClose(lrs, range(8).map(optax.cosineOnecycleSchedule(6, 0.5, 0.5, 5, 10)), range(8));
  });
});
