import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
import { DTypeCodec, isFloat } from "../dtype.js";
import { formatShape, ShapeCodec, sizeOf } from "../shape.js";
import { Int } from "./codecs.js";
function checkShape(shape) {
  for (const d of shape) {
    if (typeof d === "number" && (!Number.isInteger(d) || d < 0)) return left(`bad shape ${formatShape(shape)}: sizes are integers >= 0`);
    if (typeof d === "string" && d.length === 0) return left("bad shape: a symbolic dimension needs a name");
  }
  return right(shape);
}
const none = () => [];
const fitsDType = (d, v) => d !== "bool" || v === 0 || v === 1;
const sourceAttrs = {
  input: t.type(
    { name: t.string, shape: ShapeCodec, dtype: DTypeCodec, kind: t.keyof({ input: null, param: null }) },
    "InputAttrs"
  ),
  fill: t.type({ shape: ShapeCodec, dtype: DTypeCodec, value: t.number }, "FillAttrs"),
  literal: t.type({ shape: t.readonlyArray(Int), dtype: DTypeCodec, values: t.readonlyArray(t.number) }, "LiteralAttrs"),
  iota: t.type({ shape: ShapeCodec, dtype: DTypeCodec, axis: Int }, "IotaAttrs"),
  random: t.type({ shape: ShapeCodec, dtype: DTypeCodec, dist: t.keyof({ uniform: null, normal: null, bits: null }) }, "RandomAttrs")
};
const sourceOps = {
  input: {
    arity: 0,
    infer: (_xs, a) => {
      if (a.name.length === 0) return left("an input needs a name");
      const s = checkShape(a.shape);
      return s._tag === "Left" ? left(`${a.name}: ${s.left}`) : right({ shape: a.shape, dtype: a.dtype });
    },
    vjp: none
  },
  fill: {
    arity: 0,
    infer: (_xs, a) => {
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      if (!fitsDType(a.dtype, a.value)) return left(`a bool value must be 0 or 1, got ${a.value}`);
      return right({ shape: a.shape, dtype: a.dtype });
    },
    vjp: none
  },
  literal: {
    arity: 0,
    infer: (_xs, a) => {
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      const n = sizeOf(a.shape);
      if (n !== a.values.length) return left(`${a.values.length} values do not fill shape ${formatShape(a.shape)} (${n} elements)`);
      const bad = a.values.find((v) => !fitsDType(a.dtype, v));
      if (bad !== void 0) return left(`a bool value must be 0 or 1, got ${bad}`);
      return right({ shape: a.shape, dtype: a.dtype });
    },
    vjp: none
  },
  // iota: element [i0, i1, ...] holds i_axis.
  iota: {
    arity: 0,
    infer: (_xs, a) => {
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      if (a.dtype === "bool") return left("dtype must be numeric, got bool");
      if (!Number.isInteger(a.axis) || a.axis < 0 || a.axis >= a.shape.length) {
        return left(`axis ${a.axis} is out of range for shape ${formatShape(a.shape)}`);
      }
      return right({ shape: a.shape, dtype: a.dtype });
    },
    vjp: none
  },
  // random(key int32[2]): uniform [0,1) and normal floats, or raw 32-bit words ("bits", int32),
  // from threefry-2x32 on (key, element index): same key, same numbers on every backend.
  random: {
    arity: 1,
    infer: (xs, a) => {
      const key = xs[0];
      if (key.dtype !== "int32" || key.shape.length !== 1 || key.shape[0] !== 2) {
        return left(`the key must be int32[2], got ${key.dtype}${formatShape(key.shape)}`);
      }
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      if (a.dist === "bits" ? a.dtype !== "int32" : !isFloat(a.dtype)) {
        return left(`${a.dist} gives ${a.dist === "bits" ? "int32" : "float32 or float64"}, not ${a.dtype}`);
      }
      return right({ shape: a.shape, dtype: a.dtype });
    },
    vjp: () => [null]
  }
};
export {
  sourceAttrs,
  sourceOps
};
