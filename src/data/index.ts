/** Datasets and batching: `gg.data.dataset({ x, y })`, seeded shuffles, mini-batches. */
export { Dataset, dataset, type Batch, type BatchOptions, type ColumnLike } from "./dataset.js";
export { permutation } from "./permutation.js";
export { sliceRows, gatherRows } from "./rows.js";
