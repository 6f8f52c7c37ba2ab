import * as gg from "../../src/index.js";
import type { Rng } from "../data/prng.js";

/**
 * The reversal task: sequences of 3 to 5 digits (0-9), the target the same digits reversed.
 * Inputs are left-padded to 5 with the padding symbol 10, so the last digit always sits next to
 * the decoder; targets are right-padded with it, so "where the sequence ends" is learnt too:
 * 3 1 4 → input [10, 10, 3, 1, 4], target [4, 1, 3, 10, 10].
 */
export const DIGITS = 10;
export const PAD = 10;
/** The ten digits and the padding symbol. */
export const SYMBOLS = 11;
export const MIN_LENGTH = 3;
export const MAX_LENGTH = 5;

export type Sequence = readonly number[];

/** A random sequence: its length uniform in [3, 5], each digit uniform. */
export function randomSequence(rng: Rng): number[] {
  const length = MIN_LENGTH + Math.floor(rng() * (MAX_LENGTH - MIN_LENGTH + 1));
  return Array.from({ length }, () => Math.floor(rng() * DIGITS));
}

/** `n` distinct sequences, none of them in `exclude`. */
export function distinctSequences(n: number, rng: Rng, exclude: ReadonlySet<string> = new Set()): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < n) {
    const s = randomSequence(rng);
    const k = s.join("");
    if (seen.has(k) || exclude.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out;
}

/** int32 [n, 5]: each sequence left-padded with PAD. */
export function encodeInputs(seqs: readonly Sequence[]): gg.Tensor {
  const data = new Int32Array(seqs.length * MAX_LENGTH).fill(PAD);
  seqs.forEach((s, r) => s.forEach((d, i) => (data[r * MAX_LENGTH + MAX_LENGTH - s.length + i] = d)));
  return new gg.Tensor("int32", [seqs.length, MAX_LENGTH], data);
}

/** The target symbols of a sequence: its digits reversed, right-padded with PAD to length 5. */
export function reversedSymbols(s: Sequence): number[] {
  return [...s].reverse().concat(Array.from({ length: MAX_LENGTH - s.length }, () => PAD));
}

/** float32 [n, 5, 11]: the one-hot rows of the reversed, right-padded sequences. */
export function encodeTargets(seqs: readonly Sequence[]): gg.Tensor {
  const data = new Float32Array(seqs.length * MAX_LENGTH * SYMBOLS);
  seqs.forEach((s, r) => reversedSymbols(s).forEach((sym, t) => (data[(r * MAX_LENGTH + t) * SYMBOLS + sym] = 1)));
  return new gg.Tensor("float32", [seqs.length, MAX_LENGTH, SYMBOLS], data);
}

/** The symbols (argmax per position) of row r of outputs [n, 5, 11]. */
export function predictedSymbols(outputs: gg.Tensor, r: number): number[] {
  return Array.from({ length: MAX_LENGTH }, (_, t) => {
    const base = (r * MAX_LENGTH + t) * SYMBOLS;
    let best = 0;
    for (let k = 1; k < SYMBOLS; k++) if ((outputs.data[base + k] as number) > (outputs.data[base + best] as number)) best = k;
    return best;
  });
}

/** A symbol row as text: digits, and '_' for padding. */
export function showSymbols(symbols: readonly number[]): string {
  return symbols.map((s) => (s === PAD ? "_" : String(s))).join(" ");
}
