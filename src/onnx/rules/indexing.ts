import type { Dim } from "../../../ir/shape.js";
import type { Node } from "../../../ir/node.js";
import { intAttr, stringAttr, tensorAttr } from "../attributes.js";
import { tensorProto } from "../tensors.js";
import { cast, clampIndices } from "./helpers.js";
import type { OnnxRule } from "./rule.js";

/**
 * gather: ONNX Gather on axis 0, after clamping the indices to the rows (graphgrad clamps).
 * scatterAdd: zeros of the result's shape, then ScatterND with reduction "add" (opset 16), whose
 * indices are the clamped ones as int64 with a trailing axis of 1 (each picks a row).
 */
export const indexingRules: { readonly gather: OnnxRule<"gather">; readonly scatterAdd: OnnxRule<"scatterAdd"> } = {
  gather: (n, [params, indices], cx) => {
    const rows = (n.inputs[0] as Node).shape[0] as Dim;
    return cx.op("Gather", [params as string, clampIndices(cx, indices as string, rows)], [intAttr("axis", 0)]);
  },
  scatterAdd: (n, [updates, indices], cx) => {
    const zeros = cx.op("ConstantOfShape", [cx.shape(n.shape)], [tensorAttr("value", tensorProto(n.dtype, [1], [0]))]);
    const rows = cast(cx, clampIndices(cx, indices as string, n.attrs.size), "int64");
    const at = cx.op("Unsqueeze", [rows, cx.int64s([-1])]);
    return cx.op("ScatterND", [zeros, at, updates as string], [stringAttr("reduction", "add")]);
  },
};

