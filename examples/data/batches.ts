/**
 * Mini-batching as `tf.data.Dataset.from_tensor_slices(...).batch(size)`: consecutive rows in
 * order, every batch `size` rows except a smaller last one (no rows dropped, no reshuffling).
 */
export interface BatchRange {
  readonly start: number;
  readonly end: number;
}

export function batchRanges(rows: number, size: number): BatchRange[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batchRanges: the batch size must be a positive integer, got ${size}`);
  const out: BatchRange[] = [];
  for (let start = 0; start < rows; start += size) out.push({ start, end: Math.min(start + size, rows) });
  return out;
}
