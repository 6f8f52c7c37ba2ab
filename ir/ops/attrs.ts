import * as t from "io-ts";
import { DTypeCodec } from "../dtype.js";
import { DimCodec, ShapeCodec } from "../shape.js";

/**
 * The attribute codec of every primitive. This table is the list of primitives: `OpName` is its
 * key set, so a rule table or a backend's lowering table that misses one fails `tsc`.
 *
 * Convention: the only attributes that may hold symbolic dimensions are named `shape` (a Shape)
 * and `size` (a Dim or Shape); they are substituted when the graph runs (see `bindAttrs`).
 */
const None = t.type({}, "None");
const Int = t.refinement(t.number, Number.isInteger, "Int");
const Axes = t.readonlyArray(Int, "Axes");
const Reduce = t.type({ axes: Axes, keepdims: t.boolean }, "ReduceAttrs");

export const ATTR_CODECS = {
  // elementwise, unary
  neg: None,
  exp: None,
  log: None,
  sqrt: None,
  abs: None,
  sign: None,
  tanh: None,
  floor: None,
  stopGradient: None,
  // elementwise, binary (operands of one dtype; broadcasting)
  add: None,
  sub: None,
  mul: None,
  div: None,
  pow: None,
  maximum: None,
  minimum: None,
  greater: None,
  less: None,
  equal: None,
  // elementwise, ternary
  where: None,
  cast: t.type({ dtype: DTypeCodec }, "CastAttrs"),
  // reductions
  reduceSum: Reduce,
  reduceMax: Reduce,
  // linear algebra
  matmul: None,
  // shape and layout
  reshape: t.type({ shape: ShapeCodec }, "ReshapeAttrs"),
  transpose: t.type({ perm: Axes }, "TransposeAttrs"),
  broadcast: t.type({ shape: ShapeCodec }, "BroadcastAttrs"),
  slice: t.type({ begin: Axes, size: ShapeCodec }, "SliceAttrs"),
  pad: t.type({ lo: Axes, hi: Axes }, "PadAttrs"),
  concat: t.type({ axis: Int }, "ConcatAttrs"),
  // indexing
  gather: None,
  scatterAdd: t.type({ size: DimCodec }, "ScatterAddAttrs"),
  // sources
  input: t.type(
    { name: t.string, shape: ShapeCodec, dtype: DTypeCodec, kind: t.keyof({ input: null, param: null }) },
    "InputAttrs",
  ),
  fill: t.type({ shape: ShapeCodec, dtype: DTypeCodec, value: t.number }, "FillAttrs"),
  literal: t.type({ shape: t.readonlyArray(Int), dtype: DTypeCodec, values: t.readonlyArray(t.number) }, "LiteralAttrs"),
  iota: t.type({ shape: ShapeCodec, dtype: DTypeCodec, axis: Int }, "IotaAttrs"),
  random: t.type(
    { shape: ShapeCodec, dtype: DTypeCodec, dist: t.keyof({ uniform: null, normal: null, bits: null }) },
    "RandomAttrs",
  ),
} as const;

export type OpName = keyof typeof ATTR_CODECS;
export type OpAttrs = { readonly [K in OpName]: t.TypeOf<(typeof ATTR_CODECS)[K]> };
export const OP_NAMES = Object.keys(ATTR_CODECS) as readonly OpName[];

export const UNARY_OPS = ["neg", "exp", "log", "sqrt", "abs", "sign", "tanh", "floor", "stopGradient"] as const;
export const BINARY_OPS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"] as const;
export const COMPARE_OPS = ["greater", "less", "equal"] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
