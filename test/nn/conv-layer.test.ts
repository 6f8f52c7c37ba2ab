import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkBackends, checkGrads, type Results } from "../../src/testing/index.js";
import { lazyWebGpu, webGpuSkipped } from "../backends/webgpu-setup.js";

/**
 * `gg.nn.convParams` / `gg.nn.conv`: parameter names and shapes, the result against gg.conv plus a
 * bias added by hand (1-3 spatial axes, NHWC and NCHW, groups, no bias), gradients against
 * finite differences, a small CNN through trainStep, every backend, and the errors.
 */

const data = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data as ArrayLike<number>);
const f64 = (shape: readonly number[], seed: number): gg.Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return gg.tensorFrom(Float64Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37)), "float64", shape);
};

/** y (gg.conv's result, channels last or first) plus bias[c] at every element of channel c, computed here. */
function addBiasByHand(y: gg.Tensor, bias: gg.Tensor, layout: gg.Layout): number[] {
  const channels = bias.shape[0] as number;
  const spatial = y.shape.slice(2).reduce((a, b) => a * b, 1);
  const b = data(bias);
  return data(y).map((v, i) => v + (b[layout === "NHWC" ? i % channels : Math.floor(i / spatial) % channels] as number));
}

describe("nn.convParams", () => {
  it("names kernel [...window, in/groups, out] and bias [out] under a prefix or scope; Glorot uniform kernel (fanIn in/groups × window), zero bias", async () => {
    const p = gg.nn.convParams(gg.nn.scope("net").child("conv1"), { inChannels: 6, outChannels: 8, kernelSize: [3, 2], groups: 2 });
    expect(p.specs.map((s) => [s.name, s.shape, s.dtype])).toEqual([
      ["net/conv1/kernel", [3, 2, 3, 8], "float32"],
      ["net/conv1/bias", [8], "float32"],
    ]);
    expect(p.groups).toBe(2);
    const v = await gg.init.values(p.specs, gg.random.key(0));
    const limit = Math.sqrt(6 / (3 * 6 + 8 * 6)); // fanIn 3 per group × 6 window positions, fanOut 8 × 6
    const kernel = data(v["net/conv1/kernel"]);
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kernel.map(Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(data(v["net/conv1/bias"])).toEqual(Array(8).fill(0));
  });

  it("one kernelSize for 1, 2 (default) or 3 spatial axes; no bias; dtype and initializers", async () => {
    const shape = (c: gg.nn.ConvParamsConfig): readonly number[] => gg.nn.convParams("c", c).kernel.shape as number[];
    expect(shape({ inChannels: 3, outChannels: 4, kernelSize: 5, spatialDims: 1 })).toEqual([5, 3, 4]);
    expect(shape({ inChannels: 3, outChannels: 4, kernelSize: 5 })).toEqual([5, 5, 3, 4]);
    expect(shape({ inChannels: 3, outChannels: 4, kernelSize: 2, spatialDims: 3 })).toEqual([2, 2, 2, 3, 4]);
    expect(shape({ inChannels: 3, outChannels: 4, kernelSize: [1, 2, 3] })).toEqual([1, 2, 3, 3, 4]);
    const depthwise = gg.nn.convParams("dw", { inChannels: 4, outChannels: 8, kernelSize: 3, groups: 4, useBias: false, dtype: "float64", kernelInit: gg.init.ones() });
    expect(depthwise.bias).toBeUndefined();
    expect(depthwise.specs.map((s) => [s.name, s.shape, s.dtype])).toEqual([["dw/kernel", [3, 3, 1, 8], "float64"]]);
    const v = await gg.init.values(gg.nn.convParams("b", { inChannels: 1, outChannels: 2, kernelSize: 1, biasInit: gg.init.constant(0.5) }).specs, gg.random.key(1));
    expect(data(v["b/bias"])).toEqual([0.5, 0.5]);
  });
});

describe("nn.conv", () => {
  const cases: readonly { name: string; x: readonly number[]; config: gg.nn.ConvParamsConfig; options: gg.nn.ConvLayerOptions; out: readonly number[] }[] = [
    { name: "1 spatial axis, same, stride 2", x: [2, 7, 3], config: { inChannels: 3, outChannels: 4, kernelSize: 3, spatialDims: 1 }, options: { padding: "same", strides: 2 }, out: [2, 4, 4] },
    { name: "2 spatial axes, valid, dilation 2", x: [2, 6, 5, 2], config: { inChannels: 2, outChannels: 3, kernelSize: [2, 2] }, options: { dilation: 2 }, out: [2, 4, 3, 3] },
    { name: "2 spatial axes, 2 groups, explicit padding", x: [1, 4, 4, 4], config: { inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2 }, options: { padding: [[1, 0], [0, 2]] }, out: [1, 3, 4, 6] },
    { name: "2 spatial axes, NCHW, same", x: [2, 3, 5, 4], config: { inChannels: 3, outChannels: 5, kernelSize: [3, 1] }, options: { padding: "same", layout: "NCHW" }, out: [2, 5, 5, 4] },
    { name: "3 spatial axes, valid", x: [1, 4, 3, 4, 2], config: { inChannels: 2, outChannels: 3, kernelSize: 2, spatialDims: 3 }, options: {}, out: [1, 3, 2, 3, 3] },
    { name: "3 spatial axes, NCHW, 2 groups, strides", x: [1, 4, 5, 4, 3], config: { inChannels: 4, outChannels: 2, kernelSize: [1, 2, 2], groups: 2 }, options: { layout: "NCHW", strides: [1, 2, 1] }, out: [1, 2, 5, 2, 2] },
    { name: "no bias", x: [2, 5, 5, 3], config: { inChannels: 3, outChannels: 2, kernelSize: 3, useBias: false }, options: { padding: "same" }, out: [2, 5, 5, 2] },
  ];

  for (const [i, c] of cases.entries()) {
    it(`${c.name}: shape ${JSON.stringify(c.out)}, gg.conv(x, kernel) + bias on the channel axis`, async () => {
      const p = gg.nn.convParams(`layer${i}`, { ...c.config, dtype: "float64" });
      const params = await gg.init.values(p.specs, gg.random.key(i));
      if (p.bias !== undefined) params[p.bias.name as string] = f64([c.config.outChannels], 7); // a bias that is not zero
      const x = gg.input("x", c.x, "float64");
      const y = gg.nn.conv(x, p, c.options);
      expect(y.shape).toEqual(c.out);
      const feeds = { x: f64(c.x, i), ...params };
      const r = await gg.evaluate({ y, plain: gg.conv(x, p.kernel, { ...c.options, groups: p.groups }) }, feeds);
      expect(r.y.shape).toEqual(c.out);
      const want = p.bias === undefined ? data(r.plain) : addBiasByHand(r.plain, params[p.bias.name as string] as gg.Tensor, c.options.layout ?? "NHWC");
      expect(data(r.y)).toEqual(want);
    });
  }

  it("NCHW gives NHWC's result with the channel axis moved (the bias on channels either way)", async () => {
    const p = { kernel: gg.input("w", [3, 3, 2, 4], "float64"), bias: gg.input("b", [4], "float64") };
    const [n, h, w, c, o] = [2, 5, 4, 2, 4];
    const xLast = f64([n, h, w, c], 1);
    const xs = data(xLast);
    const xFirst = gg.tensorFrom(Float64Array.from({ length: xs.length }, (_, i) => {
      const [b, ch, row, col] = [Math.floor(i / (c * h * w)), Math.floor(i / (h * w)) % c, Math.floor(i / w) % h, i % w];
      return xs[((b * h + row) * w + col) * c + ch] as number;
    }), "float64", [n, c, h, w]);
    const feeds = { w: f64([3, 3, 2, 4], 2), b: [10, -20, 30, -40], xl: xLast, xf: xFirst };
    const r = await gg.evaluate({
      last: gg.nn.conv(gg.input("xl", [n, h, w, c], "float64"), p, { padding: "same" }),
      first: gg.nn.conv(gg.input("xf", [n, c, h, w], "float64"), p, { padding: "same", layout: "NCHW" }),
    }, feeds);
    expect(r.first.shape).toEqual([n, o, h, w]);
    const last = data(r.last);
    const moved = data(r.first).map((_, i) => {
      const [b, ch, row, col] = [Math.floor(i / (o * h * w)), Math.floor(i / (h * w)) % o, Math.floor(i / w) % h, i % w];
      return last[((b * h + row) * w + col) * o + ch] as number;
    });
    expect(data(r.first)).toEqual(moved);
  });

  it("gradients of x, kernel and bias match finite differences (float64; groups, strides, NHWC and NCHW)", async () => {
    await checkGrads((x, w, b) => gg.nn.conv(x, { kernel: w, bias: b }, { padding: "same", strides: [2, 1], groups: 2 }), [
      { shape: [2, 4, 3, 2], values: Array.from({ length: 48 }, (_, i) => Math.sin(i)) },
      { shape: [2, 2, 1, 4], values: Array.from({ length: 16 }, (_, i) => Math.cos(i)) },
      { shape: [4], values: [0.5, -1, 0.25, 2] },
    ]);
    await checkGrads((x, w, b) => gg.tanh(gg.nn.conv(x, { kernel: w, bias: b }, { layout: "NCHW", dilation: 2, padding: [[1, 1]] })), [
      { shape: [2, 3, 6], values: Array.from({ length: 36 }, (_, i) => Math.sin(0.7 * i)) },
      { shape: [2, 3, 2], values: Array.from({ length: 12 }, (_, i) => 0.5 * Math.cos(i)) },
      { shape: [2], values: [0.1, -0.3] },
    ]);
  });
});

describe("nn.conv in a model", () => {
  function cnn(scope: gg.nn.Scope) {
    const conv1 = gg.nn.convParams(scope.child("conv1"), { inChannels: 1, outChannels: 4, kernelSize: 3 });
    const conv2 = gg.nn.convParams(scope.child("conv2"), { inChannels: 4, outChannels: 4, kernelSize: 3, groups: 2 });
    const head = gg.nn.denseParams(scope.child("head"), 2 * 2 * 4, 2);
    const apply = (images: gg.Expr): gg.Expr => {
      const h1 = gg.relu(gg.nn.conv(images, conv1, { padding: "same" }));
      const h2 = gg.relu(gg.nn.conv(h1, conv2, { padding: "same", strides: 2 }));
      return gg.nn.dense(gg.reshape(h2, [-1, 16]), head);
    };
    return { specs: gg.nn.specsOf(conv1, conv2, head), apply };
  }

  it("two scopes give disjoint names; nn.summary counts the layers; a train step keeps the names and the loss falls", async () => {
    const a = cnn(gg.nn.scope("a"));
    const b = cnn(gg.nn.scope("b"));
    expect(a.specs.map((s) => `${s.name} ${JSON.stringify(s.shape)}`)).toEqual([
      "a/conv1/kernel [3,3,1,4]",
      "a/conv1/bias [4]",
      "a/conv2/kernel [3,3,2,4]",
      "a/conv2/bias [4]",
      "a/head/kernel [16,2]",
      "a/head/bias [2]",
    ]);
    expect(b.specs.every((s) => s.name.startsWith("b/"))).toBe(true);
    expect(() => gg.nn.specsOf(a, cnn(gg.nn.scope("a")))).toThrow(/two parameters are named 'a\/conv1\/kernel'/);

    const images = gg.input("images", ["batch", 4, 4, 1]);
    const labels = gg.input("labels", ["batch"], "int32");
    const logits = a.apply(images);
    const summary = await gg.nn.summary(logits, { dims: { batch: 2 } });
    expect(summary.totalParams).toBe(9 * 4 + 4 + 9 * 2 * 4 + 4 + 16 * 2 + 2);
    expect(summary.ops["conv"]).toBe(2);

    const loss = gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.05 }) });
    let state = await step.init(await gg.init.values(a.specs, gg.random.key(3)));
    expect(Object.keys(state.params).sort()).toEqual(a.specs.map((s) => s.name).sort());
    const pixels = Array.from({ length: 4 * 16 }, (_, i) => (Math.floor(i / 16) % 2 === 0 ? (i % 4 < 2 ? 1 : 0) : (i % 16 < 8 ? 1 : 0)));
    const batch = { images: gg.tensorFrom(Float32Array.from(pixels), "float32", [4, 4, 4, 1]), labels: [0, 1, 0, 1] };
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const [next, m] = await step.run(state, batch);
      state = next;
      losses.push(m["loss"] as number);
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.2 * (losses[0] as number));
    expect(state.params["a/conv2/kernel"]?.shape).toEqual([3, 3, 2, 4]);
  });
});

