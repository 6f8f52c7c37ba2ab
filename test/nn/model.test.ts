import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";

/**
 * The model pattern of `gg.nn`: a model is a function of a scope that creates its parameters (named
 * by the path of scopes the code passes down) and returns their specs and how to apply them.
 * Checked: the names, two builds under two scopes, name clashes, names through trainStep and a
 * checkpoint, initial values from the specs and explicit keys.
 */

const [vocab, dim, heads, seq] = [7, 4, 2, 3];

/** A two-block causal Transformer language model, built under `scope`. */
function languageModel(scope: gg.nn.Scope) {
  const embed = gg.nn.embeddingParams(scope.child("embed"), vocab, dim);
  const pos = gg.nn.positionalEmbeddingParams(scope.child("pos"), seq, dim);
  const blocks = ["block1", "block2"].map((name) => gg.nn.transformerBlockParams(scope.child(name), { dim, heads, mlpDim: 8 }));
  const norm = gg.nn.layerNormParams(scope.child("norm"), dim);
  const head = gg.nn.denseParams(scope.child("head"), dim, vocab);
  const apply = (ids: gg.Expr): gg.Expr => {
    let h = gg.add(gg.nn.embedding(ids, embed.table), gg.nn.positionalEmbedding(pos.table, seq));
    for (const b of blocks) h = gg.nn.transformerBlock(h, b, { causal: true });
    return gg.nn.dense(gg.nn.layerNorm(h, norm), head);
  };
  return { specs: gg.nn.specsOf(embed, pos, ...blocks, norm, head), apply };
}

const names = (specs: readonly gg.nn.ParamSpec[]): string[] => specs.map((s) => s.name);

