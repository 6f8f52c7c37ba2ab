import { Dataset, dataset } from "./dataset.js";
import { permutation } from "./permutation.js";
import { sliceRows, gatherRows } from "./rows.js";
export {
  Dataset,
  dataset,
  gatherRows,
  permutation,
  sliceRows
};
