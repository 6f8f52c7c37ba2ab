import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { acquireDevice } from "../../backends/webgpu/adapter.js";
import { GPU_TUNING, webgpu, WEBGPU_ACCURACY, type DeviceTensor } from "../../backends/webgpu/index.js";
import { GraphgradError } from "../../ir/errors.js";
import { graphOf } from "../../ir/graph.js";
import { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { conformanceSuite } from "./conformance.js";
import { lazyWebGpu, sharedWebGpu, skipWithoutWebGpu } from "./webgpu-setup.js";

skipWithoutWebGpu();

conformanceSuite("webgpu", () => lazyWebGpu, { float64: false, runs: 4, float32: WEBGPU_ACCURACY });

const ulpOf = (w: number): number => (Math.abs(w) < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(w))) - 23));
const FLUSH = 2 ** -126;

/** NaN, ±Inf and ±0 (with their sign) exactly; finite values within `ulps` (a subnormal reference may read as ±0). */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, ulps: number, what: string, inputs: (i: number) => string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    const ok = Number.isNaN(w)
      ? Number.isNaN(g)
      : !Number.isFinite(w) || w === 0
        ? Object.is(g, w)
        : Math.abs(g - w) <= ulps * ulpOf(w) || (Math.abs(w) < FLUSH && Math.abs(g) < FLUSH);
    if (!ok) throw new Error(`${what} at ${inputs(i)}: got ${g}, reference ${w} (bound ${ulps} ULP)`);
  }
}

/** n float32 values drawn by fast-check from a fixed seed (log-uniform magnitudes between 2^lo and 2^hi when `log`). */
function samples(n: number, seed: number, lo: number, hi: number, log = false, signed = true): Float32Array {
  const unit = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { numRuns: n, seed });
  const signs = fc.sample(fc.boolean(), { numRuns: n, seed: seed + 1 });
  return Float32Array.from(unit, (u, i) => {
    const mag = log ? 2 ** (lo + (hi - lo) * u) : lo + (hi - lo) * u;
    return signed && signs[i] === true ? -mag : mag;
  });
}

async function runBoth(outputs: Record<string, gg.Expr>, feeds: Record<string, Tensor>): Promise<[Record<string, Tensor>, Record<string, Tensor>]> {
  const graph = graphOf(Object.fromEntries(Object.entries(outputs).map(([k, e]) => [k, e.node])));
  const f = new Map(Object.entries(feeds));
  const be = await sharedWebGpu();
  return [await (await be.compile(graph)).run(f), await (await js().compile(graph)).run(f)];
}

const f32 = (data: Float32Array): Tensor => new Tensor("float32", [data.length], data);

