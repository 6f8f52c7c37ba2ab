import * as gg from "../../src/index.js";
import type { CharVocab } from "./data.js";
import { decode, encode } from "./data.js";
import { type CharTransformerParams, charTransformerLogits } from "./model.js";

/** The inputs of the sampling graph. */
const CONTEXT = "context";
const POSITION = "position";
const KEY = "key";
const TEMPERATURE = "temperature";

export interface SampleOptions {
  /** The text the sample continues (at least one character of the vocabulary). */
  readonly prompt: string;
  /** Characters to generate. */
  readonly length: number;
  /** Logits are divided by it before sampling (> 0; smaller is more conservative). */
  readonly temperature: number;
  /** The sample is drawn with keys split from key(seed): the same seed gives the same text. */
  readonly seed: number;
  readonly backend?: gg.Backend | "wasm" | "js";
}

/**
 * The graph that draws the next character: the model's logits at `position` of a window
 * [1, contextLength] (later positions are ignored, the attention being causal), divided by the
 * temperature, and a draw from their softmax by the Gumbel-max trick, argmax(logits/τ + g) with
 * g = −log(−log(u)), u uniform from the step's key.
 */
export function nextCharGraph(params: CharTransformerParams, contextLength: number, vocabSize: number): gg.Expr {
  const context = gg.input(CONTEXT, [1, contextLength], "int32");
  const position = gg.input(POSITION, [1], "int32");
  const key = gg.input(KEY, [2], "int32");
  const temperature = gg.input(TEMPERATURE, [], "float32");
  const logits = gg.gather(gg.reshape(charTransformerLogits(params, context), [contextLength, vocabSize]), position); // [1, vocab]
  const gumbel = gg.neg(gg.log(gg.neg(gg.log(gg.random.uniform(key, [1, vocabSize])))));
  return gg.argmax(gg.add(gg.div(logits, temperature), gumbel), -1);
}

/** Continues `prompt` by `length` characters drawn from the model with parameter values `values`. */
export async function sampleText(params: CharTransformerParams, values: Readonly<Record<string, gg.Tensor>>, vocab: CharVocab, contextLength: number, options: SampleOptions): Promise<string> {
  const { prompt, length, temperature, seed, backend = "wasm" } = options;
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new Error(`sample: the temperature must be a positive number, got ${temperature}`);
  if (!(Number.isInteger(length) && length >= 1)) throw new Error(`sample: the length must be a positive integer, got ${length}`);
  const ids = Array.from(encode(prompt, vocab));
  if (ids.length === 0) throw new Error("sample: the prompt must hold at least one character");
  const exe = await gg.compile({ outputs: { next: nextCharGraph(params, contextLength, vocab.chars.length) } }, { backend });
  const keys = (await gg.evaluate(gg.random.splitRows(gg.random.key(seed), length))).data;
  const window = new Int32Array(contextLength);
  for (let i = 0; i < length; i++) {
    // The last contextLength characters, left-aligned; positions after the last one are never attended to.
    const start = Math.max(0, ids.length - contextLength);
    window.fill(0);
    window.set(ids.slice(start), 0);
    const out = await exe.run({
      ...values,
      [CONTEXT]: new gg.Tensor("int32", [1, contextLength], window.slice()),
      [POSITION]: new gg.Tensor("int32", [1], Int32Array.of(ids.length - start - 1)),
      [KEY]: new gg.Tensor("int32", [2], Int32Array.from(keys.subarray(2 * i, 2 * i + 2))),
      [TEMPERATURE]: temperature,
    });
    ids.push(out.next.data[0] as number);
  }
  return decode(ids.slice(ids.length - length), vocab);
}
