import { brownCorpusDir, readCorpus, type Sentences, splitSentences } from "../ptb/brown.js";

/**
 * The Brown corpus as character data: the sentences of the PTB example's preprocessing
 * (`examples/ptb/brown.ts`: the 500 files `ca01`–`cr09` in name order, each word the text before
 * a token's last '/', lowercased, punctuation kept; split 80/10/10 by sentence in corpus order),
 * but every word kept (no `<unk>`): each sentence is its words joined by single spaces, followed
 * by a newline. The vocabulary is the distinct characters of the training text in code-point
 * order (59 of them: `\n`, space, punctuation, digits, a–z).
 */
export interface CharData {
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
  readonly vocab: CharVocab;
}

export interface CharVocab {
  /** The characters, in id order. */
  readonly chars: readonly string[];
  readonly idOf: ReadonlyMap<string, number>;
}

/** A sentence per line, words separated by single spaces. */
export function sentencesText(sentences: Sentences): string {
  return sentences.map((s) => `${s.join(" ")}\n`).join("");
}

/** The distinct characters of `text` (UTF-16 code units; the corpus is ASCII) in code-point order. */
export function charVocab(text: string): CharVocab {
  const chars = [...new Set(text)].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
  return { chars, idOf: new Map(chars.map((c, i) => [c, i])) };
}

/** The ids of `text`'s characters; a character outside the vocabulary is an error (none is, in Brown). */
export function encode(text: string, vocab: CharVocab): Int32Array {
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const id = vocab.idOf.get(text[i] as string);
    if (id === undefined) throw new Error(`char data: character ${JSON.stringify(text[i])} at ${i} is not in the training text's vocabulary`);
    ids[i] = id;
  }
  return ids;
}

export function decode(ids: ArrayLike<number>, vocab: CharVocab): string {
  return Array.from(ids, (id) => vocab.chars[id] ?? "\uFFFD").join("");
}

/** The Brown corpus's three splits as character ids (about 5.2 M / 418 k / 463 k characters; a few seconds). */
export function loadBrownChars(corpusDir: string = brownCorpusDir()): CharData {
  const splits = splitSentences(readCorpus(corpusDir));
  const train = sentencesText(splits.train);
  const vocab = charVocab(train);
  return { train: encode(train, vocab), valid: encode(sentencesText(splits.valid), vocab), test: encode(sentencesText(splits.test), vocab), vocab };
}
