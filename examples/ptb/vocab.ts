/**
 * A word vocabulary as the PTB reader builds it (`reader._build_vocab`): words ranked by
 * (count descending, word ascending), ids 0, 1, 2, ... in that order. "Word ascending" compares
 * UTF-16 code units (JS `<`), which is Python's code-point order for every word outside the
 * astral planes (all of the Brown corpus is ASCII).
 */
export interface Vocab {
  /** The words in id order: `words[id]`. */
  readonly words: readonly string[];
  /** The id of each word. */
  readonly idOf: ReadonlyMap<string, number>;
}

export const UNK = "<unk>";
export const EOS = "<eos>";

/** Word counts, in first-seen order. */
export function countWords(words: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** The words of `counts` sorted by (count descending, word ascending): `sorted(counter.items(), key=lambda x: (-x[1], x[0]))`. */
export function rankByCount(counts: ReadonlyMap<string, number>): string[] {
  return [...counts.entries()]
    .sort(([wa, ca], [wb, cb]) => (ca !== cb ? cb - ca : wa < wb ? -1 : wa > wb ? 1 : 0))
    .map(([w]) => w);
}

/** A vocabulary whose ids follow `words`' order. */
export function vocabOf(words: readonly string[]): Vocab {
  const idOf = new Map<string, number>();
  words.forEach((w, i) => {
    if (idOf.has(w)) throw new Error(`vocab: '${w}' appears twice`);
    idOf.set(w, i);
  });
  return { words, idOf };
}