describe("nn.conv on every backend", () => {
  it("WASM and WebGPU (where present) are within float32's bound of the JS reference: 1-3 spatial axes, NCHW, groups, no bias", async () => {
    const backends = [gg.wasm(), ...(webGpuSkipped() ? [] : [lazyWebGpu])];
    const layers: readonly { x: number[]; k: number[]; useBias: boolean; o: gg.nn.ConvLayerOptions }[] = [
      { x: [2, 9, 3], k: [3, 3, 4], useBias: true, o: { padding: "same", strides: 2 } },
      { x: [2, 4, 6, 5], k: [3, 3, 2, 6], useBias: true, o: { layout: "NCHW", groups: 2, dilation: [1, 2] } },
      { x: [1, 4, 3, 4, 2], k: [2, 2, 2, 2, 3], useBias: false, o: { padding: "same" } },
    ];
    const count = (shape: readonly number[]): number => shape.reduce((p, q) => p * q, 1);
    const outputs: Record<string, gg.Expr> = {};
    const feeds: Record<string, gg.Tensor> = {};
    const bounds: Record<string, (element: number, reference: Results) => number> = {};
    layers.forEach((l, i) => {
      const outChannels = l.k[l.k.length - 1] as number;
      const shapes: Record<string, number[]> = { [`x${i}`]: l.x, [`w${i}`]: l.k, ...(l.useBias ? { [`b${i}`]: [outChannels] } : {}) };
      const e: Record<string, gg.Expr> = {};
      for (const [name, shape] of Object.entries(shapes)) {
        e[name] = gg.input(name, shape);
        feeds[name] = gg.tensorFrom(Float32Array.from({ length: count(shape) }, (_, j) => Math.sin(3 * i + 0.61 * j)), "float32", shape);
      }
      const [x, w, b] = [e[`x${i}`] as gg.Expr, e[`w${i}`] as gg.Expr, e[`b${i}`]];
      outputs[`y${i}`] = gg.nn.conv(x, { kernel: w, bias: b }, l.o);
      outputs[`magnitude${i}`] = gg.nn.conv(gg.abs(x), { kernel: gg.abs(w), bias: b === undefined ? undefined : gg.abs(b) }, l.o);
      // A float32 sum of k products (and the bias) is within 4·(k + 1)·2⁻²⁴·(Σ|x||w| + |b|) of the exact one.
      const terms = count(l.k.slice(0, -1)) + 1;
      const bound = (element: number, ref: Results): number => 4 * terms * 2 ** -24 * (data(ref[`magnitude${i}`])[element] as number);
      bounds[`y${i}`] = bound;
      bounds[`magnitude${i}`] = bound;
    });
    const reports = await checkBackends(outputs, feeds, { backends, atol: bounds });
    expect(reports.map((r) => Object.keys(r.outputs).length)).toEqual(backends.map(() => 6));
  });
});