describe("webgpu numerics", () => {
  it("exp, log, tanh, sqrt, div and pow over wide ranges are within the stated ULPs", async () => {
    const n = 2048;
    const { ulps } = WEBGPU_ACCURACY;
    const inputs = {
      e: samples(n, 1, -104, 89, false, false),
      l: samples(n, 2, -149, 128, true, false),
      t: Float32Array.from([...samples(n / 2, 3, -10, 10, false, false), ...samples(n / 2, 4, -30, 3, true)]),
      s: samples(n, 5, -149, 128, true, false),
      a: samples(n, 6, -100, 100),
      b: samples(n, 7, -10, 4, true),
      pa: samples(n, 8, -20, 20, true, false),
      pb: samples(n, 9, -30, 30),
    };
    const x = Object.fromEntries(Object.keys(inputs).map((k) => [k, gg.input(k, [n])])) as Record<keyof typeof inputs, gg.Expr>;
    const outs = { exp: gg.exp(x.e), log: gg.log(x.l), tanh: gg.tanh(x.t), sqrt: gg.sqrt(x.s), div: gg.div(x.a, x.b), pow: gg.pow(x.pa, x.pb) };
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, f32(v)]));
    const [got, want] = await runBoth(outs, feeds);
    const arg = (...vs: Float32Array[]) => (i: number): string => vs.map((v) => v[i]).join(", ");
    expectWithin((got["exp"] as Tensor).data, (want["exp"] as Tensor).data, ulps.exp, "exp", arg(inputs.e));
    expectWithin((got["log"] as Tensor).data, (want["log"] as Tensor).data, ulps.log, "log", arg(inputs.l));
    expectWithin((got["tanh"] as Tensor).data, (want["tanh"] as Tensor).data, ulps.tanh, "tanh", arg(inputs.t));
    expectWithin((got["sqrt"] as Tensor).data, (want["sqrt"] as Tensor).data, ulps.sqrt, "sqrt", arg(inputs.s));
    expectWithin((got["div"] as Tensor).data, (want["div"] as Tensor).data, ulps.div, "div", arg(inputs.a, inputs.b));
    expectWithin((got["pow"] as Tensor).data, (want["pow"] as Tensor).data, ulps.pow, "pow", arg(inputs.pa, inputs.pb));
  });

  it("sin and cos of every magnitude (huge arguments, near multiples of π/2, subnormals, NaN, ±Inf) are within the stated ULPs", async () => {
    const n = 4096;
    const near = Float32Array.from({ length: n / 4 }, (_, i) => (((i * 7919) % 200001) - 100000) * (Math.PI / 2));
    const specials = Float32Array.from([NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 3.4e38, -3.4e38, Math.PI / 4, 0.7853981, 0.78539818]);
    const v = Float32Array.from([...samples(n / 4, 10, -8, 8, false, false), ...samples(n / 4, 11, -149, 128, true), ...samples(n / 4, 12, -1e5, 1e5, false, false), ...near, ...specials]);
    const x = gg.input("x", [v.length]);
    const [got, want] = await runBoth({ sin: gg.sin(x), cos: gg.cos(x) }, { x: f32(v) });
    const { ulps } = WEBGPU_ACCURACY;
    expectWithin((got["sin"] as Tensor).data, (want["sin"] as Tensor).data, ulps.sin, "sin", (i) => String(v[i]));
    expectWithin((got["cos"] as Tensor).data, (want["cos"] as Tensor).data, ulps.cos, "cos", (i) => String(v[i]));
  });

  it("erf over every magnitude (its pieces' edges, tiny and subnormal arguments, NaN, ±Inf) is within the stated ULPs", async () => {
    const n = 4096;
    const edges = [0, 1, 2, 4].flatMap((p) => [p, Math.fround(p * (1 - 2 ** -24)), Math.fround(p * (1 + 2 ** -23))]);
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-40, 3.4e38, -3.4e38, 3.9, 3.95];
    const v = Float32Array.from([...samples(n / 2, 13, -4.5, 4.5), ...samples(n / 4, 14, -149, 3, true), ...samples(n / 4, 15, -127, -90, true), ...edges, ...edges.map((e) => -e), ...specials]);
    const [got, want] = await runBoth({ erf: gg.erf(gg.input("x", [v.length])) }, { x: f32(v) });
    expectWithin((got["erf"] as Tensor).data, (want["erf"] as Tensor).data, WEBGPU_ACCURACY.ulps.erf, "erf", (i) => String(v[i]));
  });

  it("a scan (loop) and its gradient run as the steps' dispatches, within float32 rounding of the reference", async () => {
    const [n, T] = [3, 6];
    const w = gg.param("w", [n, n]);
    const u = gg.param("u", [n]);
    const h0 = gg.input("h0", [n]);
    const xs = gg.input("xs", [T, n]);
    const step = (h: gg.Expr, x: gg.Expr): readonly [gg.Expr, gg.Expr] => {
      const h2 = gg.tanh(gg.add(gg.reshape(gg.matmul(gg.reshape(h, [1, n]), w), [n]), gg.mul(x, u)));
      return [h2, gg.mul(h2, x)];
    };
    const [hT, ys] = gg.scan(step, h0, xs, { reverse: true });
    const [gw, gx] = gg.grad(gg.sum(gg.mul(ys, ys)), [w, xs]);
    const t = (shape: number[], f: (i: number) => number): Tensor => new Tensor("float32", shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)));
    const feeds = { w: t([n, n], (i) => Math.sin(i) * 0.5), u: t([n], (i) => 0.3 - 0.2 * i), h0: t([n], (i) => 0.5 - 0.4 * i), xs: t([T, n], (i) => Math.cos(i)) };
    const [got, want] = await runBoth({ hT, ys, gw, gx }, feeds);
    for (const k of ["hT", "ys", "gw", "gx"]) {
      const g = (got[k] as Tensor).data;
      (want[k] as Tensor).data.forEach((v, i) => expect(Math.abs((g[i] as number) - v), `${k}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    }
  });

  it("transformed graphs run as any: per-example gradients (vmap of grad), a JVP, a custom gradient", async () => {
    const w = gg.param("w", [3]);
    const xs = gg.input("xs", [4, 3]);
    const per = gg.vmap((x: gg.Expr) => gg.grad(gg.sum(gg.tanh(gg.mul(x, w))), w))(xs);
    const jt = gg.jvp(gg.sum(gg.sin(gg.mul(xs, w))), [w], [gg.input("t", [3])]);
    const ste = gg.customVjp((v: gg.Expr) => gg.floor(v), { vjp: (ct) => [ct] });
    const [gs] = gg.grad(gg.sum(gg.mul(ste(xs), xs)), [xs]);
    const t = (shape: number[], f: (i: number) => number): Tensor => new Tensor("float32", shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)));
    const [got, want] = await runBoth({ per, jt, gs }, { w: t([3], (i) => 0.5 - 0.3 * i), xs: t([4, 3], (i) => Math.sin(i) * 2), t: t([3], (i) => 1 + i) });
    for (const k of ["per", "jt", "gs"]) {
      const g = (got[k] as Tensor).data;
      (want[k] as Tensor).data.forEach((v, i) => expect(Math.abs((g[i] as number) - v), `${k}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    }
  });

  it("pow follows Math.pow on every special case (signed zeros, infinities, NaN, negative bases)", async () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 2.5, -2.5, 1e-40, -1e-40, 1e30, -1e30, 7];
    const a = Float32Array.from(specials.flatMap((p) => specials.map(() => p)));
    const b = Float32Array.from(specials.flatMap(() => specials));
    const [got, want] = await runBoth({ p: gg.pow(gg.input("a", [a.length]), gg.input("b", [b.length])) }, { a: f32(a), b: f32(b) });
    expectWithin((got["p"] as Tensor).data, (want["p"] as Tensor).data, WEBGPU_ACCURACY.ulps.pow, "pow", (i) => `${a[i]}, ${b[i]}`);
  });

  it("subnormals are exact through the bit-level ops (neg, abs, sign, floor, compare, max/min, cast to bool, where)", async () => {
    const v = Float32Array.from([1e-40, -1e-40, 1.4e-45, -3e-39, 0, -0, 2e-38, -1e-45]);
    const w = Float32Array.from([0, 1e-40, -1e-45, -3e-39, -0, 1e-40, 1e-39, 1e-45]);
    const x = gg.input("x", [v.length]);
    const y = gg.input("y", [w.length]);
    const outs: Record<string, gg.Expr> = {
      neg: gg.neg(x),
      abs: gg.abs(x),
      sign: gg.sign(x),
      floor: gg.floor(x),
      gt: gg.greater(x, y),
      lt: gg.less(x, y),
      eq: gg.equal(x, y),
      max: gg.maximum(x, y),
      min: gg.minimum(x, y),
      bool: gg.cast(x, "bool"),
      where: gg.where(gg.greater(x, y), x, y),
      tanh: gg.tanh(x),
    };
    const [got, want] = await runBoth(outs, { x: f32(v), y: f32(w) });
    for (const k of Object.keys(outs)) expectWithin((got[k] as Tensor).data, (want[k] as Tensor).data, 0, k, (i) => `${v[i]}, ${w[i]}`);
    // sqrt and log of a subnormal are computed from its bits, not read as 0.
    const pos = Float32Array.from([1e-40, 1.4e-45, 3e-39, 1.1e-38]);
    const [g2, w2] = await runBoth({ sqrt: gg.sqrt(gg.input("p", [4])), log: gg.log(gg.input("p", [4])) }, { p: f32(pos) });
    expectWithin((g2["sqrt"] as Tensor).data, (w2["sqrt"] as Tensor).data, WEBGPU_ACCURACY.ulps.sqrt, "sqrt", (i) => String(pos[i]));
    expectWithin((g2["log"] as Tensor).data, (w2["log"] as Tensor).data, WEBGPU_ACCURACY.ulps.log, "log", (i) => String(pos[i]));
  });

  it("int32 division truncates, x / 0 = 0, INT_MIN / -1 and products wrap", async () => {
    const a = Int32Array.from([7, -7, 7, -7, 5, -2147483648, -2147483648, 2147483647, 123456789]);
    const b = Int32Array.from([2, 2, -2, -2, 0, -1, 1, 2, 1000]);
    const ta = gg.input("a", [a.length], "int32");
    const tb = gg.input("b", [b.length], "int32");
    const [got, want] = await runBoth({ d: gg.div(ta, tb), m: gg.mul(ta, tb), s: gg.add(ta, tb), n: gg.neg(ta), ab: gg.abs(ta) }, {
      a: new Tensor("int32", [a.length], a),
      b: new Tensor("int32", [b.length], b),
    });
    for (const k of ["d", "m", "s", "n", "ab"]) expect(Array.from((got[k] as Tensor).data), k).toEqual(Array.from((want[k] as Tensor).data));
  });

  it("gg.nn layers (normalizations, both GELUs, SiLU, attention with a fully masked query and causal, a Transformer block and its gradients) are within float32 rounding of the reference", async () => {
    const t = (shape: number[], f: (i: number) => number): Tensor => new Tensor("float32", shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)));
    const x = gg.input("x", [2, 3, 4]);
    const norm = { scale: gg.input("scale", [4]), offset: gg.input("offset", [4]) };
    const keep = gg.constant([[true, false, true], [false, false, false], [true, true, true]], "bool");
    const block = gg.nn.transformerBlockParams("tb", { dim: 4, heads: 2, mlpDim: 6 });
    const y = gg.nn.transformerBlock(x, block, { causal: true });
    const [gx, gwq] = gg.grad(gg.sum(gg.square(y)), [x, block.attn.wq]);
    const outputs = {
      layerNorm: gg.nn.layerNorm(x, norm),
      rmsNorm: gg.nn.rmsNorm(x, norm),
      groupNorm: gg.nn.groupNorm(x, norm, { groups: 2 }),
      gelu: gg.gelu(gg.mul(x, 3)),
      geluTanh: gg.gelu(gg.mul(x, 3), { approximate: true }),
      silu: gg.silu(gg.mul(x, 3)),
      masked: gg.nn.dotProductAttention(x, x, x, { mask: keep }),
      causal: gg.nn.dotProductAttention(x, x, x, { causal: true }),
      y,
      gx: gx as gg.Expr,
      gwq: gwq as gg.Expr,
    };
    const weights = Object.fromEntries(block.specs.map((s, n) => [s.name, t([...s.shape], (i) => 0.5 * Math.sin(1.3 * i + n) + (s.name.endsWith("scale") ? 1 : 0))]));
    const [got, want] = await runBoth(outputs, { x: t([2, 3, 4], (i) => 1.5 * Math.cos(0.9 * i)), scale: t([4], (i) => 1 + 0.25 * i), offset: t([4], (i) => 0.1 * i - 0.2), ...weights });
    for (const k of Object.keys(outputs)) {
      const [g, w] = [(got[k] as Tensor).data, (want[k] as Tensor).data];
      const scale = Math.max(...Array.from(w, Math.abs));
      w.forEach((v, i) => expect(Math.abs((g[i] as number) - v), `${k}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + scale)));
    }
    expect(Array.from((got["masked"] as Tensor).data.slice(4, 8))).toEqual([0, 0, 0, 0]);
  });

  it("random normals over 4096 elements are within the stated ULPs of the reference", async () => {
    const [got, want] = await runBoth({ n: gg.random.normal(gg.random.key(99), [4096]) }, {});
    expectWithin((got["n"] as Tensor).data, (want["n"] as Tensor).data, WEBGPU_ACCURACY.ulps.normal, "normal", (i) => `element ${i}`);
  });
});

describe("webgpu kernels at sizes past one workgroup", () => {
  it("workgroup reductions (more than 64 terms) are within the stated sum bound; max is exact", async () => {
    const vals = samples(3 * 1000, 11, -3, 3);
    const x = gg.input("x", [3, 1000]);
    const [got, want] = await runBoth({ s: gg.sum(x, 1), a: gg.sum(gg.abs(x), 1), m: gg.max(x, 1), c: gg.sum(gg.transpose(x), 0) }, { x: new Tensor("float32", [3, 1000], vals) });
    const bound = (i: number): number => WEBGPU_ACCURACY.sumUnits(1000) * 2 ** -24 * ((want["a"] as Tensor).data[i] as number);
    for (const k of ["s", "c"]) {
      for (let i = 0; i < 3; i++) expect(Math.abs(((got[k] as Tensor).data[i] as number) - ((want[k] as Tensor).data[i] as number)), k).toBeLessThanOrEqual(bound(i));
    }
    expect(Array.from((got["m"] as Tensor).data)).toEqual(Array.from((want["m"] as Tensor).data));
  });

  it("a map over more than 65535 workgroups (2-D grid) covers every element once", async () => {
    const n = 64 * 65535 + 129;
    const be = await sharedWebGpu();
    const x = gg.input("x", [n], "int32");
    const exe = await be.compile(graphOf({ y: gg.add(gg.mul(x, 3), gg.iota([n], 0, "int32")).node }));
    const data = new Int32Array(n).map((_, i) => (i * 7919) % 1000);
    const y = ((await exe.run(new Map([["x", new Tensor("int32", [n], data)]])))["y"] as Tensor).data;
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (y[i] !== (data[i] as number) * 3 + i) bad = i;
    expect(bad).toBe(-1);
  });

  it("the GPU tuning (16×16 blocks, 2×2 per invocation) multiplies within the bound, with transposes and a fused epilogue", async () => {
    const be = await webgpu({ tuning: GPU_TUNING });
    const [m, k, n] = [37, 45, 29];
    const a = gg.input("a", [k, m]);
    const b = gg.input("b", [k, n]);
    const bias = gg.input("bias", [n]);
    const outs = {
      y: gg.tanh(gg.add(gg.matmul(gg.transpose(a), b), bias)),
      mag: gg.matmul(gg.abs(gg.transpose(a)), gg.abs(b)),
      i: gg.matmul(gg.cast(gg.transpose(a), "int32"), gg.cast(b, "int32")),
    };
    const graph = graphOf(Object.fromEntries(Object.entries(outs).map(([name, e]) => [name, e.node])));
    const feeds = new Map([
      ["a", new Tensor("float32", [k, m], samples(k * m, 21, -3, 3))],
      ["b", new Tensor("float32", [k, n], samples(k * n, 22, -3, 3))],
      ["bias", new Tensor("float32", [n], samples(n, 23, -1, 1))],
    ]);
    const exe = await be.compile(graph);
    const got = await exe.run(feeds);
    const want = await (await js().compile(graph)).run(feeds);
    // y's bias add and tanh run in its matmul's store: 3 matmuls, 2 abs and 2 cast maps, no third map.
    expect(exe.stats()[0]?.kernels).toBe(7);
    const mag = (want["mag"] as Tensor).data;
    const y = (got["y"] as Tensor).data;
    const yRef = (want["y"] as Tensor).data;
    // tanh is 1-Lipschitz: the product's bound carries over, plus tanh's own ULPs.
    for (let i = 0; i < m * n; i++) {
      const bound = 4 * k * 2 ** -24 * (mag[i] as number) + WEBGPU_ACCURACY.ulps.tanh * ulpOf(yRef[i] as number) + 1e-30;
      expect(Math.abs((y[i] as number) - (yRef[i] as number))).toBeLessThanOrEqual(bound);
    }
    expect(Array.from((got["i"] as Tensor).data)).toEqual(Array.from((want["i"] as Tensor).data));
  });
});

describe("webgpu runtime", () => {
  it("compiles each distinct kernel once: a second program of the same forms adds no pipeline", async () => {
    const be = await sharedWebGpu();
    const build = (c: number): gg.Expr => gg.sum(gg.tanh(gg.mul(gg.input("x", [5, 6]), c)), 1);
    await (await be.compile(graphOf({ y: build(2).node }))).run(new Map([["x", new Tensor("float32", [5, 6], new Float32Array(30).fill(0.5))]]));
    const before = be.pipelinesCompiled();
    // The same kernel forms again (another executable, a constant of another value is another form).
    const exe = await be.compile(graphOf({ y: build(2).node, z: gg.neg(gg.input("x", [5, 6])).node }));
    await exe.run(new Map([["x", new Tensor("float32", [5, 6], new Float32Array(30).fill(0.25))]]));
    expect(be.pipelinesCompiled()).toBe(before + 1); // only the new neg kernel
    await exe.run(new Map([["x", new Tensor("float32", [5, 6], new Float32Array(30).fill(0.75))]]));
    expect(be.pipelinesCompiled()).toBe(before + 1);
  });

  it("a training loop's parameters and optimizer state are fed back from the device, not uploaded again", async () => {
    const context = await acquireDevice();
    const queue = context.device.queue;
    const uploads: number[] = [];
    const write = queue.writeBuffer.bind(queue);
    queue.writeBuffer = ((...args: Parameters<GPUQueue["writeBuffer"]>) => {
      uploads.push(1);
      return write(...args);
    }) as GPUQueue["writeBuffer"];
    const be = await webgpu({ device: context.device });
    const x = gg.input("x", [null, 4]);
    const y = gg.input("y", [null, 3]);
    const w = gg.param("w", [4, 3]);
    const b = gg.param("b", [3]);
    const loss = gg.mean(gg.losses.softmaxCrossEntropyWithLogits(y, gg.add(gg.matmul(x, w), b)));
    const batch = { x: [[1, 2, 3, 4], [4, 3, 2, 1]], y: [[1, 0, 0], [0, 0, 1]] };
    const counts: number[] = [];
    for (const backend of [be, js()]) {
      const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.1 }), backend });
      let s = await step.init({ w: Array.from({ length: 4 }, () => [0.1, -0.2, 0.3]), b: [0, 0, 0] });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const n = uploads.length;
        const [next, metrics] = await step.run(s, batch);
        counts.push(uploads.length - n);
        losses.push(metrics["loss"] as number);
        s = next;
      }
      counts.push(-1);
      expect(losses.every((l, i) => i === 0 || l < (losses[i - 1] as number))).toBe(true);
    }
    // Step 1 uploads x, y, the step counter, w, b and Adam's m, v (and the constants once); later
    // steps only x, y and the step counter: w, b, m, v come from the previous step's results.
    expect(counts.slice(1, 4)).toEqual([3, 3, 3]);
    expect(counts[0]).toBeGreaterThan(3);
    void context.keepAlive;
  });

  it("runOnDevice keeps state on the GPU, reads back only what is asked, and takes DeviceTensors as feeds", async () => {
    const be = await sharedWebGpu();
    const x = gg.input("x", [8, 3]);
    const t = gg.input("t", [8]);
    const w = gg.input("w", [3]);
    const err = gg.sub(gg.sum(gg.mul(x, w), 1), t);
    const loss = gg.mean(gg.mul(err, err));
    const [gw] = gg.grad(loss, [w]) as [gg.Expr];
    const graph = graphOf({ w: gg.sub(w, gg.mul(gw, 0.1)).node, loss: loss.node });
    const exe = await be.compile(graph);
    const ref = await js().compile(graph);
    const xs = new Tensor("float32", [8, 3], samples(24, 31, -1, 1));
    const ts = new Tensor("float32", [8], samples(8, 32, -1, 1));
    let wDev: DeviceTensor | Tensor = new Tensor("float32", [3], new Float32Array(3));
    let wRef = new Tensor("float32", [3], new Float32Array(3));
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await exe.runOnDevice(new Map<string, Tensor | DeviceTensor>([["x", xs], ["t", ts], ["w", wDev]]), ["loss"]);
      expect(Object.keys(r.read)).toEqual(["loss"]);
      losses.push((r.read["loss"] as Tensor).item());
      wDev = r.device["w"] as DeviceTensor;
      const rr = await ref.run(new Map([["x", xs], ["t", ts], ["w", wRef]]));
      expect(Math.abs(losses[i] as number - (rr["loss"] as Tensor).item())).toBeLessThanOrEqual(1e-5);
      wRef = rr["w"] as Tensor;
    }
    const final = await (wDev as DeviceTensor).read();
    for (let i = 0; i < 3; i++) expect(Math.abs((final.data[i] as number) - (wRef.data[i] as number))).toBeLessThanOrEqual(1e-5);
    expect(losses[4]).toBeLessThan(losses[0] as number);
    (wDev as DeviceTensor).destroy();
    await expect(exe.runOnDevice(new Map<string, Tensor | DeviceTensor>([["x", xs], ["t", ts], ["w", wDev]]))).rejects.toThrow(/destroyed/);
  });
});

describe("webgpu errors", () => {
  it("rejects float64 graphs at compile time, naming the op", async () => {
    const be = await sharedWebGpu();
    const x = gg.input("x", [2], "float64");
    await expect(be.compile(graphOf({ y: gg.exp(x).node }))).rejects.toThrow(GraphgradError);
    await expect(be.compile(graphOf({ y: gg.exp(x).node }))).rejects.toThrow(/float64.*WGSL has no f64/);
  });

  it("with no adapter, the error names what was tried and how to fix it", async () => {
    const e = await acquireDevice({ dawnFlags: ["adapter=no such adapter"] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GraphgradError);
    const msg = String(e);
    expect(msg).toMatch(/navigator\.gpu: absent/);
    expect(msg).toMatch(/npm package `webgpu` \(Dawn with flags \["adapter=no such adapter"\]\): no adapter/);
    expect(msg).toMatch(/VK_ICD_FILENAMES/);
  });
});
