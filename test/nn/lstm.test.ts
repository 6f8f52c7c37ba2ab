import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

/**
 * The LSTM cell against a plain-JS float64 evaluation of TF's BasicLSTMCell:
 *   [i, j, f, o] = split(concat([x, h], 1)·kernel + bias, 4, axis 1)
 *   c' = c·σ(f + forgetBias) + σ(i)·tanh(j),   h' = tanh(c')·σ(o).
 */

type Matrix = number[][];
const values = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data as ArrayLike<number>);
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const near = (a: readonly number[], b: readonly number[], tol = 1e-12): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThan(tol));
};

/** Small fixed weights, different in every gate block so a gate-order mistake shows. */
const grid = (rows: number, cols: number, seed: number): Matrix =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => 0.5 * Math.sin(seed + 1.7 * r + 0.9 * c * (c % 3 + 1))));

function lstmRef(x: Matrix, c: Matrix, h: Matrix, kernel: Matrix, bias: readonly number[], forgetBias: number): { c: Matrix; h: Matrix } {
  const units = bias.length / 4;
  const next = x.map((xr, r) => {
    const v = [...xr, ...(h[r] as number[])];
    const z = bias.map((b, k) => v.reduce((acc, vm, m) => acc + vm * ((kernel[m] as number[])[k] as number), b));
    const gate = (g: number, u: number): number => z[g * units + u] as number;
    const cr = Array.from({ length: units }, (_, u) => ((c[r] as number[])[u] as number) * sig(gate(2, u) + forgetBias) + sig(gate(0, u)) * Math.tanh(gate(1, u)));
    return { c: cr, h: cr.map((cu, u) => Math.tanh(cu) * sig(gate(3, u))) };
  });
  return { c: next.map((n) => n.c), h: next.map((n) => n.h) };
}

const f64 = (m: Matrix | number[]): gg.Expr => gg.constant(m, "float64");

describe("LSTM cell (BasicLSTMCell semantics)", () => {
  const [batch, inputSize, units] = [2, 3, 2];
  const kernel = grid(inputSize + units, 4 * units, 0);
  const bias = grid(1, 4 * units, 5)[0] as number[];
  const x = grid(batch, inputSize, 9);
  const c0 = grid(batch, units, 13);
  const h0 = grid(batch, units, 17);

  for (const forgetBias of [1, 0]) {
    it(`one step equals the hand-computed values (forgetBias ${forgetBias})`, async () => {
      const cell = gg.nn.lstmCell({ kernel: f64(kernel), bias: f64(bias) }, forgetBias === 1 ? {} : { forgetBias });
      const [out, state] = cell.step(f64(x), { c: f64(c0), h: f64(h0) });
      const r = await gg.evaluate({ out, c: state.c, h: state.h });
      const want = lstmRef(x, c0, h0, kernel, bias, forgetBias);
      near(values(r["c"]), want.c.flat());
      near(values(r["h"]), want.h.flat());
      expect(values(r["out"])).toEqual(values(r["h"]));
    });
  }

  it("the zero state, and shape errors naming the expected input", async () => {
    const cell = gg.nn.lstmCell({ kernel: f64(kernel), bias: f64(bias) });
    expect(cell.outputSize).toBe(units);
    const xs = gg.input("xs", [null, inputSize], "float64");
    const s = cell.zeroState(xs.shape[0] as gg.Dim);
    expect(s.c.shape).toEqual(["?xs.0", units]);
    expect(s.h.dtype).toBe("float64");
    const [o] = cell.step(xs, s);
    const r = await gg.evaluate(o, { xs: x });
    near(values(r), lstmRef(x, [[0, 0], [0, 0]], [[0, 0], [0, 0]], kernel, bias, 1).h.flat());
    expect(() => cell.step(f64([[1, 2]]), s)).toThrow(/input must be \[batch, 3\]/);
    expect(() => gg.nn.lstmCell({ kernel: f64(kernel), bias: f64([1, 2, 3]) })).toThrow(/kernel \[inputSize \+ units, 4·units\]/);
  });
});

