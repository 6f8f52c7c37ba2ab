import { fileURLToPath } from "node:url";
import { readNumericCsv, selectColumns } from "./csv.js";
import { type Matrix, matrix } from "./matrix.js";

/**
 * `dot.csv` (beside this module), the data of the 2-11-1 MLP example: 300 points (x1, x2) with a
 * 0/1 class y_c. Provenance: x1, x2 = `numpy.random.RandomState(2).randn(300, 2)`, written with 9
 * decimals; y_c = 1 where x1² + x2² < 2 (inside the circle of radius √2), else 0.
 * test/examples/dot.test.ts regenerates it that way and compares.
 */
export const DOT_CSV = fileURLToPath(new URL("./dot.csv", import.meta.url));

export interface DotData {
  /** [300, 2]: x1, x2. */
  readonly x: Matrix;
  /** [300, 1]: y_c as float32 (the labels are cast to float32 for the MSE). */
  readonly y: Matrix;
}

export function readDot(path: string = DOT_CSV): DotData {
  const csv = readNumericCsv(path);
  const xs = selectColumns(csv, ["x1", "x2"]);
  const ys = selectColumns(csv, ["y_c"]);
  return { x: matrix(xs.length, 2, xs.flat()), y: matrix(ys.length, 1, ys.flat()) };
}
