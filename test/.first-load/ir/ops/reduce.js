import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
import { formatShape } from "../shape.js";
import { Axes } from "./codecs.js";
import { checkClass } from "./dtype-class.js";
const Reduce = t.type({ axes: Axes, keepdims: t.boolean }, "ReduceAttrs");
const reduceAttrs = { reduceSum: Reduce, reduceMax: Reduce };
function reducedShape(shape, axes, keepdims) {
  const seen = /* @__PURE__ */ new Set();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) {
      return left(`axis ${a} is out of range for shape ${formatShape(shape)} (axes are normalized, 0 <= axis < rank)`);
    }
    if (seen.has(a)) return left(`axis ${a} is repeated in [${axes.join(",")}]`);
    seen.add(a);
  }
  const out = [];
  shape.forEach((d, i) => {
    if (!seen.has(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return right(out);
}
function inferReduce(xs, attrs) {
  const x = xs[0];
  const c = checkClass("numeric", x.dtype);
  if (c._tag === "Left") return c;
  const s = reducedShape(x.shape, attrs.axes, attrs.keepdims);
  return s._tag === "Left" ? s : right({ shape: s.right, dtype: x.dtype });
}
function keepDims(n, g, b) {
  if (n.attrs.keepdims) return g;
  const x = n.inputs[0];
  return b.reshape(g, x.shape.map((d, i) => n.attrs.axes.includes(i) ? 1 : d));
}
const reduceOps = {
  reduceSum: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => [b.broadcastTo(keepDims(n, g, b), n.inputs[0].shape)]
  },
  // The max's gradient is shared evenly among the elements equal to the max (JAX's rule).
  reduceMax: {
    arity: 1,
    infer: inferReduce,
    vjp: (n, g, b) => {
      const x = n.inputs[0];
      const maxB = b.broadcastTo(keepDims(n, n, b), x.shape);
      const hit = b.cast(b.emit("equal", [x, maxB], {}), x.dtype);
      const count = b.reduceSum(hit, n.attrs.axes, true);
      return [b.mul(b.broadcastTo(b.div(keepDims(n, g, b), count), x.shape), hit)];
    }
  }
};
export {
  reduceAttrs,
  reduceOps,
  reducedShape
};
