import type { DType } from "../../ir/dtype.js";
import { checkDtype, describe, isRecord } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import { type NestedArray, Tensor, tensorFrom } from "../../ir/tensor.js";
import { permutation } from "./permutation.js";
import { gatherRows, sliceRows } from "./rows.js";

/** One mini-batch: a tensor per column, each with the batch's rows. */
export type Batch = Readonly<Record<string, Tensor>>;

export interface BatchOptions {
  /** Drop the last batch when it has fewer than `batchSize` rows (default: keep it). */
  readonly dropRemainder?: boolean;
  /** Visit the rows in a seeded random order; `stream` (e.g. the epoch) picks an independent permutation. */
  readonly shuffle?: { readonly seed: number; readonly stream?: number };
  /** Start at this batch index (to resume an epoch part way through). */
  readonly from?: number;
}

/**
 * An in-memory dataset of named tensors that share their leading size (the rows). Immutable:
 * `take`, `skip`, `split`, `select` and `shuffle` return new datasets; contiguous ranges are views
 * on the same typed arrays, gathers copy rows.
 */
export class Dataset {
  readonly columns: Batch;
  /** The number of rows. */
  readonly size: number;

  constructor(columns: Readonly<Record<string, Tensor>>) {
    if (!isRecord(columns)) throw new GraphgradError("data", `the columns must be an object of named tensors, got ${describe(columns)}`);
    const names = Object.keys(columns);
    if (names.length === 0) throw new GraphgradError("data", "a dataset needs at least one column");
    let size: number | undefined;
    let first = "";
    for (const name of names) {
      const t = columns[name];
      if (!(t instanceof Tensor)) throw new GraphgradError("data", `column '${name}' is not a Tensor`);
      if (t.rank === 0) throw new GraphgradError("data", `column '${name}' is a scalar: columns need a leading (row) axis`);
      const rows = t.shape[0] as number;
      if (size === undefined) [size, first] = [rows, name];
      else if (rows !== size) {
        throw new GraphgradError("data", `columns differ in their number of rows: '${first}' has ${size}, '${name}' has ${rows} (${t.dtype}${formatShape(t.shape)})`);
      }
    }
    this.columns = Object.freeze({ ...columns });
    this.size = size ?? 0;
    Object.freeze(this);
  }

  get names(): readonly string[] {
    return Object.keys(this.columns);
  }

  column(name: string): Tensor {
    const t = this.columns[name];
    if (t === undefined) throw new GraphgradError("data", `no column '${name}' (columns: ${this.names.join(", ")})`);
    return t;
  }

  /** Rows [start, end) (views, no copy). */
  slice(start: number, end = this.size): Dataset {
    const s = clampIndex(start, this.size);
    const e = Math.max(s, clampIndex(end, this.size));
    return this.mapColumns((t) => sliceRows(t, s, e));
  }

  /** The first n rows. */
  take(n: number): Dataset {
    checkCount(n, "take");
    return this.slice(0, n);
  }

  /** All but the first n rows. */
  skip(n: number): Dataset {
    checkCount(n, "skip");
    return this.slice(n);
  }

  /**
   * Two datasets: the first rows and the rest. `at` in (0, 1) is a fraction (the first part gets
   * floor(at·size) rows); an integer is a row count.
   */
  split(at: number): [Dataset, Dataset] {
    let n: number;
    if (at > 0 && at < 1) n = Math.floor(at * this.size);
    else if (Number.isInteger(at) && at >= 0 && at <= this.size) n = at;
    else throw new GraphgradError("data.split", `expected a fraction in (0, 1) or a row count in [0, ${this.size}], got ${at}`);
    return [this.slice(0, n), this.slice(n)];
  }

  /** The rows at `indices`, in that order (copied). */
  select(indices: ArrayLike<number>): Dataset {
    return this.mapColumns((t) => gatherRows(t, indices));
  }

  /** The rows in a seeded random order (a permutation: every row exactly once). */
  shuffle(seed: number, stream = 0): Dataset {
    return this.select(permutation(this.size, seed, stream));
  }

  /** How many batches `batches(batchSize, { dropRemainder })` yields. */
  numBatches(batchSize: number, dropRemainder = false): number {
    checkBatchSize(batchSize);
    return dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /**
   * Mini-batches of `batchSize` rows. In order, each batch is a view; shuffled, each batch gathers
   * its rows (the dataset itself is never copied whole).
   */
  *batches(batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
    const count = this.numBatches(batchSize, options.dropRemainder === true);
    const order = options.shuffle === undefined ? undefined : permutation(this.size, options.shuffle.seed, options.shuffle.stream ?? 0);
    for (let b = options.from ?? 0; b < count; b++) {
      const start = b * batchSize;
      const end = Math.min(start + batchSize, this.size);
      const out: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(this.columns)) {
        out[name] = order === undefined ? sliceRows(t, start, end) : gatherRows(t, order.subarray(start, end));
      }
      yield Object.freeze(out);
    }
  }

  private mapColumns(f: (t: Tensor) => Tensor): Dataset {
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(this.columns)) out[name] = f(t);
    return new Dataset(out);
  }
}

/** Column data: a Tensor, or nested arrays (float32 unless `dtypes` says otherwise). */
export type ColumnLike = Tensor | NestedArray;

/** A dataset from named columns with the same number of rows. */
export function dataset(columns: Readonly<Record<string, ColumnLike>>, options: { readonly dtypes?: Readonly<Record<string, DType>> } = {}): Dataset {
  if (!isRecord(columns)) throw new GraphgradError("data", `the columns must be an object of named data, got ${describe(columns)}`);
  if (!isRecord(options) || (options.dtypes !== undefined && !isRecord(options.dtypes))) throw new GraphgradError("data", `the options must be { dtypes?: { column: dtype } }, got ${describe(options)}`);
  const out: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(columns)) {
    const dtype = options.dtypes?.[name] === undefined ? undefined : checkDtype(`data column '${name}'`, options.dtypes[name]);
    if (v instanceof Tensor) {
      if (dtype !== undefined && dtype !== v.dtype) throw new GraphgradError("data", `column '${name}' is ${v.dtype}, dtypes says ${dtype}`);
      out[name] = v;
    } else out[name] = tensorFrom(v, dtype ?? "float32", undefined, `data column '${name}'`);
  }
  return new Dataset(out);
}

function clampIndex(i: number, size: number): number {
  if (!Number.isSafeInteger(i)) throw new GraphgradError("data.slice", `row indices must be integers, got ${describe(i)}`);
  return Math.min(Math.max(i < 0 ? size + i : i, 0), size);
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new GraphgradError(`data.${what}`, `expected a non-negative integer, got ${describe(n)}`);
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new GraphgradError("data", `the batch size must be a positive integer, got ${describe(batchSize)}`);
}
