import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type ColumnLike, Dataset, dataset } from "../data/dataset.js";
import { permutation } from "../data/permutation.js";

/** Training or evaluation data: a Dataset, or columns by input name (nested arrays or tensors). */
export type DataLike = Dataset | Readonly<Record<string, ColumnLike>>;

/** A validation set: data, or a fraction of the training data (tflearn's `validation_set=0.1`). */
export type ValidationData = number | DataLike;

/** The stream of the validation split's permutation (distinct from the epochs' shuffles, streams 1, 2, ...). */
export const VALIDATION_STREAM = 0x7fffffff;

/** Columns as a Dataset, nested arrays converted to the dtypes of the inputs they feed. */
export function toDataset(data: DataLike, dtypes: Readonly<Record<string, DType>>, where: string): Dataset {
  if (data instanceof Dataset) return data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new GraphgradError("regression", `${where} must be a Dataset or a record of columns by input name`);
  }
  const own: Record<string, DType> = {};
  for (const name of Object.keys(data)) if (dtypes[name] !== undefined) own[name] = dtypes[name];
  return dataset(data, { dtypes: own });
}

/** Every required column is present (extra columns are allowed and ignored). */
export function checkColumns(d: Dataset, required: readonly string[], where: string): void {
  const missing = required.filter((n) => !d.names.includes(n));
  if (missing.length > 0) {
    throw new GraphgradError("regression", `${where} has no column ${missing.map((n) => `'${n}'`).join(", ")} (columns: ${d.names.join(", ")}; needed: ${required.join(", ")})`);
  }
}

/**
 * tflearn's validation split: the rows in a seeded random order, the first ⌊n·(1 − fraction)⌋
 * to train and the rest to validate.
 */
export function splitValidation(d: Dataset, fraction: number, seed: number): [Dataset, Dataset] {
  if (!(fraction > 0 && fraction < 1)) throw new GraphgradError("regression", `a validation fraction must be in (0, 1), got ${fraction}`);
  const order = permutation(d.size, seed, VALIDATION_STREAM);
  const cut = Math.floor(d.size * (1 - fraction));
  if (cut === 0 || cut === d.size) throw new GraphgradError("regression", `a validation fraction of ${fraction} of ${d.size} rows leaves an empty ${cut === 0 ? "training" : "validation"} set`);
  return [d.select(order.subarray(0, cut)), d.select(order.subarray(cut))];
}
