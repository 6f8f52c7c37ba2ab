import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads } from "../../src/testing/index.js";

const data = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data);
const f64 = (shape: readonly number[], values: readonly number[]): gg.Tensor => gg.tensorFrom(Float64Array.from(values), "float64", [...shape]);
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** TF 1's GRUCell.call, transcribed with plain arrays (row-major matrices): one step for a batch. */
function tfGruStep(x: number[][], h: number[][], gk: number[][], gb: number[], ck: number[][], cb: number[]): number[][] {
  const units = cb.length;
  const matvec = (row: number[], m: number[][], b: number[]): number[] => b.map((bj, j) => row.reduce((acc, v, i) => acc + v * ((m[i] as number[])[j] as number), bj));
  return x.map((xr, n) => {
    const hr = h[n] as number[];
    const value = matvec([...xr, ...hr], gk, gb).map(sig);
    const [r, u] = [value.slice(0, units), value.slice(units)];
    const c = matvec([...xr, ...hr.map((v, j) => (r[j] as number) * v)], ck, cb).map(Math.tanh);
    return hr.map((v, j) => (u[j] as number) * v + (1 - (u[j] as number)) * (c[j] as number));
  });
}

const rows = <T,>(flat: readonly T[], cols: number): T[][] => Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));

describe("GRU cell (TF 1's GRUCell)", () => {
  it("gruParams: TF's variable names and shapes, gate bias ones, candidate bias zeros", async () => {
    const p = gg.nn.gruParams(gg.nn.scope("rnn").child("gru"), 3, 4);
    expect(p.specs.map((s) => [s.name, s.shape])).toEqual([
      ["rnn/gru/gates/kernel", [7, 8]],
      ["rnn/gru/gates/bias", [8]],
      ["rnn/gru/candidate/kernel", [7, 4]],
      ["rnn/gru/candidate/bias", [4]],
    ]);
    const v = await gg.init.values(p.specs, gg.random.key(0));
    expect(data(v["rnn/gru/gates/bias"])).toEqual(Array(8).fill(1));
    expect(data(v["rnn/gru/candidate/bias"])).toEqual(Array(4).fill(0));
  });

  it("three unrolled steps equal the transcription of TF's GRUCell, static and as a scan (random weights, float64)", async () => {
    const [batch, steps, inSize, units] = [2, 3, 3, 2];
    const cases = fc.tuple(arb.values(batch * steps * inSize), arb.values((inSize + units) * 2 * units), arb.values(2 * units), arb.values((inSize + units) * units), arb.values(units), arb.values(batch * units));
    const p = { gateKernel: gg.input("gk", [inSize + units, 2 * units], "float64"), gateBias: gg.input("gb", [2 * units], "float64"), candidateKernel: gg.input("ck", [inSize + units, units], "float64"), candidateBias: gg.input("cb", [units], "float64") };
    const cell = gg.nn.gruCell(p);
    const x = gg.input("x", [batch, steps, inSize], "float64");
    const init = gg.input("h0", [batch, units], "float64");
    const unrolled = gg.nn.unroll(cell, gg.nn.unstack(x), init);
    const scanned = gg.nn.unroll(cell, x, init, { scan: true });
    const exe = await gg.compile({ outputs: { a: gg.stack(unrolled.outputs, 1), b: scanned.outputs, h: scanned.state, ha: unrolled.state } });
    await fc.assert(
      fc.asyncProperty(cases, async ([xs, gk, gb, ck, cb, h0]) => {
        const r = await exe.run({
          x: f64([batch, steps, inSize], xs), h0: f64([batch, units], h0),
          gk: f64([inSize + units, 2 * units], gk), gb: f64([2 * units], gb), ck: f64([inSize + units, units], ck), cb: f64([units], cb),
        });
        // The reference, step by step.
        let h = rows(h0, units);
        const want: number[][][] = [];
        for (let t = 0; t < steps; t++) {
          const xt = Array.from({ length: batch }, (_, n) => xs.slice((n * steps + t) * inSize, (n * steps + t + 1) * inSize));
          h = tfGruStep(xt, h, rows(gk, 2 * units), gb, rows(ck, units), cb);
          want.push(h);
        }
        const flat = Array.from({ length: batch }, (_, n) => want.flatMap((ht) => ht[n] as number[])).flat();
        data(r.a).forEach((v, i) => expect(Math.abs(v - (flat[i] as number))).toBeLessThanOrEqual(1e-14));
        data(r.h).forEach((v, i) => expect(Math.abs(v - (h.flat()[i] as number))).toBeLessThanOrEqual(1e-14));
        expect(data(r.b)).toEqual(data(r.a));
        expect(data(r.h)).toEqual(data(r.ha));
      }),
      { numRuns: 10 },
    );
  });

  it("gradients of every weight, the inputs and the initial state match finite differences (float64)", async () => {
    const [batch, steps, inSize, units] = [2, 3, 2, 2];
    const cos = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 0.6 * Math.cos(i * s + 0.3));
    await checkGrads(
      (x, h0, gk, gb, ck, cb) => {
        const cell = gg.nn.gruCell({ gateKernel: gk, gateBias: gb, candidateKernel: ck, candidateBias: cb });
        return gg.nn.unroll(cell, x, h0, { scan: true }).outputs;
      },
      [
        { shape: [batch, steps, inSize], values: cos(batch * steps * inSize, 1.1) },
        { shape: [batch, units], values: cos(batch * units, 0.7) },
        { shape: [inSize + units, 2 * units], values: cos((inSize + units) * 2 * units, 1.9) },
        { shape: [2 * units], values: cos(2 * units, 2.3) },
        { shape: [inSize + units, units], values: cos((inSize + units) * units, 0.4) },
        { shape: [units], values: cos(units, 1.3) },
      ],
    );
  });

  it("WASM matches the JS reference (float32, within float32 matmul rounding)", async () => {
    const p = gg.nn.gruParams("gru", 3, 4);
    const x = gg.input("x", [2, 5, 3]);
    const cell = gg.nn.gruCell(p);
    const out = gg.nn.unroll(cell, x, cell.zeroState(2), { scan: true }).outputs;
    const [g] = gg.grad(gg.sum(gg.square(out)), [p.candidateKernel]);
    const feeds = { x: gg.tensorFrom(Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)), "float32", [2, 5, 3]), ...(await gg.init.values(p.specs, gg.random.key(1))) };
    const [a, b] = [await gg.evaluate({ out, g }, feeds), await gg.evaluate({ out, g }, feeds, { backend: "wasm" })];
    for (const k of ["out", "g"] as const) data(b[k]).forEach((v, i) => expect(Math.abs(v - (data(a[k])[i] as number))).toBeLessThanOrEqual(1e-5));
  });

  it("refuses mismatched weights and inputs, naming the shapes", () => {
    const p = gg.nn.gruParams("g", 3, 2);
    expect(() => gg.nn.gruCell({ ...p, candidateBias: gg.zeros([3]) })).toThrow(/candidate\/bias \[units\]; got \[5,4\], \[4\], \[5,2\], \[3\]/);
    expect(() => gg.nn.gruStep(gg.input("x", [1, 4]), gg.zeros([1, 2]), p)).toThrow("nn.gru: the input must be [batch, 3] for gates/kernel [5,4], got [1,4]");
  });
});
