import { GraphgradError } from "../../ir/errors.js";
import { Dataset, dataset } from "../data/dataset.js";
import { permutation } from "../data/permutation.js";
const VALIDATION_STREAM = 2147483647;
function toDataset(data, dtypes, where) {
  if (data instanceof Dataset) return data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new GraphgradError("regression", `${where} must be a Dataset or a record of columns by input name`);
  }
  const own = {};
  for (const name of Object.keys(data)) if (dtypes[name] !== void 0) own[name] = dtypes[name];
  return dataset(data, { dtypes: own });
}
function checkColumns(d, required, where) {
  const missing = required.filter((n) => !d.names.includes(n));
  if (missing.length > 0) {
    throw new GraphgradError("regression", `${where} has no column ${missing.map((n) => `'${n}'`).join(", ")} (columns: ${d.names.join(", ")}; needed: ${required.join(", ")})`);
  }
}
function splitValidation(d, fraction, seed) {
  if (!(fraction > 0 && fraction < 1)) throw new GraphgradError("regression", `a validation fraction must be in (0, 1), got ${fraction}`);
  const order = permutation(d.size, seed, VALIDATION_STREAM);
  const cut = Math.floor(d.size * (1 - fraction));
  if (cut === 0 || cut === d.size) throw new GraphgradError("regression", `a validation fraction of ${fraction} of ${d.size} rows leaves an empty ${cut === 0 ? "training" : "validation"} set`);
  return [d.select(order.subarray(0, cut)), d.select(order.subarray(cut))];
}
export {
  VALIDATION_STREAM,
  checkColumns,
  splitValidation,
  toDataset
};
