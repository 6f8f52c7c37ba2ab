import * as gg from "../../src/index.js";

/**
 * Windows of a character sequence: window k is ids[k·T, k·T + T) as input and the same positions
 * shifted by one, ids[k·T + 1, k·T + T + 1), as targets (T = the context length), so the windows
 * tile the text and every character but the first is a target exactly once.
 */
export function windowCount(length: number, contextLength: number): number {
  return Math.max(0, Math.floor((length - 1) / contextLength));
}

/** The input and target ids [windows.length, T] of the given windows. */
export function windowBatch(ids: Int32Array, windows: ArrayLike<number>, contextLength: number): { readonly x: gg.Tensor; readonly y: gg.Tensor } {
  const n = windows.length;
  const x = new Int32Array(n * contextLength);
  const y = new Int32Array(n * contextLength);
  for (let b = 0; b < n; b++) {
    const start = (windows[b] as number) * contextLength;
    x.set(ids.subarray(start, start + contextLength), b * contextLength);
    y.set(ids.subarray(start + 1, start + 1 + contextLength), b * contextLength);
  }
  return { x: new gg.Tensor("int32", [n, contextLength], x), y: new gg.Tensor("int32", [n, contextLength], y) };
}

/**
 * The training order: the windows of the text in a seeded random order (`gg.data.permutation`
 * with stream e for epoch e), `batchSize` at a time; an epoch's last incomplete batch is dropped.
 * Returns the windows of step `step` (counted from 0 over the whole run).
 */
export function trainingWindows(totalWindows: number, batchSize: number, seed: number): (step: number) => Int32Array {
  const perEpoch = Math.floor(totalWindows / batchSize);
  if (perEpoch < 1) throw new Error(`char-transformer: ${totalWindows} training windows make no batch of ${batchSize}`);
  const orders = new Map<number, Int32Array>();
  return (step) => {
    const epoch = Math.floor(step / perEpoch);
    let order = orders.get(epoch);
    if (order === undefined) {
      orders.clear();
      order = gg.data.permutation(totalWindows, seed, epoch);
      orders.set(epoch, order);
    }
    const first = (step % perEpoch) * batchSize;
    return order.subarray(first, first + batchSize);
  };
}
