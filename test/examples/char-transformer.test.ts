import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CharTransformerConfig, FULL, TINY } from "../../examples/char-transformer/config.js";
import { charVocab, decode, encode, sentencesText } from "../../examples/char-transformer/data.js";
import { configOf, main, withSteps } from "../../examples/char-transformer/main.js";
import { charTransformerLogits, charTransformerParams } from "../../examples/char-transformer/model.js";
import { parseCharArgs } from "../../examples/char-transformer/options.js";
import { parseRunRecord } from "../../examples/char-transformer/record.js";
import { readFullRun } from "../../examples/reporting/sections/char-transformer.js";
import { sampleText } from "../../examples/char-transformer/sample.js";
import { decays, learningRate, trainCharTransformer } from "../../examples/char-transformer/train.js";
import { trainingWindows, windowBatch, windowCount } from "../../examples/char-transformer/windows.js";
import * as gg from "../../src/index.js";

/**
 * The character-level Transformer example on tiny configurations: its data, windows, model
 * (parameter names, causality), training, sampling and command line. The full run's figures are
 * in the README; the ONNX export is checked in char-transformer-onnx.test.ts.
 */

/** A text in which each character but the spaces determines the next: a model can learn it quickly. */
const CYCLE_TEXT = "abcdefgh ".repeat(400);
const cycleData = (() => {
  const vocab = charVocab(CYCLE_TEXT);
  const ids = encode(CYCLE_TEXT, vocab);
  return { train: ids, valid: ids.slice(5, 5 + 600), vocab };
})();

/** A small, fast configuration for these tests. */
const SMALL: CharTransformerConfig = { ...TINY, contextLength: 16, dim: 16, mlpDim: 32, heads: 2, layers: 1, batchSize: 8, steps: 40, warmupSteps: 4, peakLr: 1e-2, endLr: 1e-3, evalEvery: 20, validChars: 256 };

describe("char-transformer data", () => {
  it("the vocabulary is the training text's characters in code-point order; encode and decode are inverse; an unknown character is an error", () => {
    const v = charVocab("hello, world\n");
    expect(v.chars).toEqual(["\n", " ", ",", "d", "e", "h", "l", "o", "r", "w"]);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...v.chars), maxLength: 40 }), (s) => {
        expect(decode(encode(s, v), v)).toBe(s);
      }),
    );
    expect(() => encode("hi!", v)).toThrow('character "i" at 1');
    expect(sentencesText([["the", "cat", "."], ["a", "dog"]])).toBe("the cat .\na dog\n");
  });
});

describe("char-transformer windows", () => {
  it("windows tile the text: inputs ids[kT, kT+T), targets shifted by one, every character but the first a target once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1, max: 12 }), (length, T) => {
        const ids = Int32Array.from({ length }, (_, i) => i);
        const n = windowCount(length, T);
        expect(n).toBe(Math.floor((length - 1) / T));
        if (n === 0) return;
        const { x, y } = windowBatch(ids, Int32Array.from({ length: n }, (_, k) => k), T);
        expect(x.shape).toEqual([n, T]);
        expect(Array.from(x.data)).toEqual(Array.from({ length: n * T }, (_, i) => i));
        expect(Array.from(y.data)).toEqual(Array.from({ length: n * T }, (_, i) => i + 1));
      }),
    );
  });

  it("training batches visit every window once per epoch in a seeded order, the next epoch in another", () => {
    const windowsOf = trainingWindows(10, 3, 7);
    const epoch0 = [0, 1, 2].flatMap((s) => Array.from(windowsOf(s)));
    expect(new Set(epoch0).size).toBe(9); // 3 batches of 3, one window left out
    expect(epoch0.every((w) => w >= 0 && w < 10)).toBe(true);
    const epoch1 = [3, 4, 5].flatMap((s) => Array.from(windowsOf(s)));
    expect(epoch1).not.toEqual(epoch0);
    expect([0, 1, 2].flatMap((s) => Array.from(trainingWindows(10, 3, 7)(s)))).toEqual(epoch0);
    expect([0, 1, 2].flatMap((s) => Array.from(trainingWindows(10, 3, 8)(s)))).not.toEqual(epoch0);
    expect(() => trainingWindows(2, 3, 0)).toThrow("make no batch");
  });
});

