import { readFileSync } from "node:fs";
import { join } from "node:path";
import { countWords, EOS, rankByCount, type Vocab, vocabOf } from "./vocab.js";

/**
 * TensorFlow's PTB reader (`tensorflow/models/rnn/ptb/reader.py`, the seed's `reader`), transcribed:
 * `_read_words`, `_build_vocab`, `_file_to_word_ids`, `ptb_raw_data` and `ptb_iterator`.
 */

/**
 * `_read_words`: `f.read().replace("\n", "<eos>").split()`. The newline becomes `<eos>` in place,
 * so a line must start and end with a space (as PTB's ` the cat sat \n` lines do) for `<eos>` to
 * come out as a word of its own; `split()` splits on runs of whitespace.
 */
export function readWords(text: string): string[] {
  return text
    .replaceAll("\n", EOS)
    .split(/\s+/)
    .filter((w) => w !== "");
}

/** `_build_vocab`: every word of the training text, ranked by (count desc, word asc). */
export function buildVocab(trainText: string): Vocab {
  return vocabOf(rankByCount(countWords(readWords(trainText))));
}

/** `_file_to_word_ids`: the id of every word; a word outside the vocabulary is an error (the original reader's KeyError). */
export function textToWordIds(text: string, vocab: Vocab): Int32Array {
  return wordIds(readWords(text), vocab);
}

function wordIds(words: readonly string[], vocab: Vocab): Int32Array {
  const ids = new Int32Array(words.length);
  words.forEach((w, i) => {
    const id = vocab.idOf.get(w);
    if (id === undefined) throw new Error(`ptb reader: '${w}' is not in the vocabulary`);
    ids[i] = id;
  });
  return ids;
}

export interface PtbData {
  readonly train: Int32Array;
  readonly valid: Int32Array;
  readonly test: Int32Array;
  readonly vocab: Vocab;
}

/** `ptb_raw_data(data_path)`: `ptb.{train,valid,test}.txt` of a folder, the vocabulary built from the training file. */
export function ptbRawData(dataPath: string): PtbData {
  const text = (split: string): string => readFileSync(join(dataPath, `ptb.${split}.txt`), "utf8");
  const trainWords = readWords(text("train")); // read once for both the vocabulary and the ids
  const vocab = vocabOf(rankByCount(countWords(trainWords)));
  return { train: wordIds(trainWords, vocab), valid: textToWordIds(text("valid"), vocab), test: textToWordIds(text("test"), vocab), vocab };
}

/** One mini-batch: inputs and targets (the inputs shifted by one word), both row-major [batchSize, numSteps]. */
export interface PtbBatch {
  readonly x: Int32Array;
  readonly y: Int32Array;
}

/**
 * `epoch_size = (len(data) // batch_size - 1) // num_steps`: the number of batches `ptbIterator`
 * yields (the seed's `run_epoch` computes it the same way).
 */
export function ptbEpochSize(dataLength: number, batchSize: number, numSteps: number): number {
  return Math.floor((Math.floor(dataLength / batchSize) - 1) / numSteps);
}

/**
 * `ptb_iterator(raw_data, batch_size, num_steps)`: the data cut into `batch_size` contiguous rows
 * of `batch_len = len // batch_size` words (the tail dropped), then `epoch_size` windows of
 * `num_steps` columns; batch i is `x = data[:, i·n:(i+1)·n]`, `y = data[:, i·n+1:(i+1)·n+1]`.
 * Unlike the Python generator, which raises on the first `next()`, the error comes at the call;
 * and it also covers `len < batch_size`, where Python's `epoch_size` is −1 and it yields nothing.
 */
export function ptbIterator(data: Int32Array, batchSize: number, numSteps: number): Generator<PtbBatch, void, undefined> {
  for (const [name, v] of [["batchSize", batchSize], ["numSteps", numSteps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`ptbIterator: ${name} must be a positive integer, got ${v}`);
  }
  const epochSize = ptbEpochSize(data.length, batchSize, numSteps);
  if (epochSize <= 0) throw new Error(`ptbIterator: epoch_size == ${epochSize}, decrease batch_size or num_steps`);
  return batches(data, batchSize, numSteps, Math.floor(data.length / batchSize), epochSize);
}

function* batches(data: Int32Array, batchSize: number, numSteps: number, batchLen: number, epochSize: number): Generator<PtbBatch, void, undefined> {
  for (let i = 0; i < epochSize; i++) {
    const x = new Int32Array(batchSize * numSteps);
    const y = new Int32Array(batchSize * numSteps);
    for (let b = 0; b < batchSize; b++) {
      // Row b of the [batch_size, batch_len] matrix starts at raw index b·batch_len.
      const start = b * batchLen + i * numSteps;
      x.set(data.subarray(start, start + numSteps), b * numSteps);
      y.set(data.subarray(start + 1, start + numSteps + 1), b * numSteps);
    }
    yield { x, y };
  }
}
