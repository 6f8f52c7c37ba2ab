import fc from "fast-check";

/** A subset of the axes 0..rank−1 of a rank-`rank` tensor, in random order (what reductions take). */
export function axes(rank: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(rank).keys()]);
}

/** A permutation of 0..n−1 (what a transpose takes). */
export function permutation(n: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
}
