import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRight } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { PtbData } from "./reader.js";
import { vocabOf, type Vocab } from "./vocab.js";

/**
 * A folder of preprocessed PTB-style data: `ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt` (for
 * `ptbRawData` and for people), `vocab.txt` (the words in id order, one a line), `ids.bin` (the
 * train, valid and test ids one after the other, int32 little-endian: reading it takes
 * milliseconds where parsing the text takes most of a second) and `meta.json` (what produced
 * them, and the lengths). The files
 * are written first and `meta.json` last, each to a temporary name and renamed, so a reader never
 * sees a half-written file, and an interrupted write leaves a folder that does not match its key.
 */
const CacheKeyCodec = t.type({
  corpus: t.string,
  corpusVersion: t.string,
  preprocessingVersion: t.number,
  vocabSize: t.number,
});
export type CacheKey = t.TypeOf<typeof CacheKeyCodec>;

const CacheMetaCodec = t.type({
  key: CacheKeyCodec,
  /** Lengths of the id sequences and of the vocabulary, checked on reading. */
  lengths: t.type({ train: t.number, valid: t.number, test: t.number, vocab: t.number }),
});
type CacheMeta = t.TypeOf<typeof CacheMetaCodec>;

const SPLITS = ["train", "valid", "test"] as const;
const META = "meta.json";
const VOCAB = "vocab.txt";
const IDS = "ids.bin";

function sameKey(a: CacheKey, b: CacheKey): boolean {
  return a.corpus === b.corpus && a.corpusVersion === b.corpusVersion && a.preprocessingVersion === b.preprocessingVersion && a.vocabSize === b.vocabSize;
}

/** The cached data if the folder holds a complete cache made under `key`; otherwise undefined. */
export function readPtbCache(dir: string, key: CacheKey): PtbData | undefined {
  let meta: CacheMeta;
  try {
    const decoded = CacheMetaCodec.decode(JSON.parse(readFileSync(join(dir, META), "utf8")));
    if (!isRight(decoded)) return undefined;
    meta = decoded.right;
  } catch {
    return undefined; // no cache yet, or an unreadable one: rebuild it
  }
  if (!sameKey(meta.key, key)) return undefined;
  try {
    const words = readFileSync(join(dir, VOCAB), "utf8").split("\n");
    if (words.pop() !== "") return undefined; // the file ends with a newline
    const vocab: Vocab = vocabOf(words);
    const { lengths } = meta;
    const ids = readInt32LE(readFileSync(join(dir, IDS)));
    if (lengths.vocab !== words.length || ids.length !== lengths.train + lengths.valid + lengths.test) return undefined;
    if (ids.some((id) => id < 0 || id >= words.length)) return undefined;
    const train = ids.slice(0, lengths.train);
    const valid = ids.slice(lengths.train, lengths.train + lengths.valid);
    const test = ids.slice(lengths.train + lengths.valid);
    return { train, valid, test, vocab };
  } catch {
    return undefined; // a missing or corrupt file: rebuild
  }
}

/** Writes the cache (see the module comment for the order that keeps it consistent). */
export function writePtbCache(dir: string, key: CacheKey, texts: Readonly<Record<(typeof SPLITS)[number], string>>, data: PtbData): void {
  mkdirSync(dir, { recursive: true });
  for (const s of SPLITS) writeAtomically(join(dir, `ptb.${s}.txt`), texts[s]);
  writeAtomically(join(dir, VOCAB), data.vocab.words.map((w) => `${w}\n`).join(""));
  writeAtomically(join(dir, IDS), int32LE([data.train, data.valid, data.test]));
  const meta: CacheMeta = { key, lengths: { train: data.train.length, valid: data.valid.length, test: data.test.length, vocab: data.vocab.words.length } };
  writeAtomically(join(dir, META), `${JSON.stringify(meta, null, 2)}\n`);
}

function int32LE(parts: readonly Int32Array[]): Uint8Array {
  const bytes = new Uint8Array(4 * parts.reduce((n, p) => n + p.length, 0));
  const view = new DataView(bytes.buffer);
  let k = 0;
  for (const p of parts) for (const id of p) view.setInt32(4 * k++, id, true);
  return bytes;
}

function readInt32LE(bytes: Uint8Array): Int32Array {
  if (bytes.length % 4 !== 0) throw new Error("ids.bin: not a whole number of int32");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids = new Int32Array(bytes.length / 4);
  for (let i = 0; i < ids.length; i++) ids[i] = view.getInt32(4 * i, true);
  return ids;
}

function writeAtomically(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