describe("char-transformer model", () => {
  it("names its parameters by scope; two scopes give disjoint names; matrices but not embeddings are decayed", () => {
    const p = charTransformerParams(11, { ...SMALL, layers: 2, positions: "learned" });
    const names = p.specs.map((s) => s.name);
    expect(charTransformerParams(11, { ...SMALL, layers: 2, positions: "sinusoidal" }).specs.map((s) => s.name)).toEqual(names.filter((n) => n !== "charlm/positions"));
    expect(names).toEqual(expect.arrayContaining(["charlm/embed", "charlm/positions", "charlm/block0/attn/wq", "charlm/block1/mlp/out/kernel", "charlm/norm/scale", "charlm/head/kernel", "charlm/head/bias"]));
    expect(new Set(names).size).toBe(names.length);
    const other = charTransformerParams(11, SMALL, gg.nn.scope("other"));
    expect(other.specs.every((s) => s.name.startsWith("other/") && !names.includes(s.name))).toBe(true);
    expect(() => gg.nn.specsOf(p, charTransformerParams(11, SMALL))).toThrow("two parameters are named");
    expect(names.filter((n) => decays(n, p.specs.find((s) => s.name === n)?.shape ?? []))).toEqual(
      names.filter((n) => /\/(wq|wk|wv|wo|kernel)$/.test(n)),
    );
  });

  it("is causal: the logits at a position do not depend on later characters", async () => {
    const c = { ...SMALL, layers: 2, contextLength: 8 };
    const p = charTransformerParams(5, c);
    const values = await gg.init.values(p.specs, gg.random.key(1));
    const ids = gg.input("ids", [1, 8], "int32");
    const exe = await gg.compile({ outputs: { logits: charTransformerLogits(p, ids) } }, { backend: "js" });
    const run = async (chars: number[]) => (await exe.run({ ...values, ids: gg.tensorFrom([chars], "int32") })).logits.data;
    const a = await run([0, 1, 2, 3, 4, 0, 1, 2]);
    const b = await run([0, 1, 2, 3, 4, 4, 3, 3]); // positions 5-7 changed
    expect(Array.from(b.subarray(0, 5 * 5))).toEqual(Array.from(a.subarray(0, 5 * 5)));
    expect(Array.from(b.subarray(5 * 5))).not.toEqual(Array.from(a.subarray(5 * 5)));
  });
});

