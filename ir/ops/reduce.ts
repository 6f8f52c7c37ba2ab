import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type { Node, NodeOf } from "../node.js";
import type { BatchedArg, OpDef, RuleKit, TypeInfo } from "../op.js";
import { type Dim, formatShape, type Shape } from "../shape.js";
import { Axes } from "./codecs.js";
import { shifted } from "./batching.js";
import { checkClass } from "./dtype-class.js";

/** Reductions over a set of axes, keeping them as size 1 or dropping them. Operands: numeric. */
const Reduce = t.type({ axes: Axes, keepdims: t.boolean }, "ReduceAttrs");
export const reduceAttrs = { reduceSum: Reduce, reduceMax: Reduce };

/** Checks the axes (in range, no repeats, given normalized) and gives the result shape. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): Either<string, Shape> {
  const seen = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) {
      return left(`axis ${a} is out of range for shape ${formatShape(shape)} (axes are normalized, 0 <= axis < rank)`);
    }
    if (seen.has(a)) return left(`axis ${a} is repeated in [${axes.join(",")}]`);
    seen.add(a);
  }
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!seen.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return right(out);
}

function inferReduce(xs: readonly TypeInfo[], attrs: { axes: readonly number[]; keepdims: boolean }): Either<string, TypeInfo> {
  const x = xs[0] as TypeInfo;
  const c = checkClass("numeric", x.dtype);
  if (c._tag === "Left") return c;
  const s = reducedShape(x.shape, attrs.axes, attrs.keepdims);
  return s._tag === "Left" ? s : right({ shape: s.right, dtype: x.dtype });
}

/** The cotangent of a reduction, reshaped to keep the reduced axes (size 1). */
function keepDims(n: NodeOf<"reduceSum"> | NodeOf<"reduceMax">, g: Node, b: RuleKit): Node {
  if (n.attrs.keepdims) return g;
  const x = n.inputs[0] as Node;
  return b.reshape(g, x.shape.map((d, i) => (n.attrs.axes.includes(i) ? 1 : d)));
}

/** Where x equals its max (as x's dtype, 1 or 0), and how many such elements each reduction has. */
function ties(n: NodeOf<"reduceMax">, b: RuleKit): { hit: Node; count: Node } {
  const x = n.inputs[0] as Node;
  const maxB = b.broadcastTo(keepDims(n, n, b), x.shape);
  const hit = b.cast(b.emit("equal", [x, maxB], {}), x.dtype);
  return { hit, count: b.reduceSum(hit, n.attrs.axes, true) };
}

export const reduceOps: { readonly [K in "reduceSum" | "reduceMax"]: OpDef<K> } = {
  reduceSum: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => [b.broadcastTo(keepDims(n, g, b), (n.inputs[0] as Node).shape)],
    jvp: (n, [t], b) => (t === null || t === undefined ? null : b.reduceSum(b.broadcastTo(t, (n.inputs[0] as Node).shape), n.attrs.axes, n.attrs.keepdims)),
    batch: (n, [x], b) => b.emit("reduceSum", [(x as BatchedArg).node], { axes: shifted(n.attrs.axes), keepdims: n.attrs.keepdims }),
  },
  // The max's gradient is shared evenly among the elements equal to the max (JAX's rule).
  reduceMax: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => {
      const { hit, count } = ties(n, b);
      return [b.mul(b.broadcastTo(b.div(keepDims(n, g, b), count), (n.inputs[0] as Node).shape), hit)];
    },
    // The transpose of the VJP: the mean of the tangent over the elements equal to the max.
    jvp: (n, [t], b) => {
      if (t === null || t === undefined) return null;
      const { hit, count } = ties(n, b);
      const mean = b.div(b.reduceSum(b.mul(t, hit), n.attrs.axes, true), count);
      return n.attrs.keepdims ? mean : b.reshape(mean, n.shape);
    },
    batch: (n, [x], b) => b.emit("reduceMax", [(x as BatchedArg).node], { axes: shifted(n.attrs.axes), keepdims: n.attrs.keepdims }),
  },
};
