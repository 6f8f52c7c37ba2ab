import { isFloat } from "../../../ir/dtype.js";
import type { Node } from "../../../ir/node.js";
import { intAttr, intsAttr } from "../attributes.js";
import { nanMask, where } from "./helpers.js";
import { mayBeNaN } from "./nan.js";
import type { OnnxRule } from "./rule.js";

/**
 * Reductions. graphgrad's axes are normalized and may be empty (nothing reduced: the identity);
 * ONNX's ReduceSum with an empty axes input would reduce every axis, so that case is an Identity.
 * ReduceSum takes its axes as an input since opset 13, ReduceMax since opset 18.
 */
export const reduceRules: { readonly reduceSum: OnnxRule<"reduceSum">; readonly reduceMax: OnnxRule<"reduceMax"> } = {
  reduceSum: (n, [x], cx) => {
    if (n.attrs.axes.length === 0) return cx.op("Identity", [x as string]);
    return cx.op("ReduceSum", [x as string, cx.int64s(n.attrs.axes)], [intAttr("keepdims", n.attrs.keepdims ? 1 : 0)]);
  },
  // graphgrad's max propagates NaN; ONNX Runtime 1.17's ReduceMax only a NaN that comes first.
  // The sum of the NaNs (0 where there are none) carries any NaN into the result.
  reduceMax: (n, [x], cx) => {
    if (n.attrs.axes.length === 0) return cx.op("Identity", [x as string]);
    const keepdims = intAttr("keepdims", n.attrs.keepdims ? 1 : 0);
    const max =
      cx.opset >= 18
        ? cx.op("ReduceMax", [x as string, cx.int64s(n.attrs.axes)], [keepdims])
        : cx.op("ReduceMax", [x as string], [intsAttr("axes", n.attrs.axes), keepdims]);
    if (!isFloat(n.dtype) || !mayBeNaN(n.inputs[0] as Node)) return max;
    const nans = where(cx, nanMask(cx, x as string), x as string, cx.scalar(0, n.dtype));
    return cx.op("Add", [max, cx.op("ReduceSum", [nans, cx.int64s(n.attrs.axes)], [keepdims])]);
  },
};
