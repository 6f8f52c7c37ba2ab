import { fileURLToPath } from "node:url";
import { readNumericCsv, selectColumns } from "./csv.js";
import { type Matrix, matrix } from "./matrix.js";

/**
 * Seed 002's `dot.csv`: 300 points (x1, x2) with a 0/1 class y_c. The repository keeps its own
 * copy beside this module (examples/data/dot.csv) so that a clone is self-contained; the original
 * lives in the shared folder next to the repository (<repo>/../shared/data/dot.csv).
 */
export const DOT_CSV = fileURLToPath(new URL("./dot.csv", import.meta.url));
export const SHARED_DOT_CSV = fileURLToPath(new URL("../../../shared/data/dot.csv", import.meta.url));

export interface DotData {
  /** [300, 2]: x1, x2. */
  readonly x: Matrix;
  /** [300, 1]: y_c as float32 (the seed casts the labels to float32 for its MSE). */
  readonly y: Matrix;
}

export function readDot(path: string = DOT_CSV): DotData {
  const csv = readNumericCsv(path);
  const xs = selectColumns(csv, ["x1", "x2"]);
  const ys = selectColumns(csv, ["y_c"]);
  return { x: matrix(xs.length, 2, xs.flat()), y: matrix(ys.length, 1, ys.flat()) };
}
