import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { arb, checkGrads } from "../../src/testing/index.js";

const data = (t: gg.Tensor | undefined): number[] => Array.from((t as gg.Tensor).data);
const f64 = (shape: readonly number[], values: readonly number[]): gg.Tensor => gg.tensorFrom(Float64Array.from(values), "float64", [...shape]);
const closeTo = (got: readonly number[], want: readonly number[], tol: number, what = ""): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - (want[i] as number)), `${what}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i] as number))));
};

/**
 * Attention for one batch element, with plain loops: q [sq, d], k [sk, d], v [sk, dv], allowed
 * [sq][sk]; a query with no allowed key gives zeros.
 */
function naiveAttention(q: number[][], k: number[][], v: number[][], allowed: (i: number, j: number) => boolean, scale: number): number[][] {
  return q.map((qi, i) => {
    const scores = k.map((kj, j) => (allowed(i, j) ? scale * qi.reduce((a, x, t) => a + x * (kj[t] as number), 0) : -Infinity));
    const top = Math.max(...scores);
    if (top === -Infinity) return (v[0] as number[]).map(() => 0);
    const e = scores.map((s) => Math.exp(s - top));
    const total = e.reduce((a, b) => a + b, 0);
    return (v[0] as number[]).map((_, c) => e.reduce((a, w, j) => a + (w / total) * ((v[j] as number[])[c] as number), 0));
  });
}

const rows = (flat: readonly number[], cols: number): number[][] => Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));

describe("dotProductAttention", () => {
  const [batch, sq, sk, d, dv] = [2, 3, 4, 2, 3];
  const q = gg.input("q", [batch, sq, d], "float64");
  const k = gg.input("k", [batch, sk, d], "float64");
  const v = gg.input("v", [batch, sk, dv], "float64");
  const mask = gg.input("mask", [batch, 1, sk], "bool"); // a padding mask: key j of example n
  const full = gg.input("full", [batch, sq, sk], "bool");
  const cases = fc.tuple(arb.values(batch * sq * d, { min: -3, max: 3 }), arb.values(batch * sk * d, { min: -3, max: 3 }), arb.values(batch * sk * dv, { min: -3, max: 3 }), fc.array(fc.boolean(), { minLength: batch * sk, maxLength: batch * sk }), fc.array(fc.boolean(), { minLength: batch * sq * sk, maxLength: batch * sq * sk }));

  it("matches plain loops: no mask, a padding mask, a full mask with causal, a custom scale (random values, float64)", async () => {
    const exe = await gg.compile({
      outputs: {
        plain: gg.nn.dotProductAttention(q, k, v),
        padded: gg.nn.dotProductAttention(q, k, v, { mask }),
        both: gg.nn.dotProductAttention(q, k, v, { mask: full, causal: true, scale: 0.3 }),
      },
    });
    await fc.assert(
      fc.asyncProperty(cases, async ([qs, ks, vs, pad, m]) => {
        const r = await exe.run({ q: f64([batch, sq, d], qs), k: f64([batch, sk, d], ks), v: f64([batch, sk, dv], vs), mask: gg.tensorFrom(pad.map(Number), "bool", [batch, 1, sk]), full: gg.tensorFrom(m.map(Number), "bool", [batch, sq, sk]) });
        for (let n = 0; n < batch; n++) {
          const [qn, kn, vn] = [rows(qs.slice(n * sq * d, (n + 1) * sq * d), d), rows(ks.slice(n * sk * d, (n + 1) * sk * d), d), rows(vs.slice(n * sk * dv, (n + 1) * sk * dv), dv)];
          const part = (t: gg.Tensor | undefined): number[] => data(t).slice(n * sq * dv, (n + 1) * sq * dv);
          closeTo(part(r.plain), naiveAttention(qn, kn, vn, () => true, 1 / Math.sqrt(d)).flat(), 1e-14, "plain");
          closeTo(part(r.padded), naiveAttention(qn, kn, vn, (_i, j) => pad[n * sk + j] === true, 1 / Math.sqrt(d)).flat(), 1e-14, "padded");
          closeTo(part(r.both), naiveAttention(qn, kn, vn, (i, j) => m[(n * sq + i) * sk + j] === true && j <= i, 0.3).flat(), 1e-14, "both");
        }
      }),
      { numRuns: 25 },
    );
  });

  it("a query whose keys are all masked gets zeros, and zero (finite) gradients; the other rows' gradients match finite differences", async () => {
    // Query 1 of example 0 attends to nothing; the others to some keys.
    const allowed = [
      [1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1],
      [0, 1, 0, 0], [1, 1, 0, 1], [0, 0, 1, 1],
    ];
    const maskConst = gg.constant(allowed.map((r) => r.map((x) => x === 1)), "bool");
    const m = gg.reshape(maskConst, [batch, sq, sk]);
    const vals = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 1.5 * Math.sin(i * s + 0.2));
    const qv = vals(batch * sq * d, 1.3);
    const [kv, vv] = [vals(batch * sk * d, 0.7), vals(batch * sk * dv, 2.1)];
    const out = gg.nn.dotProductAttention(q, k, v, { mask: m });
    const grads = gg.grad(gg.sum(gg.mul(out, gg.constant(vals(batch * sq * dv, 0.9), "float64").reshape([batch, sq, dv]))), [q, k, v]);
    const r = await gg.evaluate({ out, gq: grads[0], gk: grads[1], gv: grads[2] }, { q: f64([batch, sq, d], qv), k: f64([batch, sk, d], kv), v: f64([batch, sk, dv], vv) });
    expect(data(r.out).slice(dv, 2 * dv)).toEqual([0, 0, 0]);
    for (const g of [r.gq, r.gk, r.gv]) expect(data(g).every(Number.isFinite)).toBe(true);
    expect(data(r.gq).slice(d, 2 * d)).toEqual([0, 0]);
    await checkGrads((a, b, c) => gg.nn.dotProductAttention(a, b, c, { mask: m }), [
      { shape: [batch, sq, d], values: qv },
      { shape: [batch, sk, d], values: kv },
      { shape: [batch, sk, dv], values: vv },
    ]);
  });

  it("every query fully masked: all zeros, gradients zero; huge scores neither overflow nor give NaN", async () => {
    const nothing = gg.constant(Array.from({ length: sq }, () => Array(sk).fill(false)), "bool");
    const huge = gg.mul(q, 1e4);
    const outs = { none: gg.nn.dotProductAttention(q, k, v, { mask: nothing }), big: gg.nn.dotProductAttention(huge, k, v, { causal: true }), bigPlain: gg.nn.dotProductAttention(huge, k, v) };
    const [gq] = gg.grad(gg.sum(outs.none), [q]);
    const feeds = { q: f64([batch, sq, d], Array.from({ length: 12 }, (_, i) => i - 6)), k: f64([batch, sk, d], Array.from({ length: 16 }, (_, i) => Math.cos(i))), v: f64([batch, sk, dv], Array.from({ length: 24 }, (_, i) => i)) };
    const r = await gg.evaluate({ ...outs, gq }, feeds);
    expect(data(r.none).every((x) => x === 0)).toBe(true);
    expect(data(r.gq).every((x) => x === 0)).toBe(true);
    for (const key of ["big", "bigPlain"] as const) expect(data(r[key]).every(Number.isFinite)).toBe(true);
  });

  it("causal is top-left aligned when the lengths differ (more keys, fewer keys); gradients with causal, a mask and a scale match finite differences", async () => {
    const vals = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 1.2 * Math.sin(i * s + 0.3));
    for (const [lq, lk] of [[3, 5], [4, 2]] as const) {
      const [qs, ks, vs] = [vals(lq * d, 1.1), vals(lk * d, 0.7), vals(lk * dv, 1.9)];
      const out = gg.nn.dotProductAttention(gg.input("cq", [lq, d], "float64"), gg.input("ck", [lk, d], "float64"), gg.input("cv", [lk, dv], "float64"), { causal: true });
      const r = await gg.evaluate(out, { cq: f64([lq, d], qs), ck: f64([lk, d], ks), cv: f64([lk, dv], vs) });
      closeTo(data(r), naiveAttention(rows(qs, d), rows(ks, d), rows(vs, dv), (i, j) => j <= i, 1 / Math.sqrt(d)).flat(), 1e-14, `causal ${lq}×${lk}`);
    }
    const someMasked = gg.constant([[true, false, true, true], [false, true, true, false], [true, true, false, true]], "bool");
    await checkGrads((a, b, c) => gg.nn.dotProductAttention(a, b, c, { mask: someMasked, causal: true, scale: 0.7 }), [
      { shape: [batch, sq, d], values: vals(batch * sq * d, 1.3) },
      { shape: [batch, sk, d], values: vals(batch * sk * d, 0.8) },
      { shape: [batch, sk, dv], values: vals(batch * sk * dv, 2.2) },
    ]);
  });

  it("vmap over examples (queries, keys, values and masks batched) equals attention of each example", async () => {
    const per = (a: gg.Expr, b: gg.Expr, c: gg.Expr, m: gg.Expr): gg.Expr => gg.nn.dotProductAttention(a, b, c, { mask: m, causal: true });
    const mapped = gg.vmap(per)(q, k, v, full);
    const vals = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 1.5 * Math.cos(i * s));
    const [qs, ks, vs] = [vals(batch * sq * d, 0.9), vals(batch * sk * d, 1.4), vals(batch * sk * dv, 0.6)];
    const ms = Array.from({ length: batch * sq * sk }, (_, i) => (i * 7) % 3 !== 0);
    const feeds = { q: f64([batch, sq, d], qs), k: f64([batch, sk, d], ks), v: f64([batch, sk, dv], vs), full: gg.tensorFrom(ms.map(Number), "bool", [batch, sq, sk]) };
    const r = await gg.evaluate({ mapped, direct: gg.nn.dotProductAttention(q, k, v, { mask: full, causal: true }) }, feeds);
    expect(data(r.mapped)).toEqual(data(r.direct));
    for (let n = 0; n < batch; n++) {
      const slice = (xs: readonly number[], size: number): number[] => xs.slice(n * size, (n + 1) * size);
      const one = await gg.evaluate(per(gg.input("q1", [sq, d], "float64"), gg.input("k1", [sk, d], "float64"), gg.input("v1", [sk, dv], "float64"), gg.input("m1", [sq, sk], "bool")), {
        q1: f64([sq, d], slice(qs, sq * d)),
        k1: f64([sk, d], slice(ks, sk * d)),
        v1: f64([sk, dv], slice(vs, sk * dv)),
        m1: gg.tensorFrom(slice(ms.map(Number), sq * sk), "bool", [sq, sk]),
      });
      expect(data(r.mapped).slice(n * sq * dv, (n + 1) * sq * dv)).toEqual(data(one));
    }
  });

  it("WASM matches the JS reference (float32): a padding mask with a fully masked query, causal, their gradients; the masked query's output is zeros on both", async () => {
    const [q32, k32, v32] = [gg.input("q", [batch, sq, d]), gg.input("k", [batch, sk, d]), gg.input("v", [batch, sk, dv])];
    const m = gg.constant([[[true, false, true, false], [false, false, false, false], [true, true, true, true]], [[false, true, false, false], [true, true, false, true], [false, false, true, true]]], "bool");
    const masked = gg.nn.dotProductAttention(q32, k32, v32, { mask: m });
    const causal = gg.nn.dotProductAttention(q32, k32, v32, { causal: true, scale: 2 });
    const [gq, gk, gv] = gg.grad(gg.add(gg.sum(gg.square(masked)), gg.sum(gg.mul(causal, 0.5))), [q32, k32, v32]);
    const outputs = { masked, causal, gq: gq as gg.Expr, gk: gk as gg.Expr, gv: gv as gg.Expr };
    const t = (shape: number[], s: number): gg.Tensor => gg.tensorFrom(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 2 * Math.sin(i * s + 1)), "float32", shape);
    const feeds = { q: t([batch, sq, d], 0.7), k: t([batch, sk, d], 1.3), v: t([batch, sk, dv], 0.4) };
    const [a, b] = [await gg.evaluate(outputs, feeds), await gg.evaluate(outputs, feeds, { backend: "wasm" })];
    for (const key of Object.keys(outputs) as (keyof typeof outputs)[]) {
      data(b[key]).forEach((x, i) => expect(Math.abs(x - (data(a[key])[i] as number)), `${key}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(data(a[key])[i] as number))));
    }
    for (const r of [a, b]) expect(data(r.masked).slice(dv, 2 * dv)).toEqual([0, 0, 0]);
  });

  it("refuses masks that do not broadcast, non-bool masks, mismatched feature sizes", () => {
    expect(() => gg.nn.dotProductAttention(q, k, v, { mask: gg.input("m", [3, 3], "bool") })).toThrow("nn.dotProductAttention: mask [3,3] does not broadcast to the scores [..., seqQ, seqK] = [2,3,4]");
    expect(() => gg.nn.dotProductAttention(q, k, v, { mask: gg.input("m", [2, 2, 3, 4], "bool") })).toThrow(/does not broadcast/);
    expect(() => gg.nn.dotProductAttention(q, k, v, { mask: gg.input("m", [3, 4]) })).toThrow("nn.dotProductAttention: mask must be bool, got float32");
    expect(() => gg.nn.dotProductAttention(q, k, v, { mask: [[true]] as never })).toThrow(/^nn\.dotProductAttention: options\.mask must be an Expr/);
    expect(() => gg.nn.dotProductAttention(q, k, v, { scale: Number.NaN })).toThrow(/^nn\.dotProductAttention: options\.scale must be a finite number, got NaN/);
    expect(() => gg.nn.dotProductAttention(q, gg.input("k32", [batch, sk, d]), v)).toThrow("nn.dotProductAttention: q, k and v must have one dtype, got float64, float32 and float64");
    expect(() => gg.nn.dotProductAttention(q, gg.input("k2", [2, 4, 3], "float64"), v)).toThrow(/same feature size/);
  });
});

