import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
import { GraphgradError } from "../errors.js";
import type { Node } from "../node.js";
import type { BatchedArg, BatchKit, OpDef, TypeInfo } from "../op.js";
import { type Dim, DimCodec, formatShape, shapesEqual } from "../shape.js";
import { withBatchAxis } from "./batching.js";
import { None } from "./codecs.js";

/**
 * Embedding lookup and its adjoint.
 * - gather(params [N, ...rest], indices int32 [...I]) -> [...I, ...rest]: out[i] = params[indices[i]].
 * - scatterAdd(updates [...I, ...rest], indices int32 [...I]; size N) -> [N, ...rest]:
 *   out[j] = sum of updates[i] over the i with indices[i] = j.
 * The public builders (`gg.gather`, `gg.scatterAdd`) put a `checkIndex` (ir/ops/check.ts) in front
 * of the indices, so an index outside [0, N) fails the run. The primitives themselves clamp such an
 * index to the nearest row on every backend: the kernels after a failed check still run, and must
 * stay in bounds; and clamping in both keeps them each other's adjoint.
 */
export const indexingAttrs = {
  gather: None,
  scatterAdd: t.type({ size: DimCodec }, "ScatterAddAttrs"),
};

/** The permutation swapping axes 0 and 1 of a rank-r tensor. */
const swap01 = (r: number): number[] => [1, 0, ...Array.from({ length: r - 2 }, (_, i) => i + 2)];

/** The permutation moving axis k (a batch axis behind k index axes) to the front. */
const batchFirst = (k: number, r: number): number[] => [k, ...Array.from({ length: r }, (_, i) => i).filter((i) => i !== k)];

/** The permutation moving axis 0 behind the next k axes. */
const batchAfter = (k: number, r: number): number[] => [...Array.from({ length: k }, (_, i) => i + 1), 0, ...Array.from({ length: r - k - 1 }, (_, i) => i + k + 1)];

/** Batched indices [B, ...I] offset by b·rows for batch element b (rows of a flattened [B·rows, ...] table). */
function rowOffsets(indices: Node, rows: Dim, b: BatchKit): Node {
  if (typeof rows !== "number") throw new GraphgradError("vmap", `gather/scatterAdd with batched tables and indices needs a known number of rows, got ${rows}`);
  const start = b.emit("iota", [], { shape: [b.size, ...indices.shape.slice(1).map(() => 1)], dtype: "int32", axis: 0 });
  return b.add(indices, b.mul(start, b.fill(rows, [], "int32")));
}

/** a·b for known sizes; a symbolic product is not expressible as a dimension. */
function times(a: Dim, c: Dim): Dim {
  if (typeof a === "number" && typeof c === "number") return a * c;
  throw new GraphgradError("vmap", `scatterAdd with batched indices needs known sizes, got ${a} x ${c}`);
}

export const indexingOps: { readonly [K in keyof typeof indexingAttrs]: OpDef<K> } = {
  gather: {
    arity: 2,
    infer: (xs) => {
      const [p, i] = xs as [TypeInfo, TypeInfo];
      if (i.dtype !== "int32") return left(`indices must be int32, got ${i.dtype}`);
      if (p.shape.length < 1) return left(`params must have rank >= 1, got ${formatShape(p.shape)}`);
      return right({ shape: [...i.shape, ...p.shape.slice(1)], dtype: p.dtype });
    },
    vjp: (n, g, b) => {
      const [p, i] = n.inputs as [Node, Node];
      return [b.emit("scatterAdd", [g, i], { size: p.shape[0] as Dim }), null];
    },
    jvp: (n, [tp], b) => (tp === null || tp === undefined ? null : b.emit("gather", [tp, n.inputs[1] as Node], {})),
    batch: (_n, [p, i], b) => {
      const [params, indices] = [p as BatchedArg, i as BatchedArg];
      if (!params.batched) return b.emit("gather", [params.node, indices.node], {});
      if (!indices.batched) {
        // Rows of every batch element at once: [B, N, ...] -> [N, B, ...], gathered, batch axis back to 0.
        const g = b.emit("gather", [b.transpose(params.node, swap01(params.node.shape.length)), indices.node], {});
        return b.transpose(g, batchFirst(indices.node.shape.length, g.shape.length));
      }
      // Each batch element's own rows: flattened to [B·N, ...], indices offset by b·N.
      const rows = params.node.shape[1] as Dim;
      const flat = b.reshape(params.node, [-1, ...params.node.shape.slice(2)]);
      return b.emit("gather", [flat, rowOffsets(indices.node, rows, b)], {});
    },
  },
  scatterAdd: {
    arity: 2,
    infer: (xs, { size }) => {
      const [u, i] = xs as [TypeInfo, TypeInfo];
      if (i.dtype !== "int32") return left(`indices must be int32, got ${i.dtype}`);
      if (u.dtype === "bool") return left("updates must be numeric, got bool");
      const lead = u.shape.slice(0, i.shape.length);
      if (!shapesEqual(lead, i.shape)) {
        return left(`updates ${formatShape(u.shape)} must start with the indices' shape ${formatShape(i.shape)}`);
      }
      if (typeof size === "number" && (size < 1 || !Number.isInteger(size))) return left(`size must be a positive integer, got ${size}`);
      return right({ shape: [size, ...u.shape.slice(i.shape.length)], dtype: u.dtype });
    },
    vjp: (n, g, b) => [b.emit("gather", [g, n.inputs[1] as Node], {}), null],
    jvp: (n, [tu], b) => (tu === null || tu === undefined ? null : b.emit("scatterAdd", [tu, n.inputs[1] as Node], n.attrs)),
    batch: (n, [u, i], b) => {
      const [updates, indices] = [u as BatchedArg, i as BatchedArg];
      if (!indices.batched) {
        // Every batch element's updates to the same rows: the batch axis moved behind the index axes, and back in front.
        const k = indices.node.shape.length;
        const moved = b.transpose(updates.node, batchAfter(k, updates.node.shape.length));
        return b.transpose(b.emit("scatterAdd", [moved, indices.node], n.attrs), swap01(n.shape.length + 1));
      }
      // Each batch element's own rows of a [B·N, ...] result.
      const summed = b.emit("scatterAdd", [withBatchAxis(updates, b), rowOffsets(indices.node, n.attrs.size, b)], { size: times(b.size, n.attrs.size) });
      return b.reshape(summed, [b.size, ...n.shape]);
    },
  },
};
