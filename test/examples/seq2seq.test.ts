import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../examples/data/prng.js";
import { distinctSequences, encodeInputs, encodeTargets, MAX_LENGTH, PAD, predictedSymbols, reversedSymbols, showSymbols, SYMBOLS } from "../../examples/seq2seq/data.js";
import { parseSeq2SeqArgs, QUICK, run, type Seq2SeqResult } from "../../examples/seq2seq/reverse.js";
import * as gg from "../../src/index.js";

describe("the reversal data", () => {
  it("inputs are left-padded, targets the reversed digits right-padded, one-hot", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 5 }), (s) => {
        const x = encodeInputs([s]);
        expect(x.shape).toEqual([1, MAX_LENGTH]);
        expect(Array.from(x.data)).toEqual([...Array(MAX_LENGTH - s.length).fill(PAD), ...s]);
        const y = encodeTargets([s]);
        expect(y.shape).toEqual([1, MAX_LENGTH, SYMBOLS]);
        const want = reversedSymbols(s);
        expect(want).toEqual([...[...s].reverse(), ...Array(MAX_LENGTH - s.length).fill(PAD)]);
        expect(predictedSymbols(y, 0)).toEqual(want); // each row is one-hot at the target symbol
        expect(Array.from(y.data).reduce((a, b) => a + b, 0)).toBe(MAX_LENGTH);
      }),
      { numRuns: 50 },
    );
    expect(showSymbols([3, 1, 4, PAD, PAD])).toBe("3 1 4 _ _");
  });

  it("draws distinct sequences of length 3-5, none of them excluded", () => {
    const rng = mulberry32(9);
    const train = distinctSequences(400, rng);
    const keys = new Set(train.map((s) => s.join("")));
    expect(keys.size).toBe(400);
    expect(new Set(train.map((s) => s.length))).toEqual(new Set([3, 4, 5]));
    const test = distinctSequences(100, rng, keys);
    expect(test.some((s) => keys.has(s.join("")))).toBe(false);
  });

  it("parses its command line", () => {
    expect(parseSeq2SeqArgs(["--quick"]).config).toEqual(QUICK);
    expect(parseSeq2SeqArgs(["--epochs", "3", "--backend", "js"]).config?.epochs).toBe(3);
    expect(parseSeq2SeqArgs(["--backend", "js"]).backend).toMatchObject({ name: "js" });
    expect(() => parseSeq2SeqArgs(["--epochs", "0"])).toThrow(/--epochs must be a positive integer/);
    expect(() => parseSeq2SeqArgs(["--backend", "gpu"])).toThrow(/--backend must be wasm or js/);
  });
});

describe(`LSTM seq2seq reversal, quick configuration (${QUICK.epochs} epochs of ${QUICK.trainSize} sequences) on wasm`, () => {
  let r: Seq2SeqResult;
  const lines: string[] = [];
  beforeAll(async () => {
    r = await run({ config: QUICK, backend: gg.wasm(), log: (l) => lines.push(l) });
  }, 120_000);

  it("the training and held-out losses fall", () => {
    expect(r.backend).toBe("wasm");
    expect(r.history).toHaveLength(QUICK.epochs);
    const [first, last] = [r.history[0]!, r.history[QUICK.epochs - 1]!];
    expect(last.loss).toBeLessThan(0.9 * first.loss);
    expect(last.testLoss).toBeLessThan(0.9 * first.testLoss);
  });

  it("reverses held-out sequences far above chance", () => {
    // Chance, even knowing where the padding goes (the input shows the length): a position is
    // padding with probability (2 + 1 + 0)/15 = 0.2, else a digit guessed right 1 time in 10, so
    // 0.2 + 0.8·0.1 = 0.28 of positions; a whole sequence of length L is right with 10^−L, on
    // average (10^−3 + 10^−4 + 10^−5)/3 = 3.7e-4. After these few epochs the model gets about 70%
    // of positions and 9% of sequences; the bounds leave room for the run-to-run variation of
    // the last epoch (the held-out accuracy moves by several points from one epoch to the next).
    expect(r.tokenAccuracy).toBeGreaterThan(0.5);
    expect(r.sequenceAccuracy).toBeGreaterThan(0.03);
    expect(r.history[QUICK.epochs - 1]!.testAccuracy).toBeCloseTo(r.tokenAccuracy, 6);
  });

  it("prints the progress, a few reversals and the accuracy", () => {
    expect(lines.filter((l) => /^epoch +\d+\/\d+ +loss/.test(l))).toHaveLength(QUICK.epochs);
    expect(r.examples).toHaveLength(8);
    for (const e of r.examples) expect(lines.some((l) => l.includes(`→ ${e.predicted}`))).toBe(true);
    expect(lines.at(-1)).toMatch(/^sequence accuracy on 300 held-out sequences: \d+\.\d% \(length 3: .*per position: \d+\.\d%/);
  });
});
