import { type ConcreteShape, isConcrete, sizeOf, stridesOf } from "../../../ir/shape.js";
import { tensorAttr } from "../attributes.js";
import { tensorProto } from "../tensors.js";
import { notExportable, type OnnxRule } from "./rule.js";

type SourceOp = "input" | "fill" | "literal" | "iota" | "random";

/** iota's values for a known shape: element [i0, i1, ...] holds i_axis. */
function iotaValues(shape: ConcreteShape, axis: number): Float64Array {
  const stride = stridesOf(shape)[axis] as number;
  const size = shape[axis] as number;
  return Float64Array.from({ length: sizeOf(shape) }, (_, i) => Math.floor(i / stride) % size);
}

/**
 * Sources. Inputs are declared by the driver (a graph input, or an initializer for a parameter)
 * under their own names. Constants are initializers; a splat is ConstantOfShape, which also takes
 * symbolic shapes; an iota of symbolic shape is a Range spread along its axis.
 */
export const sourceRules: { readonly [K in SourceOp]: OnnxRule<K> } = {
  input: (n) => n.attrs.name,
  fill: (n, _inputs, cx) => {
    if (n.shape.length === 0) return cx.scalar(n.attrs.value, n.dtype);
    return cx.op("ConstantOfShape", [cx.shape(n.shape)], [tensorAttr("value", tensorProto(n.dtype, [1], [n.attrs.value]))]);
  },
  literal: (n, _inputs, cx) => cx.constant(n.dtype, n.attrs.shape, n.attrs.values),
  iota: (n, _inputs, cx) => {
    const { axis } = n.attrs;
    if (isConcrete(n.shape)) return cx.constant(n.dtype, n.shape, iotaValues(n.shape, axis));
    const count = cx.dimScalar(n.shape[axis] as string | number, n.dtype);
    const line = cx.op("Range", [cx.scalar(0, n.dtype), count, cx.scalar(1, n.dtype)]);
    const column = cx.op("Reshape", [line, cx.int64s(n.shape.map((_, i) => (i === axis ? -1 : 1)))]);
    return cx.op("Expand", [column, cx.shape(n.shape)]);
  },
  random: notExportable(
    "graphgrad's random numbers (Threefry-2x32, the same on every backend) have no ONNX form: ONNX's RandomUniform and RandomNormal draw other numbers; feed them as an input instead",
  ),
};