describe("multi-head attention", () => {
  it("equals per-head attention of the projections, heads concatenated, then wo (plain loops, float64)", async () => {
    const [batch, seq, dim, heads] = [2, 3, 4, 2];
    const p = gg.nn.multiHeadAttentionParams(gg.nn.scope("mha"), { dim, heads, dtype: "float64" });
    expect(p.specs.map((s) => s.name)).toEqual(["mha/wq", "mha/bq", "mha/wk", "mha/bk", "mha/wv", "mha/bv", "mha/wo", "mha/bo"]);
    const x = gg.input("x", [batch, seq, dim], "float64");
    const out = gg.nn.multiHeadAttention(x, p, { causal: true });
    const values = await gg.init.values(p.specs, gg.random.key(4));
    // Non-zero biases, so that they are checked too.
    for (const b of ["mha/bq", "mha/bk", "mha/bv", "mha/bo"]) values[b] = f64([dim], [0.1, -0.2, 0.3, 0.05]);
    const xs = Array.from({ length: batch * seq * dim }, (_, i) => Math.sin(1.7 * i));
    const r = await gg.evaluate(out, { x: f64([batch, seq, dim], xs), ...values });
    const w = (name: string): number[][] => rows(data(values[name]), dim);
    const b = (name: string): number[] => data(values[name]);
    const proj = (m: number[][], wn: string, bn: string): number[][] => m.map((row) => b(bn).map((bj, j) => row.reduce((a, xv, i) => a + xv * ((w(wn)[i] as number[])[j] as number), bj)));
    const want: number[] = [];
    const hd = dim / heads;
    for (let n = 0; n < batch; n++) {
      const xn = rows(xs.slice(n * seq * dim, (n + 1) * seq * dim), dim);
      const [qp, kp, vp] = [proj(xn, "mha/wq", "mha/bq"), proj(xn, "mha/wk", "mha/bk"), proj(xn, "mha/wv", "mha/bv")];
      const perHead = Array.from({ length: heads }, (_, h) => naiveAttention(qp.map((r) => r.slice(h * hd, (h + 1) * hd)), kp.map((r) => r.slice(h * hd, (h + 1) * hd)), vp.map((r) => r.slice(h * hd, (h + 1) * hd)), (i, j) => j <= i, 1 / Math.sqrt(hd)));
      const merged = Array.from({ length: seq }, (_, i) => perHead.flatMap((ph) => ph[i] as number[]));
      want.push(...proj(merged, "mha/wo", "mha/bo").flat());
    }
    closeTo(data(r), want, 1e-13);
  });

  it("cross-attention with a padding mask: gradients of the input, the context and every projection match finite differences", async () => {
    const vals = (n: number, s: number): number[] => Array.from({ length: n }, (_, i) => 0.8 * Math.sin(i * s + 0.4));
    const pad = gg.constant([[true, true, false], [true, false, false]], "bool").reshape([2, 1, 3]);
    await checkGrads(
      (x, ctx, wq, wk, wv, wo) => gg.nn.multiHeadAttention(x, { wq, wk, wv, wo, heads: 2, headDim: 2 }, { context: ctx, mask: pad }),
      [
        { shape: [2, 2, 3], values: vals(12, 1.1) },
        { shape: [2, 3, 2], values: vals(12, 0.6) },
        { shape: [3, 4], values: vals(12, 1.7) },
        { shape: [2, 4], values: vals(8, 2.3) },
        { shape: [2, 4], values: vals(8, 0.9) },
        { shape: [4, 3], values: vals(12, 1.3) },
      ],
    );
  });

  it("a query whose keys are all masked gets the output bias bo (zeros from every head), never NaN", async () => {
    const p = gg.nn.multiHeadAttentionParams("pad", { dim: 4, heads: 2, dtype: "float64" });
    const x = gg.input("x", [2, 3, 4], "float64");
    const keep = gg.constant([[true, true, false], [false, false, false]], "bool").reshape([2, 1, 3]);
    const values = await gg.init.values(p.specs, gg.random.key(7));
    const bo = [0.25, -0.5, 1, 2];
    const r = await gg.evaluate(gg.nn.multiHeadAttention(x, p, { mask: keep }), { x: f64([2, 3, 4], Array.from({ length: 24 }, (_, i) => Math.sin(i))), ...values, "pad/bo": f64([4], bo) });
    expect(data(r).slice(12)).toEqual([...bo, ...bo, ...bo]);
    expect(data(r).slice(0, 12).every(Number.isFinite)).toBe(true);
  });

  it("checks its configuration and inputs", () => {
    expect(() => gg.nn.multiHeadAttentionParams("m", { dim: 6, heads: 4 })).toThrow("nn.multiHeadAttentionParams: dim 6 is not a multiple of heads 4: pass config.headDim");
    expect(gg.nn.multiHeadAttentionParams("m", { dim: 6, heads: 4, headDim: 3 }).wq.shape).toEqual([6, 12]);
    const p = gg.nn.multiHeadAttentionParams("m", { dim: 4, heads: 2 });
    expect(() => gg.nn.multiHeadAttention(gg.input("x", [2, 3, 5]), p)).toThrow("nn.multiHeadAttention: wq must be [5, 4] (the features it projects; heads 2 · headDim 2 = 4), got [4,4]");
    expect(() => gg.nn.multiHeadAttention(gg.input("x", [2, 3, 4]), { ...p, bo: gg.input("bo", [3]) })).toThrow("nn.multiHeadAttention: bo must be [4] (the columns of wo), got [3]");
    expect(() => gg.nn.multiHeadAttention(gg.input("x", [2, 3, 4]), { ...p, heads: 4 })).toThrow(/^nn\.multiHeadAttention: wq must be \[4, 8\]/);
    expect(() => gg.nn.multiHeadAttention(gg.input("x", [2, 3, 4]), p, { mask: gg.input("m", [2, 4, 3], "bool") })).toThrow(/mask \[2,4,3\] does not broadcast to \[\.\.\., seqQ, seqK\] = \[2,3,3\]/);
  });
});

