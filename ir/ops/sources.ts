import * as t from "io-ts";
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { type DType, DTypeCodec, isFloat } from "../dtype.js";
import type { BatchedArg, OpDef, TypeInfo } from "../op.js";
import { formatShape, type Shape, ShapeCodec, sizeOf } from "../shape.js";
import { noOperands } from "./batching.js";
import { Int } from "./codecs.js";

/**
 * Nodes without (data) operands: graph inputs and parameters, constants, iota, and the
 * counter-based random generator (whose only operand is its key).
 */

function checkShape(shape: Shape): Either<string, Shape> {
  for (const d of shape) {
    if (typeof d === "number" && (!Number.isInteger(d) || d < 0)) return left(`bad shape ${formatShape(shape)}: sizes are integers >= 0`);
    if (typeof d === "string" && d.length === 0) return left("bad shape: a symbolic dimension needs a name");
  }
  return right(shape);
}

const none = (): readonly null[] => [];

/** Sources have no operands: no tangent, never batched. */
const leaf = { vjp: none, jvp: (): null => null, batch: noOperands } as const;

/** A bool constant holds 0 or 1 (a Uint8Array would keep 2 as 2: true to `where`, not equal to true). */
const fitsDType = (d: DType, v: number): boolean => d !== "bool" || v === 0 || v === 1;

export const sourceAttrs = {
  input: t.type(
    { name: t.string, shape: ShapeCodec, dtype: DTypeCodec, kind: t.keyof({ input: null, param: null }) },
    "InputAttrs",
  ),
  fill: t.type({ shape: ShapeCodec, dtype: DTypeCodec, value: t.number }, "FillAttrs"),
  literal: t.type({ shape: t.readonlyArray(Int), dtype: DTypeCodec, values: t.readonlyArray(t.number) }, "LiteralAttrs"),
  iota: t.type({ shape: ShapeCodec, dtype: DTypeCodec, axis: Int }, "IotaAttrs"),
  random: t.type({ shape: ShapeCodec, dtype: DTypeCodec, dist: t.keyof({ uniform: null, normal: null, bits: null }) }, "RandomAttrs"),
};

export const sourceOps: { readonly [K in keyof typeof sourceAttrs]: OpDef<K> } = {
  input: {
    arity: 0,
    infer: (_xs, a) => {
      if (a.name.length === 0) return left("an input needs a name");
      const s = checkShape(a.shape);
      return s._tag === "Left" ? left(`${a.name}: ${s.left}`) : right({ shape: a.shape, dtype: a.dtype });
    },
    ...leaf,
  },
  fill: {
    arity: 0,
    infer: (_xs, a) => {
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      if (!fitsDType(a.dtype, a.value)) return left(`a bool value must be 0 or 1, got ${a.value}`);
      return right({ shape: a.shape, dtype: a.dtype });
    },
    ...leaf,
  },
  literal: {
    arity: 0,
    infer: (_xs, a) => {
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      const n = sizeOf(a.shape);
      if (n !== a.values.length) return left(`${a.values.length} values do not fill shape ${formatShape(a.shape)} (${n} elements)`);
      const bad = a.values.find((v) => !fitsDType(a.dtype, v));
      if (bad !== undefined) return left(`a bool value must be 0 or 1, got ${bad}`);
      return right({ shape: a.shape, dtype: a.dtype });
    },
    ...leaf,
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
    ...leaf,
  },
  // random(keys int32[...K, 2]): for each key, a tensor of `shape` of uniform [0,1) or normal
  // floats, or raw 32-bit words ("bits", int32), from threefry-2x32 on (key, element index): same
  // key, same numbers on every backend. A batch of keys (a vmap over keys) gives [...K, ...shape].
  random: {
    arity: 1,
    infer: (xs, a) => {
      const key = xs[0] as TypeInfo;
      if (key.dtype !== "int32" || key.shape.length < 1 || key.shape[key.shape.length - 1] !== 2) {
        return left(`the key must be int32[2] (or a batch of keys [..., 2]), got ${key.dtype}${formatShape(key.shape)}`);
      }
      const s = checkShape(a.shape);
      if (s._tag === "Left") return s;
      if (a.dist === "bits" ? a.dtype !== "int32" : !isFloat(a.dtype)) {
        return left(`${a.dist} gives ${a.dist === "bits" ? "int32" : "float32 or float64"}, not ${a.dtype}`);
      }
      return right({ shape: [...key.shape.slice(0, -1), ...a.shape], dtype: a.dtype });
    },
    vjp: () => [null],
    jvp: () => null,
    batch: (n, [key], b) => b.emit("random", [(key as BatchedArg).node], n.attrs),
  },
};