describe("multi-layer stack and unroll", () => {
  const [batch, inputSize, units, steps] = [2, 3, 2, 3];
  const layers = [
    { kernel: grid(inputSize + units, 4 * units, 1), bias: grid(1, 4 * units, 2)[0] as number[] },
    { kernel: grid(2 * units, 4 * units, 3), bias: grid(1, 4 * units, 4)[0] as number[] },
  ];
  const inputs = Array.from({ length: steps }, (_, t) => grid(batch, inputSize, 20 + t));
  const init = layers.map((_, l) => ({ c: grid(batch, units, 30 + l), h: grid(batch, units, 40 + l) }));

  it("MultiRNNCell unrolled over 3 steps equals the layer-by-layer reference (outputs and final state)", async () => {
    const cell = gg.nn.multiCell(layers.map((p) => gg.nn.lstmCell({ kernel: f64(p.kernel), bias: f64(p.bias) }, { forgetBias: 0 })));
    expect(cell.outputSize).toBe(units);
    const { outputs, state } = gg.nn.unroll(cell, inputs.map(f64), init.map((s) => ({ c: f64(s.c), h: f64(s.h) })));
    const named: Record<string, gg.Expr> = {};
    outputs.forEach((o, t) => (named[`out${t}`] = o));
    state.forEach((s, l) => {
      named[`c${l}`] = s.c;
      named[`h${l}`] = s.h;
    });
    const r = await gg.evaluate(named);
    let ref = init;
    inputs.forEach((xt, t) => {
      let input = xt;
      ref = ref.map((s, l) => {
        const p = layers[l] as (typeof layers)[number];
        const n = lstmRef(input, s.c, s.h, p.kernel, p.bias, 0);
        input = n.h;
        return n;
      });
      near(values(r[`out${t}`]), input.flat());
    });
    ref.forEach((s, l) => {
      near(values(r[`c${l}`]), s.c.flat());
      near(values(r[`h${l}`]), s.h.flat());
    });
  });

  it("unstack splits [batch, steps, dim] into the time steps", async () => {
    const data = [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]];
    const parts = gg.nn.unstack(gg.constant(data));
    expect(parts.length).toBe(3);
    for (let t = 0; t < 3; t++) {
      expect(parts[t]?.shape).toEqual([2, 2]);
      expect((await gg.evaluate(parts[t] as gg.Expr)).toArray()).toEqual(data.map((row) => row[t]));
    }
    const sym = gg.nn.unstack(gg.input("ids", [null, 4], "int32"));
    expect(sym.map((e) => e.shape)).toEqual(Array(4).fill(["?ids.0"]));
  });

  it("lstmStackParams names each layer's parameters with the prefix and sizes layer 0 to the input", async () => {
    const stack = gg.nn.lstmStackParams("lstm", 5, 3, 2, { kernelInit: gg.init.uniform({ scale: 0.1 }) });
    const specs = gg.nn.specsOf(...stack);
    expect(specs.map((s) => [s.name, s.shape])).toEqual([
      ["lstm0/kernel", [8, 12]],
      ["lstm0/bias", [12]],
      ["lstm1/kernel", [6, 12]],
      ["lstm1/bias", [12]],
    ]);
    const v = await gg.init.values(specs, gg.random.key(0));
    expect(values(v["lstm1/kernel"]).every((w) => Math.abs(w) <= 0.1)).toBe(true);
    expect(values(v["lstm0/bias"])).toEqual(Array(12).fill(0));
    expect(stack[1]?.kernel.node.op).toBe("input");
  });
});

