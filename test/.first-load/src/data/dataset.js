import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { Tensor, tensorFrom } from "../../ir/tensor.js";
import { permutation } from "./permutation.js";
import { gatherRows, sliceRows } from "./rows.js";
class Dataset {
  columns;
  /** The number of rows. */
  size;
  constructor(columns) {
    const names = Object.keys(columns);
    if (names.length === 0) throw new GraphgradError("data", "a dataset needs at least one column");
    let size;
    let first = "";
    for (const name of names) {
      const t = columns[name];
      if (!(t instanceof Tensor)) throw new GraphgradError("data", `column '${name}' is not a Tensor`);
      if (t.rank === 0) throw new GraphgradError("data", `column '${name}' is a scalar: columns need a leading (row) axis`);
      const rows = t.shape[0];
      if (size === void 0) [size, first] = [rows, name];
      else if (rows !== size) {
        throw new GraphgradError("data", `columns differ in their number of rows: '${first}' has ${size}, '${name}' has ${rows} (${t.dtype}${formatShape(t.shape)})`);
      }
    }
    this.columns = Object.freeze({ ...columns });
    this.size = size ?? 0;
    Object.freeze(this);
  }
  get names() {
    return Object.keys(this.columns);
  }
  column(name) {
    const t = this.columns[name];
    if (t === void 0) throw new GraphgradError("data", `no column '${name}' (columns: ${this.names.join(", ")})`);
    return t;
  }
  /** Rows [start, end) (views, no copy). */
  slice(start, end = this.size) {
    const s = clampIndex(start, this.size);
    const e = Math.max(s, clampIndex(end, this.size));
    return this.mapColumns((t) => sliceRows(t, s, e));
  }
  /** The first n rows. */
  take(n) {
    checkCount(n, "take");
    return this.slice(0, n);
  }
  /** All but the first n rows. */
  skip(n) {
    checkCount(n, "skip");
    return this.slice(n);
  }
  /**
   * Two datasets: the first rows and the rest. `at` in (0, 1) is a fraction (the first part gets
   * floor(at·size) rows); an integer is a row count.
   */
  split(at) {
    let n;
    if (at > 0 && at < 1) n = Math.floor(at * this.size);
    else if (Number.isInteger(at) && at >= 0 && at <= this.size) n = at;
    else throw new GraphgradError("data.split", `expected a fraction in (0, 1) or a row count in [0, ${this.size}], got ${at}`);
    return [this.slice(0, n), this.slice(n)];
  }
  /** The rows at `indices`, in that order (copied). */
  select(indices) {
    return this.mapColumns((t) => gatherRows(t, indices));
  }
  /** The rows in a seeded random order (a permutation: every row exactly once). */
  shuffle(seed, stream = 0) {
    return this.select(permutation(this.size, seed, stream));
  }
  /** How many batches `batches(batchSize, { dropRemainder })` yields. */
  numBatches(batchSize, dropRemainder = false) {
    checkBatchSize(batchSize);
    return dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }
  /**
   * Mini-batches of `batchSize` rows. In order, each batch is a view; shuffled, each batch gathers
   * its rows (the dataset itself is never copied whole).
   */
  *batches(batchSize, options = {}) {
    const count = this.numBatches(batchSize, options.dropRemainder === true);
    const order = options.shuffle === void 0 ? void 0 : permutation(this.size, options.shuffle.seed, options.shuffle.stream ?? 0);
    for (let b = options.from ?? 0; b < count; b++) {
      const start = b * batchSize;
      const end = Math.min(start + batchSize, this.size);
      const out = {};
      for (const [name, t] of Object.entries(this.columns)) {
        out[name] = order === void 0 ? sliceRows(t, start, end) : gatherRows(t, order.subarray(start, end));
      }
      yield Object.freeze(out);
    }
  }
  mapColumns(f) {
    const out = {};
    for (const [name, t] of Object.entries(this.columns)) out[name] = f(t);
    return new Dataset(out);
  }
}
function dataset(columns, options = {}) {
  const out = {};
  for (const [name, v] of Object.entries(columns)) {
    const dtype = options.dtypes?.[name];
    if (v instanceof Tensor) {
      if (dtype !== void 0 && dtype !== v.dtype) throw new GraphgradError("data", `column '${name}' is ${v.dtype}, dtypes says ${dtype}`);
      out[name] = v;
    } else out[name] = tensorFrom(v, dtype ?? "float32", void 0, `data column '${name}'`);
  }
  return new Dataset(out);
}
function clampIndex(i, size) {
  if (!Number.isInteger(i)) throw new GraphgradError("data.slice", `row indices must be integers, got ${i}`);
  return Math.min(Math.max(i < 0 ? size + i : i, 0), size);
}
function checkCount(n, what) {
  if (!Number.isInteger(n) || n < 0) throw new GraphgradError(`data.${what}`, `expected a non-negative integer, got ${n}`);
}
function checkBatchSize(batchSize) {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new GraphgradError("data", `the batch size must be a positive integer, got ${batchSize}`);
}
export {
  Dataset,
  checkBatchSize,
  dataset
};
