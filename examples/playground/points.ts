import { parseNumericCsv, selectColumns } from "../data/csv.js";
import { matrix } from "../data/matrix.js";
import type { DotPoints } from "./trainer.js";

/** The dot data set from the text of dot.csv (columns x1, x2, y_c), as the page gets it bundled. */
export function dotPointsFromCsv(text: string): DotPoints {
  const csv = parseNumericCsv(text, "dot.csv");
  const xs = selectColumns(csv, ["x1", "x2"]);
  const ys = selectColumns(csv, ["y_c"]);
  return { x: matrix(xs.length, 2, xs.flat()), y: matrix(ys.length, 1, ys.flat()) };
}