const scratch = mkdtempSync(path.join(tmpdir(), "gg-model-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("models under scopes", () => {
  it("a parameter's name is the path of scopes the code built it under", () => {
    const enc = gg.nn.scope("enc");
    expect(enc.child("block1").child("attn").name("wq")).toBe("enc/block1/attn/wq");
    expect(gg.nn.scope("a/b").child("c").path).toBe("a/b/c");
    const m = languageModel(enc);
    expect(names(m.specs)).toContain("enc/block1/attn/wq");
    expect(names(m.specs)).toContain("enc/block2/mlp/out/kernel");
    expect(names(m.specs).slice(0, 4)).toEqual(["enc/embed", "enc/pos", "enc/block1/norm1/scale", "enc/block1/norm1/offset"]);
    expect(names(m.specs)).toHaveLength(2 + 2 * 16 + 2 + 2);
    expect(new Set(names(m.specs)).size).toBe(m.specs.length);
    expect(() => enc.child("a/b")).toThrow(`nn.scope 'enc': a scope or parameter name must be a non-empty string without "/", got "a/b"`);
    expect(() => gg.nn.scope("x//y")).toThrow(/^nn\.scope: a scope or parameter name must be a non-empty string/);
  });

  it("the same model built under two scopes has disjoint parameters, and both run in one graph (an ensemble)", async () => {
    const [a, b] = [languageModel(gg.nn.scope("a")), languageModel(gg.nn.scope("b"))];
    expect(names(a.specs).filter((n) => names(b.specs).includes(n))).toEqual([]);
    expect(names(b.specs)).toEqual(names(a.specs).map((n) => n.replace(/^a\//, "b/")));
    const ids = gg.input("ids", [2, seq], "int32");
    const both = gg.add(a.apply(ids), b.apply(ids)); // an ensemble
    const specs = gg.nn.specsOf({ specs: a.specs }, { specs: b.specs });
    const values = await gg.init.values(specs, gg.random.key(0));
    const r = await gg.evaluate({ both, a: a.apply(ids), b: b.apply(ids) }, { ids: gg.tensorFrom([1, 2, 3, 4, 5, 6], "int32", [2, seq]), ...values });
    expect(Array.from((r["a"] as gg.Tensor).data)).not.toEqual(Array.from((r["b"] as gg.Tensor).data));
  });

  it("a name clash is a GraphgradError: in specsOf, in init.values, and in a graph whose two parameters of one name differ", async () => {
    const [first, again] = [languageModel(gg.nn.scope("m")), languageModel(gg.nn.scope("m"))];
    expect(() => gg.nn.specsOf({ specs: first.specs }, { specs: again.specs })).toThrow(
      "nn.specsOf: two parameters are named 'm/embed' (float32[7,4] and float32[7,4]): build each layer under a scope of its own (scope.child(name))",
    );
    expect(() => gg.nn.specsOf({ specs: first.specs }, { specs: first.specs })).not.toThrow(); // one spec listed twice is one parameter
    await expect(gg.init.values([...first.specs, ...again.specs], gg.random.key(0))).rejects.toThrow("init.values: parameter 'm/embed' is listed twice");
    const x = gg.input("x", [2, 3]);
    const y = gg.add(gg.sum(gg.nn.dense(x, gg.nn.denseParams(gg.nn.scope("d"), 3, 4))), gg.sum(gg.nn.dense(x, gg.nn.denseParams(gg.nn.scope("d"), 3, 5))));
    await expect(gg.compile({ outputs: { y } })).rejects.toThrow(/^input 'd\/kernel': two different inputs share this name: param float32\[3,\d\] and param float32\[3,\d\]/);
    expect(() => gg.nn.denseParams(3 as never, 2, 2)).toThrow("nn.denseParams: the prefix must be a string or a scope (gg.nn.scope), got number");
  });

  it("the names survive trainStep and a checkpoint: save, load, and the restored state trains on bit for bit", async () => {
    const m = languageModel(gg.nn.scope("lm"));
    const ids = gg.input("ids", [null, seq], "int32");
    const next = gg.input("next", [null, seq], "int32");
    const loss = gg.mean(gg.losses.sparseSoftmaxCrossEntropyWithLogits(next, m.apply(ids)));
    const step = await gg.trainStep({ loss, optimizer: gg.optim.adam({ lr: 0.05 }) });
    const initial = await step.init(await gg.init.values(m.specs, gg.random.key(1)));
    expect(Object.keys(initial.params).sort()).toEqual(names(m.specs).sort());
    const batch = { ids: [[1, 2, 3], [4, 5, 6]], next: [[2, 3, 4], [5, 6, 0]] };
    let state = initial;
    let first = Number.NaN;
    let metrics: Readonly<Record<string, number>> = {};
    for (let i = 0; i < 5; i++) {
      [state, metrics] = await step.run(state, batch);
      if (i === 0) first = metrics["loss"] as number;
    }
    expect(metrics["loss"] as number).toBeLessThan(first);
    expect(Object.keys(state.params).sort()).toEqual(names(m.specs).sort());
    const file = path.join(scratch, "lm.safetensors");
    await gg.checkpoint.save(file, state);
    expect(Object.keys((await gg.checkpoint.readTensors(file)).tensors)).toContain("param/lm/block2/attn/wq");
    const { state: restored } = await gg.checkpoint.load(file, initial);
    expect(Object.keys(restored.params).sort()).toEqual(names(m.specs).sort());
    for (const n of names(m.specs)) expect(Array.from(restored.params[n]?.data ?? [])).toEqual(Array.from(state.params[n]?.data ?? []));
    const [[fromSaved], [fromRestored]] = [await step.run(state, batch), await step.run(restored, batch)];
    for (const n of names(m.specs)) expect(Array.from(fromRestored.params[n]?.data ?? [])).toEqual(Array.from(fromSaved.params[n]?.data ?? []));
  });

  it("initial values come from the specs and an explicit key: spec i from key i of split(key, n); the same key gives the same values", async () => {
    const m = languageModel(gg.nn.scope("lm"));
    const key = gg.random.key(5);
    const [v1, v2, other] = [await gg.init.values(m.specs, key), await gg.init.values(m.specs, key), await gg.init.values(m.specs, gg.random.key(6))];
    const keys = gg.random.split(key, m.specs.length);
    for (const [i, s] of m.specs.entries()) {
      const want = await gg.init.value(s.init, keys[i] as gg.Expr, s.shape, s.dtype);
      expect(Array.from(v1[s.name]?.data ?? []), s.name).toEqual(Array.from(want.data));
      expect(Array.from(v2[s.name]?.data ?? [])).toEqual(Array.from(want.data));
    }
    expect(Array.from(other["lm/block1/attn/wq"]?.data ?? [])).not.toEqual(Array.from(v1["lm/block1/attn/wq"]?.data ?? []));
    expect(Array.from(v1["lm/block1/norm1/scale"]?.data ?? [])).toEqual([1, 1, 1, 1]);
    expect(Array.from(v1["lm/block1/attn/bq"]?.data ?? [])).toEqual([0, 0, 0, 0]);
    // Values follow the specs' order and the key, not the names: the model under another scope starts from the same values.
    const elsewhere = await gg.init.values(languageModel(gg.nn.scope("other")).specs, key);
    expect(Array.from(elsewhere["other/block2/mlp/in/kernel"]?.data ?? [])).toEqual(Array.from(v1["lm/block2/mlp/in/kernel"]?.data ?? []));
  });
});