describe("nn.conv and nn.convParams errors", () => {
  const x = gg.input("x", [2, 5, 5, 4]);
  const p = gg.nn.convParams("c", { inChannels: 4, outChannels: 6, kernelSize: 3 });

  it("convParams names the field", () => {
    const bad = (config: unknown): (() => unknown) => () => gg.nn.convParams("c", config as gg.nn.ConvParamsConfig);
    const base = { inChannels: 4, outChannels: 6, kernelSize: 3 };
    expect(bad({ ...base, groups: 4 })).toThrow("nn.convParams: config.groups 4 must divide config.inChannels 4 and config.outChannels 6");
    expect(bad({ ...base, inChannels: 0 })).toThrow("nn.convParams: config.inChannels must be an integer >= 1, got 0");
    expect(bad({ ...base, kernelSize: [3, 3, 3, 3] })).toThrow("nn.convParams: config.kernelSize must be a positive integer or 1 to 3 of them, got");
    expect(bad({ ...base, kernelSize: [3, 0] })).toThrow("nn.convParams: config.kernelSize[1] must be an integer >= 1, got 0");
    expect(bad({ ...base, kernelSize: [3, 3], spatialDims: 3 })).toThrow("nn.convParams: config.kernelSize [3,3] has 2 sizes for config.spatialDims 3");
    expect(bad({ ...base, spatialDims: 4 })).toThrow("nn.convParams: config.spatialDims must be an integer in [1, 3], got 4");
    expect(bad({ ...base, useBias: "yes" })).toThrow("nn.convParams: config.useBias must be true or false");
    expect(bad(undefined)).toThrow("nn.convParams: the config ({ inChannels, outChannels, kernelSize }) must be an object");
    expect(() => gg.nn.convParams(3 as unknown as string, base)).toThrow(/^nn\.convParams: the prefix must be a string or a scope/);
  });

  it("conv names the field, with the shapes", () => {
    const err = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(gg.GraphgradError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(err(() => gg.nn.conv(gg.input("v", [2, 4]), p))).toBe("nn.conv: x needs rank 3, 4 or 5 (batch, 1 to 3 spatial axes, channels), got [2,4]");
    expect(err(() => gg.nn.conv(gg.input("v", [2, 5, 4]), p))).toBe("nn.conv: the kernel [3,3,4,6] needs rank 3 ([...window, in/groups, out]) for x [2,5,4]");
    expect(err(() => gg.nn.conv(gg.input("v", [2, 5, 5, 3]), p))).toBe("nn.conv: x has 3 input channels, the kernel 4 per group × 1 groups = 4 (x [2,5,5,3], kernel [3,3,4,6], groups 1)");
    expect(err(() => gg.nn.conv(gg.input("v", [2, 5, 5, 8]), p))).toBe("nn.conv: x has 8 input channels, the kernel 4 per group × 1 groups = 4 (a grouped kernel? pass groups: 2) (x [2,5,5,8], kernel [3,3,4,6], groups 1)");
    expect(err(() => gg.nn.conv(x, p, { layout: "NCHW" }))).toMatch(/^nn\.conv: x has 5 input channels, the kernel 4/);
    expect(err(() => gg.nn.conv(x, { kernel: p.kernel }, { groups: 4 }))).toBe("nn.conv: the kernel's 6 output channels do not divide into 4 groups (x [2,5,5,4], kernel [3,3,4,6], groups 4)");
    expect(err(() => gg.nn.conv(x, { ...p, groups: 2 }, { groups: 3 }))).toBe("nn.conv: groups 3 differs from the weights' groups 2");
    expect(err(() => gg.nn.conv(x, { kernel: p.kernel, bias: gg.input("b", [4]) }))).toBe("nn.conv: bias must be [6] (the kernel's output channels), got [4]");
    expect(err(() => gg.nn.conv(x, p, { strides: [1, 1, 1] }))).toBe("nn.conv: strides must be a positive integer or 2 of them (one per spatial axis), got [1,1,1]");
    expect(err(() => gg.nn.conv(x, p, { dilation: { h: 2 } as unknown as number }))).toBe('nn.conv: dilation must be a positive integer or one per spatial axis, got an object');
    expect(err(() => gg.nn.conv(x, p, { padding: "SAME" as gg.Padding }))).toMatch(/^nn\.conv: padding must be "same", "valid" or 2 pairs/);
    expect(err(() => gg.nn.conv(x, p, { layout: "NWC" as gg.Layout }))).toBe('nn.conv: layout must be "NHWC" or "NCHW", got "NWC"');
    expect(err(() => gg.nn.conv(x, { bias: p.bias } as unknown as gg.nn.ConvWeights))).toMatch(/^nn\.conv: kernel must be an Expr/);
    expect(err(() => gg.nn.conv(x, p))).toBe("no error");
  });
});
