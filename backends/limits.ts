import type { DType } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { DTYPE_SHORT } from "../ir/dtype.js";
import { formatShape, sizeOf } from "../ir/shape.js";
import type { ShapePlan } from "./plan.js";

/**
 * What a backend can hold: the sizes of a graph's values under a shape plan, described for the
 * errors a backend gives before it allocates (naming the ops, shapes and bytes).
 */

export interface ValueSize {
  /** The op and, for an input, its name. */
  readonly what: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly bytes: number;
}

/** Each node's value under `plan`, with its bytes at `bytesOf(dtype)` per element. */
export function valueSizes(graph: Graph, plan: ShapePlan, bytesOf: (d: DType) => number): ValueSize[] {
  return graph.nodes.map((n, i) => {
    const shape = plan.shapes[i] as readonly number[];
    const elements = sizeOf(shape);
    return { what: n.op === "input" ? `input '${n.attrs.name}'` : n.op, dtype: n.dtype, shape, elements, bytes: elements * bytesOf(n.dtype) };
  });
}

/** "matmul f32[65536,65536] (16 GiB)" */
export function describeValue(v: ValueSize): string {
  return `${v.what} ${DTYPE_SHORT[v.dtype]}${formatShape(v.shape)} (${formatBytes(v.bytes)})`;
}

/** The `count` largest values, largest first, described. */
export function largestValues(sizes: readonly ValueSize[], count = 3): string {
  return [...sizes]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count)
    .map(describeValue)
    .join(", ");
}

/** Bytes in binary units: "512 B", "1.5 KiB", "16 GiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[u] as string}`;
}
