import * as t from "io-ts";
import { left, map, right } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { type DType, DTypeCodec, isFloat } from "../dtype.js";
import type { Node } from "../node.js";
import type { OpDef, TypeInfo } from "../op.js";
import { broadcastShapes } from "../shape.js";
import { elementwiseBatch } from "./batching.js";
import { None } from "./codecs.js";

/**
 * `where(cond, a, b)` (elementwise choice, broadcasting) and `cast` (dtype conversion): the two
 * elementwise primitives that are neither unary arithmetic nor binary arithmetic.
 */
export const selectAttrs = {
  where: None,
  cast: t.type({ dtype: DTypeCodec }, "CastAttrs"),
};

/**
 * Scalar semantics of `cast` to `to`: to bool is "non-zero" (NaN is true, as in numpy); float to
 * int32 truncates toward zero and saturates at the int32 range, NaN giving 0 (WebAssembly's
 * trunc_sat, the same on every backend); to a float rounds to nearest.
 */
export function castFn(to: DType): (x: number) => number {
  switch (to) {
    case "bool":
      return (x) => (x !== 0 ? 1 : 0);
    case "int32":
      return (x) => (x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x));
    case "float32":
      return Math.fround;
    case "float64":
      return (x) => x;
  }
}

export const selectOps: { readonly [K in keyof typeof selectAttrs]: OpDef<K> } = {
  where: {
    arity: 3,
    infer: (xs) => {
      const [c, a, b] = xs as [TypeInfo, TypeInfo, TypeInfo];
      if (c.dtype !== "bool") return left(`condition must be bool, got ${c.dtype}`);
      if (a.dtype !== b.dtype) return left(`branch dtypes differ: ${a.dtype} vs ${b.dtype}`);
      return pipe(
        broadcastShapes([c.shape, a.shape, b.shape]),
        map((shape) => ({ shape, dtype: a.dtype })),
      );
    },
    vjp: (n, g, b) => {
      const c = n.inputs[0] as Node;
      const zero = b.fill(0, [], g.dtype);
      return [null, b.where(c, g, zero), b.where(c, zero, g)];
    },
    jvp: (n, [, ta, tb], b) => {
      if ((ta ?? null) === null && (tb ?? null) === null) return null;
      const zero = b.fill(0, [], n.dtype);
      return b.where(n.inputs[0] as Node, ta ?? zero, tb ?? zero);
    },
    batch: elementwiseBatch,
  },
  cast: {
    arity: 1,
    infer: (xs, attrs) => right({ shape: (xs[0] as TypeInfo).shape, dtype: attrs.dtype }),
    // Only float-to-float casts carry a gradient; through ints and bools it is zero.
    vjp: (n, g, b) => {
      const x = n.inputs[0] as Node;
      return [isFloat(x.dtype) && isFloat(n.dtype) ? b.cast(g, x.dtype) : null];
    },
    jvp: (n, [t], b) => (t === null || t === undefined || !isFloat(t.dtype) || !isFloat(n.dtype) ? null : b.cast(t, n.dtype)),
    batch: elementwiseBatch,
  },
};
