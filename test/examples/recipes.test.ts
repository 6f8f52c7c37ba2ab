import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as classification from "../../examples/recipes/classification.js";
import { formatFloat32 } from "../../examples/recipes/format.js";
import type { RecipeResult } from "../../examples/recipes/loop.js";
import * as regression from "../../examples/recipes/regression.js";
import { randomIndices } from "../../examples/recipes/sampling.js";
import { compileSgdStep } from "../../examples/recipes/sgd.js";
import * as gg from "../../src/index.js";

// Both recipes run their full step counts (100 and 1400 steps take well under a second each).
const SEEDS = [0, 1, 2, 3, 4];
const quiet = (): void => {};
const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const quarters = (xs: readonly number[]): [number, number] => {
  const q = Math.floor(xs.length / 4);
  return [mean(xs.slice(0, q)), mean(xs.slice(xs.length - q))];
};

describe.each([
  { name: "regression", recipe: regression, lo: 9.3, hi: 10.3, steps: 100, every: 25 },
  { name: "classification", recipe: classification, lo: -1.5, hi: -0.5, steps: 1400, every: 200 },
])("seed 004 $name recipe", ({ recipe, lo, hi, steps, every }) => {
  const runs = new Map<number, Promise<RecipeResult>>();
  const runOf = (seed: number): Promise<RecipeResult> => {
    let r = runs.get(seed);
    if (r === undefined) runs.set(seed, (r = recipe.run({ seed, log: quiet })));
    return r;
  };

  it.each(SEEDS)(`seed %i: A ends in [${lo}, ${hi}] after the full run, with the loss going down`, async (seed) => {
    const r = await runOf(seed);
    expect(r.losses).toHaveLength(steps);
    expect(r.A0 < lo || r.A0 > hi).toBe(true); // it starts outside the target range
    expect(r.A).toBeGreaterThanOrEqual(lo);
    expect(r.A).toBeLessThanOrEqual(hi);
    const [first, last] = quarters(r.losses);
    expect(last).toBeLessThan(first);
  });

  it("is deterministic: the same seed gives the identical A and losses; another seed differs", async () => {
    const again = await recipe.run({ seed: 0, log: quiet });
    const r = await runOf(0);
    expect(again.A0).toBe(r.A0);
    expect(again.A).toBe(r.A);
    expect(again.losses).toEqual(r.losses);
    expect(again.reports).toEqual(r.reports);
    const other = await runOf(1);
    expect(other.A0).not.toBe(r.A0);
    expect(other.losses).not.toEqual(r.losses);
  });

  it("prints 'Step #n A = [...]' and 'Loss = ...' every report interval, as the seed does", async () => {
    const lines: string[] = [];
    const r = await recipe.run({ seed: 2, log: (l) => lines.push(l) });
    expect(lines).toHaveLength((2 * steps) / every);
    expect(r.reports.map((p) => p.step)).toEqual(Array.from({ length: steps / every }, (_, i) => (i + 1) * every));
    r.reports.forEach((p, i) => {
      expect(lines[2 * i]).toBe(`Step #${p.step} A = [${formatFloat32(p.A)}]`);
      expect(lines[2 * i + 1]).toMatch(/^Loss = \[{0,2}-?\d/);
      const printed = Number((lines[2 * i + 1] as string).replace(/^Loss = \[*|\]*$/g, ""));
      expect(Math.fround(printed)).toBe(p.loss);
    });
    expect(r.reports.at(-1)?.A).toBe(r.A);
  });

  it("honours a shorter step count, running a prefix of the full run", async () => {
    const short = await recipe.run({ seed: 3, steps: every, log: quiet });
    const full = await runOf(3);
    expect(short.losses).toEqual(full.losses.slice(0, every));
    expect(short.reports).toEqual(full.reports.slice(0, 1));
  });
});

describe("the compiled SGD steps", () => {
  const f32 = (v: number): gg.Tensor => gg.tensorFrom([v], "float32");
  // float32 arithmetic on values of order 10: a few ulps.
  const close = (actual: number, expected: number): void =>
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(4e-6 * Math.max(1, Math.abs(expected)));
  const floats = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map(Math.fround);

  it("regression: A' = A − lr·2x(A·x − y), loss (A·x − y)²", async () => {
    const x = gg.input("x", [1]);
    const y = gg.input("y", [1]);
    const A = gg.param("A", [1]);
    const sgd = await compileSgdStep(gg.square(gg.sub(gg.mul(x, A), y)), A, "A", regression.LEARNING_RATE);
    await fc.assert(
      fc.asyncProperty(floats(-12, 12), floats(0.5, 1.5), floats(5, 15), async (a, xv, yv) => {
        const r = await sgd.step(f32(a), { x: [xv], y: [yv] });
        const residual = a * xv - yv;
        close(r.A.item(), a - regression.LEARNING_RATE * 2 * xv * residual);
        close(r.loss.item(), residual * residual);
      }),
      { numRuns: 50 },
    );
  });

  it("classification: the stable cross-entropy equals −z·log σ − (1−z)·log(1−σ), and A' = A − lr·(σ(x+A) − z)", async () => {
    const x = gg.input("x", [1]);
    const z = gg.input("y", [1]);
    const A = gg.param("A", [1]);
    const loss = classification.sigmoidCrossEntropyWithLogits(gg.expandDims(z, 0), gg.expandDims(gg.add(x, A), 0));
    expect(loss.shape).toEqual([1, 1]);
    const sgd = await compileSgdStep(loss, A, "A", classification.LEARNING_RATE);
    await fc.assert(
      fc.asyncProperty(floats(-12, 12), floats(-4, 6), fc.constantFrom(0, 1), async (a, xv, zv) => {
        const r = await sgd.step(f32(a), { x: [xv], y: [zv] });
        const l = Math.fround(xv + a);
        const s = 1 / (1 + Math.exp(-l));
        close(r.A.item(), a - classification.LEARNING_RATE * (s - zv));
        // The naive form in float64 (accurate for |logit| <= 18): -log σ = log(1 + e^-l), -log(1-σ) = log(1 + e^l).
        const naive = zv === 1 ? Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l));
        close(r.loss.item(), naive);
      }),
      { numRuns: 50 },
    );
  });

  it("classification: the cross-entropy stays finite and exact for logits far past float32's exp range", async () => {
    const logits = gg.input("l", [2]);
    const labels = gg.input("z", [2]);
    const value = await gg.evaluate(classification.sigmoidCrossEntropyWithLogits(labels, logits), { l: [200, -200], z: [0, 1] });
    expect(Array.from(value.data)).toEqual([200, 200]);
  });
});

describe("helpers", () => {
  it("formatFloat32 prints the shortest decimal that reads back as the same float32", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = formatFloat32(v);
        expect(Math.fround(Number(s))).toBe(Math.fround(v));
        const digits = Number(s).toExponential().replace(/^-|e.*$/g, "").replace(".", "").length; // significant digits
        if (digits > 1) expect(Math.fround(Number(Math.fround(v).toPrecision(digits - 1)))).not.toBe(Math.fround(v));
      }),
      { numRuns: 500 },
    );
    expect(formatFloat32(6.23402166)).toBe("6.2340217");
    expect(formatFloat32(-1)).toBe("-1");
  });

  it("randomIndices draws every index of 0..n-1 and nothing else, the same for the same key", async () => {
    const key = gg.random.key(7);
    const idx = await randomIndices(key, 2000, 10);
    expect(idx.every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
    expect(new Set(idx).size).toBe(10);
    // Each index about 200 times (binomial sd ≈ 13.4; 6 sd bounds).
    for (let k = 0; k < 10; k++) expect(Math.abs(idx.filter((i) => i === k).length - 200)).toBeLessThan(81);
    expect(Array.from(await randomIndices(key, 50, 10))).toEqual(Array.from(idx.slice(0, 50)));
  });
});
