import { left, right } from "fp-ts/lib/Either.js";
import type { Node } from "../node.js";
import type { OpDef, TypeInfo } from "../op.js";
import { broadcastShapes, type Dim, formatShape } from "../shape.js";
import { alignBatched } from "./batching.js";
import { None } from "./codecs.js";

export const matmulAttrs = { matmul: None };

/**
 * Batched matrix product: [...A, m, k] x [...B, k, n] -> [broadcast(A, B), m, n].
 * VJP: dA = g·Bᵀ, dB = Aᵀ·g (the gradient driver sums each over the batch axes broadcasting added).
 */
export const matmulOps: { readonly matmul: OpDef<"matmul"> } = {
  matmul: {
    arity: 2,
    infer: (xs) => {
      const [a, b] = xs as [TypeInfo, TypeInfo];
      const shapes = `${formatShape(a.shape)} x ${formatShape(b.shape)}`;
      if (a.shape.length < 2 || b.shape.length < 2) return left(`operands need rank >= 2, got ${shapes}`);
      if (a.dtype !== b.dtype) return left(`operand dtypes differ: ${a.dtype} vs ${b.dtype} in ${shapes}`);
      if (a.dtype === "bool") return left(`needs numeric operands, got bool in ${shapes}`);
      const k1 = a.shape[a.shape.length - 1];
      const k2 = b.shape[b.shape.length - 2];
      if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) return left(`inner dimensions differ: ${shapes}`);
      const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
      if (batch._tag === "Left") return left(`batch dimensions do not broadcast: ${shapes}`);
      return right({
        shape: [...batch.right, a.shape[a.shape.length - 2] as Dim, b.shape[b.shape.length - 1] as Dim],
        dtype: a.dtype,
      });
    },
    vjp: (n, g, b) => {
      const [x, y] = n.inputs as [Node, Node];
      return [b.emit("matmul", [g, b.swapLast(y)], {}), b.emit("matmul", [b.swapLast(x), g], {})];
    },
    jvp: (n, [ta, tb], b) => {
      const [x, y] = n.inputs as [Node, Node];
      const left = ta === null || ta === undefined ? null : b.emit("matmul", [ta, y], {});
      const right = tb === null || tb === undefined ? null : b.emit("matmul", [x, tb], {});
      return left === null ? right : right === null ? left : b.add(left, right);
    },
    // A batched operand's per-example batch axes are padded to the other's, so that the vmap axis
    // stays first when matmul broadcasts the batch axes.
    batch: (n, args, b) => {
      const rank = Math.max(...args.map((a) => a.node.shape.length - (a.batched ? 1 : 0)));
      return b.emit("matmul", args.map((a) => alignBatched(a, rank, b)), {});
    },
  },
};
