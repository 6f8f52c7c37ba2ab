import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";

/**
 * Initializers: shapes and dtypes, bounds, and the first two moments checked against their exact
 * values within 5 standard errors (n draws: the mean's standard error is σ/√n, the variance's
 * sqrt(Var(X²)/n), from the distribution's fourth moment).
 */

const key = gg.random.key(42);
const values = (t: gg.Tensor): number[] => Array.from(t.data as ArrayLike<number>);

function moments(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length };
}

/** Asserts the sample moments of `xs` match a distribution with the given mean, variance and central fourth moment. */
function expectMoments(xs: readonly number[], mean: number, variance: number, fourth: number): void {
  const n = xs.length;
  const m = moments(xs);
  expect(Math.abs(m.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
  expect(Math.abs(m.variance - variance)).toBeLessThan(5 * Math.sqrt((fourth - variance ** 2) / n) + 5 * (variance / n));
}

const phi = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

/** P(|z| < a) for a standard normal, by Simpson's rule (error far below 1e-12 with 2000 panels). */
function massWithin(a: number): number {
  const n = 2000;
  const h = a / n;
  let s = phi(0) + phi(a);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * phi(i * h);
  return 2 * (s * h) / 3;
}

/** Second and fourth moments of a standard normal truncated to (-a, a) (integration by parts). */
function truncatedMoments(a: number): { m2: number; m4: number } {
  const z = massWithin(a);
  const m2 = 1 - (2 * a * phi(a)) / z;
  return { m2, m4: 3 * m2 - (2 * a ** 3 * phi(a)) / z };
}

describe("constant initializers", () => {
  it("zeros, ones and constant fill the shape with the value in the dtype", async () => {
    for (const [init, v] of [
      [gg.init.zeros(), 0],
      [gg.init.ones(), 1],
      [gg.init.constant(-2.5), -2.5],
    ] as const) {
      const t = await gg.init.value(init, key, [2, 3], "float64");
      expect(t.dtype).toBe("float64");
      expect(t.shape).toEqual([2, 3]);
      expect(values(t)).toEqual(Array(6).fill(v));
    }
    const ints = await gg.init.value(gg.init.constant(7), key, [4], "int32");
    expect(ints.dtype).toBe("int32");
    expect(values(ints)).toEqual([7, 7, 7, 7]);
  });
});

describe("uniform", () => {
  it("±scale (TF random_uniform_initializer(-s, s)): bounds, mean 0, variance s²/3", async () => {
    const s = 0.1;
    const t = await gg.init.value(gg.init.uniform({ scale: s }), key, [100, 200]);
    expect(t.dtype).toBe("float32");
    expect(t.shape).toEqual([100, 200]);
    const xs = values(t);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(Math.fround(-s));
    expect(Math.max(...xs)).toBeLessThan(s);
    // Both ends are approached: the range is [-s, s), not a narrower one.
    expect(Math.min(...xs)).toBeLessThan(-0.999 * s);
    expect(Math.max(...xs)).toBeGreaterThan(0.999 * s);
    expectMoments(xs, 0, s * s / 3, s ** 4 / 5);
  });

  it("[minval, maxval) in float64", async () => {
    const t = await gg.init.value(gg.init.uniform({ minval: 2, maxval: 5 }), key, [20000], "float64");
    expect(t.dtype).toBe("float64");
    const xs = values(t);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...xs)).toBeLessThan(5);
    expectMoments(xs, 3.5, 9 / 12, 3 ** 4 / 80);
  });

  it("rejects an empty range", () => {
    expect(() => gg.init.uniform({ minval: 1, maxval: 1 })).toThrow(/minval < maxval/);
  });
});

describe("normal", () => {
  it("mean and stddev", async () => {
    const [mean, sd] = [1.5, 0.3];
    const xs = values(await gg.init.value(gg.init.normal({ mean, stddev: sd }), key, [20000], "float64"));
    expectMoments(xs, mean, sd * sd, 3 * sd ** 4);
  });

  it("defaults to the standard normal", async () => {
    const xs = values(await gg.init.value(gg.init.normal(), key, [100, 100]));
    expectMoments(xs, 0, 1, 3);
  });
});

describe("truncatedNormal (TF semantics: re-drawn beyond 2 stddev)", () => {
  it("TF's constant 0.8796... is the stddev of the standard normal truncated to ±2", () => {
    expect(Math.abs(Math.sqrt(truncatedMoments(2).m2) - gg.init.TRUNCATED_NORMAL_STDDEV)).toBeLessThan(1e-12);
  });

  it("never beyond 2σ, with the truncated distribution's moments (not a clamped normal's)", async () => {
    const [mean, sd] = [-1, 0.5];
    for (const dtype of ["float32", "float64"] as const) {
      const xs = values(await gg.init.value(gg.init.truncatedNormal({ mean, stddev: sd }), gg.random.key(7), [200, 150], dtype));
      expect(xs.every((x) => Math.abs(x - mean) <= 2 * sd)).toBe(true);
      // A draw of exactly ±2σ would be a clamped value: probability ~1e-11 per element.
      expect(xs.filter((x) => Math.abs(x - mean) === 2 * sd)).toEqual([]);
      const { m2, m4 } = truncatedMoments(2);
      expectMoments(xs, mean, m2 * sd * sd, m4 * sd ** 4);
      // The mass near the edge is the truncated density's, not a clamped normal's 4.6% spike.
      const near = xs.filter((x) => Math.abs(x - mean) > 1.9 * sd).length / xs.length;
      const p = (massWithin(2) - massWithin(1.9)) / massWithin(2);
      expect(Math.abs(near - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / xs.length));
    }
  });
});

