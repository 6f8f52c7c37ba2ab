import * as t from "io-ts";
import { left, map, right } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { DTypeCodec, isFloat } from "../dtype.js";
import { broadcastShapes } from "../shape.js";
import { None } from "./codecs.js";
const selectAttrs = {
  where: None,
  cast: t.type({ dtype: DTypeCodec }, "CastAttrs")
};
function castFn(to) {
  switch (to) {
    case "bool":
      return (x) => x !== 0 ? 1 : 0;
    case "int32":
      return (x) => x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x);
    case "float32":
      return Math.fround;
    case "float64":
      return (x) => x;
  }
}
const selectOps = {
  where: {
    arity: 3,
    infer: (xs) => {
      const [c, a, b] = xs;
      if (c.dtype !== "bool") return left(`condition must be bool, got ${c.dtype}`);
      if (a.dtype !== b.dtype) return left(`branch dtypes differ: ${a.dtype} vs ${b.dtype}`);
      return pipe(
        broadcastShapes([c.shape, a.shape, b.shape]),
        map((shape) => ({ shape, dtype: a.dtype }))
      );
    },
    vjp: (n, g, b) => {
      const c = n.inputs[0];
      const zero = b.fill(0, [], g.dtype);
      return [null, b.where(c, g, zero), b.where(c, zero, g)];
    }
  },
  cast: {
    arity: 1,
    infer: (xs, attrs) => right({ shape: xs[0].shape, dtype: attrs.dtype }),
    // Only float-to-float casts carry a gradient; through ints and bools it is zero.
    vjp: (n, g, b) => {
      const x = n.inputs[0];
      return [isFloat(x.dtype) && isFloat(n.dtype) ? b.cast(g, x.dtype) : null];
    }
  }
};
export {
  castFn,
  selectAttrs,
  selectOps
};