describe("DropoutWrapper (dropoutCell)", () => {
  const units = 3;
  const p = { kernel: f64(grid(2 + units, 4 * units, 7)), bias: f64(grid(1, 4 * units, 8)[0] as number[]) };
  const inputs = Array.from({ length: 4 }, (_, t) => f64(grid(40, 2, 50 + t)));

  it("output dropout: each output is 0 or the plain cell's output / keepProb, with a fresh mask per step; the state is not dropped", async () => {
    const plain = gg.nn.lstmCell(p);
    const wrapped = gg.nn.dropoutCell(plain, { outputKeepProb: 0.5 });
    const s0 = plain.zeroState(40);
    const a = gg.nn.unroll(plain, inputs, s0);
    const b = gg.nn.unroll(wrapped, inputs, s0, { key: gg.random.key(1) });
    const outputs: Record<string, gg.Expr> = { ...Object.fromEntries(a.outputs.map((o, t) => [`a${t}`, o])), ...Object.fromEntries(b.outputs.map((o, t) => [`b${t}`, o])), ca: a.state.c, cb: b.state.c };
    const r = await gg.evaluate(outputs);
    const masks: string[] = [];
    for (let t = 0; t < 4; t++) {
      const av = values(r[`a${t}`]);
      const bv = values(r[`b${t}`]);
      expect(bv.every((v, i) => v === 0 || v === (av[i] as number) / 0.5)).toBe(true);
      masks.push(bv.map((v) => (v === 0 ? "0" : "1")).join(""));
    }
    expect(new Set(masks).size).toBe(4);
    expect(values(r["cb"])).toEqual(values(r["ca"]));
  });

  it("is a no-op when not training or with keep probabilities 1, and needs a key when training", async () => {
    const plain = gg.nn.lstmCell(p);
    const s0 = plain.zeroState(40);
    const a = gg.nn.unroll(plain, inputs, s0);
    expect(gg.nn.unroll(gg.nn.dropoutCell(plain, { outputKeepProb: 0.5, inputKeepProb: 0.5, training: false }), inputs, s0).outputs).toEqual(a.outputs);
    expect(gg.nn.unroll(gg.nn.dropoutCell(plain, {}), inputs, s0, { key: gg.random.key(0) }).outputs).toEqual(a.outputs);
    expect(() => gg.nn.unroll(gg.nn.dropoutCell(plain, { inputKeepProb: 0.5 }), inputs, s0)).toThrow(/key is required/);
  });

  it("in a stack, each layer and each step draws its own mask; the same key reproduces them", async () => {
    const p2 = { kernel: f64(grid(2 * units, 4 * units, 9)), bias: f64(grid(1, 4 * units, 10)[0] as number[]) };
    const build = (seed: number) => {
      const cell = gg.nn.multiCell([gg.nn.dropoutCell(gg.nn.lstmCell(p), { inputKeepProb: 0.7 }), gg.nn.dropoutCell(gg.nn.lstmCell(p2), { inputKeepProb: 0.7 })]);
      return gg.nn.unroll(cell, inputs, cell.zeroState(40), { key: gg.random.key(seed) }).outputs;
    };
    const [x, y, z] = await Promise.all([build(3), build(3), build(4)].map((outs) => gg.evaluate(gg.stack(outs))));
    expect(values(x)).toEqual(values(y));
    expect(values(x)).not.toEqual(values(z));
  });
});

describe("gradients of a whole LSTM language model (finite differences)", () => {
  it("embedding → 2-layer LSTM (3 steps, forgetBias 0) → softmax → sequence loss: every parameter and the initial state", async () => {
    const [batch, steps, vocab, dim, units] = [2, 3, 5, 3, 2];
    const ids = gg.constant([[0, 3, 4], [2, 1, 3]], "int32");
    const targets = gg.constant([[3, 4, 1], [1, 3, 0]], "int32");
    const shapes = [
      [vocab, dim], // embedding
      [dim + units, 4 * units], [4 * units], // lstm0
      [2 * units, 4 * units], [4 * units], // lstm1
      [units, vocab], [vocab], // softmax
      [batch, units], [batch, units], [batch, units], [batch, units], // c0 h0 c1 h1
    ];
    const inputs = shapes.map((shape, k) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return { shape, values: Array.from({ length: n }, (_, i) => 0.6 * Math.sin(1 + 2.3 * k + 0.77 * i)) };
    });
    const model = (...xs: gg.Expr[]): gg.Expr => {
      const [table, k0, b0, k1, b1, sw, sb, c0, h0, c1, h1] = xs as [gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr, gg.Expr];
      const embedded = gg.nn.embedding(ids, table); // [batch, steps, dim]
      const cell = gg.nn.multiCell([gg.nn.lstmCell({ kernel: k0, bias: b0 }, { forgetBias: 0 }), gg.nn.lstmCell({ kernel: k1, bias: b1 }, { forgetBias: 0 })]);
      const { outputs } = gg.nn.unroll(cell, gg.nn.unstack(embedded), [{ c: c0, h: h0 }, { c: c1, h: h1 }]);
      const output = gg.reshape(gg.concat(outputs, 1), [-1, units]);
      const logits = gg.nn.dense(output, { kernel: sw, bias: sb });
      const loss = gg.losses.sequenceLossByExample(logits, gg.reshape(targets, [-1]), gg.ones([batch * steps], "float64"));
      return gg.div(gg.sum(loss), batch);
    };
    await checkGrads(model, inputs);
  });
});