describe("char-transformer training and sampling", () => {
  it("learns a cyclic text on the WASM backend, the same numbers from the same seed; the sample continues the cycle", async () => {
    const r = await trainCharTransformer({ config: SMALL, data: cycleData });
    expect(r.steps.map((s) => s.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(r.validation.map((v) => v.step)).toEqual([20, 40]);
    // From log2(9) = 3.17 bits for a uniform guess to nearly certain (only a space's successor needs context).
    expect(r.steps[0]?.bits).toBeGreaterThan(2.9);
    expect(r.validation[1]?.bits).toBeLessThan(0.5);
    expect(r.steps[SMALL.warmupSteps]?.lr).toBeCloseTo(SMALL.peakLr, 6); // the step after warm-up ran at the peak
    const again = await trainCharTransformer({ config: SMALL, data: cycleData });
    expect(again.steps.map((s) => s.bits)).toEqual(r.steps.map((s) => s.bits));
    const text = await sampleText(r.params, r.state.params, cycleData.vocab, SMALL.contextLength, { prompt: "cde", length: 30, temperature: 0.5, seed: 3 });
    expect(text).toBe("fgh abcdefgh abcdefgh abcdefgh");
    const hot = (seed: number) => sampleText(r.params, r.state.params, cycleData.vocab, SMALL.contextLength, { prompt: "a", length: 40, temperature: 20, seed });
    const [h1, h2, h3] = await Promise.all([hot(1), hot(1), hot(2)]);
    expect(h1).toBe(h2); // the same key, the same text
    expect(h1).not.toBe(h3);
    await expect(sampleText(r.params, r.state.params, cycleData.vocab, SMALL.contextLength, { prompt: "a", length: 5, temperature: 0, seed: 1 })).rejects.toThrow("temperature");
    await expect(sampleText(r.params, r.state.params, cycleData.vocab, SMALL.contextLength, { prompt: "", length: 5, temperature: 1, seed: 1 })).rejects.toThrow("at least one");
  });

  it("with dropout: a key per step, the same losses from the same seed, other losses than without dropout", async () => {
    const c = { ...SMALL, dropout: 0.2, steps: 6, evalEvery: 6 };
    const [a, b, none] = await Promise.all([trainCharTransformer({ config: c, data: cycleData }), trainCharTransformer({ config: c, data: cycleData }), trainCharTransformer({ config: { ...c, dropout: 0 }, data: cycleData })]);
    expect(a.steps.map((s) => s.bits)).toEqual(b.steps.map((s) => s.bits));
    expect(a.steps[0]?.bits).not.toBe(none.steps[0]?.bits);
    expect(a.validation[0]?.bits).toBeGreaterThan(0);
  });

  it("the learning rate warms up linearly from 0 to the peak, then decays by a cosine to the end value", async () => {
    const lr = learningRate(FULL);
    const at = (s: number) => gg.schedules.valueAt(lr, s, { dtype: "float64" });
    expect(await at(0)).toBe(0);
    expect(await at(FULL.warmupSteps / 2)).toBeCloseTo(FULL.peakLr / 2, 12);
    expect(await at(FULL.warmupSteps)).toBeCloseTo(FULL.peakLr, 12);
    expect(await at((FULL.warmupSteps + FULL.steps) / 2)).toBeCloseTo((FULL.peakLr + FULL.endLr) / 2, 12);
    expect(await at(FULL.steps)).toBeCloseTo(FULL.endLr, 12);
  });
});

describe("the stored full run", () => {
  it("is a run of the full configuration that reached 2.5 bits per character or less, within 10 minutes", () => {
    const r = readFullRun();
    expect(r.config).toEqual(FULL);
    expect(r.trainBits).toHaveLength(FULL.steps);
    expect(r.validation.map((v) => v.step)).toEqual(Array.from({ length: FULL.steps / FULL.evalEvery }, (_, i) => (i + 1) * FULL.evalEvery));
    expect(r.validation.at(-1)?.bits).toBeLessThanOrEqual(2.5);
    expect(r.seconds).toBeLessThanOrEqual(600);
    expect(r.sample?.text.length).toBeGreaterThan(0);
  });
});

describe("npm run char-transformer", () => {
  it("parses its options and refuses bad ones with the usage", () => {
    const o = parseCharArgs(["--quick", "--steps", "7", "--temperature", "0.5", "--sample", "0"]);
    expect([o.quick, o.steps, o.temperature, o.sample, o.backend, o.prompt, o.summary]).toEqual([true, 7, 0.5, 0, "wasm", "the ", false]);
    expect(() => parseCharArgs(["--steps", "0"])).toThrow("--steps must be an integer in [1,");
    expect(() => parseCharArgs(["--temperature", "0"])).toThrow("--temperature must be a positive number");
    expect(() => parseCharArgs(["--backend", "gpu"])).toThrow("usage: npm run char-transformer");
    expect(() => parseCharArgs(["--nope"])).toThrow("usage: npm run char-transformer");
    expect(configOf({ quick: false, steps: undefined, seed: undefined })).toEqual(FULL);
    expect(withSteps(FULL, FULL.steps / 2)).toEqual({ ...FULL, steps: FULL.steps / 2, warmupSteps: FULL.warmupSteps / 2 });
    expect(configOf({ quick: true, steps: 3, seed: 9 })).toMatchObject({ steps: 3, warmupSteps: 1, evalEvery: 3, seed: 9 });
  });

  it("--quick trains the tiny configuration on Brown, prints the validation bits and a sample, and its JSON reads back", async () => {
    const lines: string[] = [];
    const record = await main(["--quick", "--steps", "6", "--sample", "12", "--summary"], (l) => lines.push(l));
    // The PTB example's sentences, split 80/10/10, as characters: 59 distinct.
    expect(lines[0]).toBe("Brown corpus as characters: 5,246,535 / 417,547 / 462,992 train / validation / test characters, 59 distinct");
    expect(record.vocabSize).toBe(59);
    const summary = lines.find((l) => l.startsWith("Parameter "));
    expect(summary).toMatch(/charlm\/block1\/attn\/wq +\[32,32\] +float32 +1,024/);
    expect(summary).toContain(`Total: ${record.parameterCount.toLocaleString("en")} parameters`);
    expect(lines.some((l) => /^Validation: \d\.\d{3} bits\/char after 6 steps/.test(l))).toBe(true);
    expect(record.sample?.text).toHaveLength(12);
    expect(record.trainBits).toHaveLength(6);
    expect(record.validation.map((v) => v.step)).toEqual([6]);
    // Six steps from the initial values: near the uniform guess over 59 characters (5.9 bits), not yet below the unigram entropy (4.3).
    expect(record.validation[0]?.bits).toBeGreaterThan(4.3);
    expect(record.validation[0]?.bits).toBeLessThan(6.5);
    expect(parseRunRecord(JSON.stringify(record))).toEqual(record);
    expect(() => parseRunRecord(JSON.stringify({ ...record, trainBits: "x" }))).toThrow("invalid field 'trainBits'");
  });
});