describe("fans and variance scaling", () => {
  it("computeFans follows TF's conventions", () => {
    expect(gg.init.computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(gg.init.computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(gg.init.computeFans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    // Convolution kernel [h, w, in, out]: both fans times the receptive field h·w.
    expect(gg.init.computeFans([2, 3, 4, 5])).toEqual({ fanIn: 24, fanOut: 30 });
    expect(() => gg.init.computeFans(["?n", 3])).toThrow(/concrete shape/);
  });

  it("glorotUniform: ±sqrt(6 / (fanIn + fanOut)), variance 2 / (fanIn + fanOut)", async () => {
    const shape = [120, 80];
    const limit = Math.sqrt(6 / 200);
    const xs = values(await gg.init.value(gg.init.glorotUniform(), key, shape, "float64"));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...xs)).toBeLessThan(limit);
    expect(Math.max(...xs)).toBeGreaterThan(0.999 * limit);
    expectMoments(xs, 0, limit * limit / 3, limit ** 4 / 5);
  });

  it("glorotNormal: truncated normal with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796..., so variance exactly 2 / (fanIn + fanOut)", async () => {
    const shape = [100, 150];
    const sd = Math.sqrt(2 / 250) / gg.init.TRUNCATED_NORMAL_STDDEV;
    const xs = values(await gg.init.value(gg.init.glorotNormal(), key, shape, "float64"));
    expect(xs.every((x) => Math.abs(x) <= 2 * sd)).toBe(true);
    const { m2, m4 } = truncatedMoments(2);
    expectMoments(xs, 0, 2 / 250, m4 * sd ** 4);
    expect(Math.abs(m2 * sd * sd - 2 / 250)).toBeLessThan(1e-14);
  });

  it("varianceScaling fanIn untruncated normal: stddev sqrt(scale / fanIn)", async () => {
    const xs = values(await gg.init.value(gg.init.varianceScaling({ scale: 2, mode: "fanIn", distribution: "untruncatedNormal" }), key, [50, 400], "float64"));
    expectMoments(xs, 0, 2 / 50, 3 * (2 / 50) ** 2);
  });
});

describe("explicit keys", () => {
  it("the same key gives the same values, another key others", async () => {
    for (const init of [gg.init.uniform({ scale: 1 }), gg.init.normal(), gg.init.truncatedNormal(), gg.init.glorotUniform(), gg.init.glorotNormal()]) {
      const a = values(await gg.init.value(init, gg.random.key(3), [4, 5]));
      const b = values(await gg.init.value(init, gg.random.key(3), [4, 5]));
      const c = values(await gg.init.value(init, gg.random.key(4), [4, 5]));
      expect(a).toEqual(b);
      expect(a.filter((v, i) => v === c[i])).toEqual([]);
    }
  });

  it("values(): every spec's name, shape and dtype; one key per parameter; reproducible", async () => {
    const specs: gg.nn.ParamSpec[] = [
      { name: "a/kernel", shape: [3, 4], dtype: "float32", init: gg.init.uniform({ scale: 1 }) },
      { name: "b/kernel", shape: [3, 4], dtype: "float32", init: gg.init.uniform({ scale: 1 }) },
      { name: "b/bias", shape: [4], dtype: "float64", init: gg.init.zeros() },
    ];
    const v = await gg.init.values(specs, gg.random.key(1));
    expect(Object.keys(v).sort()).toEqual(["a/kernel", "b/bias", "b/kernel"]);
    expect(v["a/kernel"]?.shape).toEqual([3, 4]);
    expect(v["b/bias"]?.dtype).toBe("float64");
    expect(values(v["b/bias"] as gg.Tensor)).toEqual([0, 0, 0, 0]);
    // Two parameters with the same initializer get different values (different keys).
    const a = values(v["a/kernel"] as gg.Tensor);
    expect(a.filter((x, i) => x === values(v["b/kernel"] as gg.Tensor)[i])).toEqual([]);
    const again = await gg.init.values(specs, gg.random.key(1));
    expect(values(again["a/kernel"] as gg.Tensor)).toEqual(a);
    expect(await gg.init.values([], gg.random.key(1))).toEqual({});
  });

  it("values() rejects a duplicate name and an initializer of the wrong shape", async () => {
    const spec = { name: "w", shape: [2], dtype: "float32", init: gg.init.ones() } as const;
    await expect(gg.init.values([spec, spec], key)).rejects.toThrow(/listed twice/);
    const bad: gg.nn.Initializer = (_k, _s, dtype) => gg.zeros([3], dtype);
    await expect(gg.init.values([{ ...spec, init: bad }], key)).rejects.toThrow(/float32\[3\], not float32\[2\]/);
  });
});