describe("positions", () => {
  it("sinusoidalPositions: sin on even columns, cos on odd ones, of pos/10000^(2i/dim), as the paper", async () => {
    const pe = await gg.evaluate(gg.nn.sinusoidalPositions(50, 6, { dtype: "float64" }));
    expect(pe.shape).toEqual([50, 6]);
    const want = Array.from({ length: 50 }, (_, pos) => [0, 1, 2, 3, 4, 5].map((c) => {
      const angle = pos / Math.pow(10000, (c - (c % 2)) / 6);
      return c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    })).flat();
    closeTo(data(pe), want, 1e-15);
    expect(data(pe).slice(0, 6)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(() => gg.nn.sinusoidalPositions(0, 4)).toThrow("nn.sinusoidalPositions: length must be an integer >= 1, got 0");
    expect(() => gg.nn.sinusoidalPositions(1e5, 1e4)).toThrow(/more than the 67108864 values/);
  });

  it("learned positions: rows offset..offset+length−1 of the table; out of range is an error", async () => {
    const p = gg.nn.positionalEmbeddingParams(gg.nn.scope("gpt").child("pos"), 8, 2);
    expect(p.specs.map((s) => s.name)).toEqual(["gpt/pos"]);
    const table = gg.constant(Array.from({ length: 8 }, (_, i) => [i, -i]));
    expect((await gg.evaluate(gg.nn.positionalEmbedding(table, 3, 2))).toArray()).toEqual([[2, -2], [3, -3], [4, -4]]);
    expect(() => gg.nn.positionalEmbedding(table, 4, 5)).toThrow("nn.positionalEmbedding: positions 5 to 8 are outside the table's 8 rows ([8,2])");
  });
});

describe("pre-norm Transformer block", () => {
  const [batch, seq, dim, heads, mlpDim] = [2, 3, 4, 2, 6];
  const p = gg.nn.transformerBlockParams(gg.nn.scope("enc").child("block1"), { dim, heads, mlpDim, dtype: "float64" });
  /** Every weight non-trivial (not the ones and zeros of the defaults), so that each is checked. */
  const weights = Object.fromEntries(p.specs.map((s, n) => [s.name, f64(s.shape, Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.6 * Math.sin(1.3 * i + n) + (s.name.endsWith("scale") ? 1 : 0)))]));
  const xs = Array.from({ length: batch * seq * dim }, (_, i) => 1.5 * Math.cos(0.9 * i));
  const x = gg.input("x", [batch, seq, dim], "float64");

  it("creates its parameters under the scope: norm1, attn, norm2, mlp/in, mlp/out", () => {
    expect(p.specs.map((s) => `${s.name} [${s.shape.join(",")}]`)).toEqual([
      "enc/block1/norm1/scale [4]", "enc/block1/norm1/offset [4]",
      "enc/block1/attn/wq [4,4]", "enc/block1/attn/bq [4]", "enc/block1/attn/wk [4,4]", "enc/block1/attn/bk [4]", "enc/block1/attn/wv [4,4]", "enc/block1/attn/bv [4]", "enc/block1/attn/wo [4,4]", "enc/block1/attn/bo [4]",
      "enc/block1/norm2/scale [4]", "enc/block1/norm2/offset [4]",
      "enc/block1/mlp/in/kernel [4,6]", "enc/block1/mlp/in/bias [6]", "enc/block1/mlp/out/kernel [6,4]", "enc/block1/mlp/out/bias [4]",
    ]);
  });

  it("is h = x + attention(layerNorm(x)), y = h + mlp(layerNorm(h)) (plain loops, float64, causal, GELU's tanh form)", async () => {
    const r = await gg.evaluate(gg.nn.transformerBlock(x, p, { causal: true, approximateGelu: true }), { x: f64([batch, seq, dim], xs), ...weights });
    const w = (name: string): number[] => data(weights[`enc/block1/${name}`]);
    const ln = (m: number[][], prefix: string): number[][] => m.map((row) => {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const sd = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length + 1e-5);
      return row.map((v, j) => ((v - mean) / sd) * (w(`${prefix}/scale`)[j] as number) + (w(`${prefix}/offset`)[j] as number));
    });
    const affine = (m: number[][], kernel: string, bias: string): number[][] => {
      const [kw, bw] = [w(kernel), w(bias)];
      return m.map((row) => bw.map((bj, j) => row.reduce((a, v, i) => a + v * (kw[i * bw.length + j] as number), bj)));
    };
    const gelu = (z: number): number => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    const plus = (a: number[][], b: number[][]): number[][] => a.map((row, i) => row.map((v, j) => v + ((b[i] as number[])[j] as number)));
    const hd = dim / heads;
    const want: number[] = [];
    for (let n = 0; n < batch; n++) {
      const xn = rows(xs.slice(n * seq * dim, (n + 1) * seq * dim), dim);
      const normed = ln(xn, "norm1");
      const [qp, kp, vp] = [affine(normed, "attn/wq", "attn/bq"), affine(normed, "attn/wk", "attn/bk"), affine(normed, "attn/wv", "attn/bv")];
      const head = (m: number[][], h: number): number[][] => m.map((row) => row.slice(h * hd, (h + 1) * hd));
      const perHead = Array.from({ length: heads }, (_, h) => naiveAttention(head(qp, h), head(kp, h), head(vp, h), (i, j) => j <= i, 1 / Math.sqrt(hd)));
      const merged = Array.from({ length: seq }, (_, i) => perHead.flatMap((ph) => ph[i] as number[]));
      const h = plus(xn, affine(merged, "attn/wo", "attn/bo"));
      const hidden = affine(ln(h, "norm2"), "mlp/in/kernel", "mlp/in/bias").map((row) => row.map(gelu));
      want.push(...plus(h, affine(hidden, "mlp/out/kernel", "mlp/out/bias")).flat());
    }
    closeTo(data(r), want, 1e-13);
  });

  it("causal: changing the last position leaves the outputs at the others bit for bit unchanged", async () => {
    const y = gg.nn.transformerBlock(x, p, { causal: true });
    const changed = xs.map((v, i) => (Math.floor(i / dim) % seq === seq - 1 ? v + 3 : v));
    const [a, b] = [await gg.evaluate(y, { x: f64([batch, seq, dim], xs), ...weights }), await gg.evaluate(y, { x: f64([batch, seq, dim], changed), ...weights })];
    const earlier = (t: gg.Tensor): number[] => data(t).filter((_, i) => Math.floor(i / dim) % seq !== seq - 1);
    expect(earlier(b)).toEqual(earlier(a));
    expect(data(b)).not.toEqual(data(a));
  });

  it("dropout: none when not training, the same mask for the same key, another for another key", async () => {
    const withKey = (key: gg.Expr, training = true): gg.Expr => gg.nn.transformerBlock(x, p, { dropout: { rate: 0.5, key, training } });
    const outputs = { plain: gg.nn.transformerBlock(x, p), off: withKey(gg.random.key(1), false), k1: withKey(gg.random.key(1)), again: withKey(gg.random.key(1)), k2: withKey(gg.random.key(2)) };
    const r = await gg.evaluate(outputs, { x: f64([batch, seq, dim], xs), ...weights });
    expect(data(r.off)).toEqual(data(r.plain));
    expect(data(r.again)).toEqual(data(r.k1));
    expect(data(r.k1)).not.toEqual(data(r.plain));
    expect(data(r.k2)).not.toEqual(data(r.k1));
    expect(() => gg.nn.transformerBlock(x, p, { dropout: { rate: 0.5 } })).toThrow(/^nn\.dropout: .*key/);
  });

  it("gradients of the input and every weight match finite differences (float64, a padding mask, exact GELU)", async () => {
    const names = p.specs.map((s) => s.name);
    const pad = gg.constant([[true, true, false], [true, false, true]], "bool").reshape([batch, 1, seq]);
    await checkGrads(
      (xe, ...ws) => {
        const byName = (name: string): gg.Expr => ws[names.indexOf(`enc/block1/${name}`)] as gg.Expr;
        const attn = { wq: byName("attn/wq"), bq: byName("attn/bq"), wk: byName("attn/wk"), bk: byName("attn/bk"), wv: byName("attn/wv"), bv: byName("attn/bv"), wo: byName("attn/wo"), bo: byName("attn/bo"), heads, headDim: dim / heads };
        const block = {
          norm1: { scale: byName("norm1/scale"), offset: byName("norm1/offset") },
          attn,
          norm2: { scale: byName("norm2/scale"), offset: byName("norm2/offset") },
          mlpIn: { kernel: byName("mlp/in/kernel"), bias: byName("mlp/in/bias") },
          mlpOut: { kernel: byName("mlp/out/kernel"), bias: byName("mlp/out/bias") },
        };
        return gg.nn.transformerBlock(xe, block, { mask: pad });
      },
      [{ shape: [batch, seq, dim], values: xs }, ...p.specs.map((s) => ({ shape: s.shape, values: data(weights[s.name]) }))],
    );
  });

  it("WASM matches the JS reference (float32): the causal block and the gradients of its weights", async () => {
    const p32 = gg.nn.transformerBlockParams("tb32", { dim, heads, mlpDim });
    const x32 = gg.input("x", [batch, seq, dim]);
    const y = gg.nn.transformerBlock(x32, p32, { causal: true });
    const grads = gg.grad(gg.sum(gg.square(y)), [p32.attn.wq, p32.norm1.scale as gg.Expr, p32.mlpIn.kernel]);
    const outputs = { y, gq: grads[0] as gg.Expr, gs: grads[1] as gg.Expr, gm: grads[2] as gg.Expr };
    const feeds = { x: gg.tensorFrom(Float32Array.from(xs), "float32", [batch, seq, dim]), ...(await gg.init.values(p32.specs, gg.random.key(3))) };
    const [a, b] = [await gg.evaluate(outputs, feeds), await gg.evaluate(outputs, feeds, { backend: "wasm" })];
    for (const key of Object.keys(outputs) as (keyof typeof outputs)[]) {
      const scale = Math.max(...data(a[key]).map(Math.abs));
      data(b[key]).forEach((v, i) => expect(Math.abs(v - (data(a[key])[i] as number)), `${key}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + scale)));
    }
  });
});
