import { tensorAttr } from "../attributes.js";
import { tensorProto } from "../tensors.js";
import { where } from "./helpers.js";
import type { OnnxRule } from "./rule.js";

/**
 * checkIndex: ONNX has no assertion, but its Gather must fail on an index out of bounds (the
 * specification: "It is an error if any of the index values are out of bounds"; ONNX Runtime
 * raises). So the indices, negative ones moved past the end (Gather would read those from the
 * end), pick from `size` zeros, and the zeros are added to the indices: the same values, failing
 * the run where graphgrad's check fails it (ONNX Runtime's message, not graphgrad's).
 */
export const checkRules: { readonly checkIndex: OnnxRule<"checkIndex"> } = {
  checkIndex: (n, [indices], cx) => {
    const i = indices as string;
    const size = cx.dimScalar(n.attrs.size, "int32");
    const zeros = cx.op("ConstantOfShape", [cx.shape([n.attrs.size])], [tensorAttr("value", tensorProto("int32", [1], [0]))]);
    const lookup = where(cx, cx.op("Less", [i, cx.scalar(0, "int32")]), size, i);
    return cx.op("Add", [i, cx.op("Gather", [zeros, lookup])]);
  },
};
