import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type { Node, NodeOf } from "../node.js";
import type { OpDef, RuleKit, TypeInfo } from "../op.js";
import { type Dim, formatShape, type Shape } from "../shape.js";
import { Axes } from "./codecs.js";
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

export const reduceOps: { readonly [K in "reduceSum" | "reduceMax"]: OpDef<K> } = {
  reduceSum: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => [b.broadcastTo(keepDims(n, g, b), (n.inputs[0] as Node).shape)],
  },
  // The max's gradient is shared evenly among the elements equal to the max (JAX's rule).
  reduceMax: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => {
      const x = n.inputs[0] as Node;
      const maxB = b.broadcastTo(keepDims(n, n, b), x.shape);
      const hit = b.cast(b.emit("equal", [x, maxB], {}), x.dtype);
      const count = b.reduceSum(hit, n.attrs.axes, true);
      return [b.mul(b.broadcastTo(b.div(keepDims(n, g, b), count), x.shape), hit)];
    },
  },
};
