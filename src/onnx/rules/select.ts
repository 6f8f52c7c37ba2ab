import { isFloat } from "../../../ir/dtype.js";
import type { Node } from "../../../ir/node.js";
import type { OnnxContext } from "../context.js";
import { cast, nanMask, where } from "./helpers.js";
import { onnxOp, type OnnxRule } from "./rule.js";

/**
 * float → int32 as graphgrad casts: truncation toward zero, saturating at the int32 range, NaN
 * giving 0. ONNX's Cast leaves out-of-range and NaN values undefined (x86 gives -2³¹), so the
 * value is clamped first, in float64, where both ends of the int32 range are exact.
 */
function floatToInt32(x: string, from: "float32" | "float64", cx: OnnxContext): string {
  const wide = from === "float32" ? cast(cx, x, "float64") : x;
  const finite = where(cx, nanMask(cx, wide), cx.scalar(0, "float64"), wide);
  const clamped = cx.op("Clip", [finite, cx.scalar(-2147483648, "float64"), cx.scalar(2147483647, "float64")]);
  return cast(cx, clamped, "int32");
}

export const selectRules: { readonly where: OnnxRule<"where">; readonly cast: OnnxRule<"cast"> } = {
  where: onnxOp("Where"),
  cast: (n, [x], cx) => {
    const from = (n.inputs[0] as Node).dtype;
    const to = n.attrs.dtype;
    if (from === to) return cx.op("Identity", [x as string]);
    if (to === "int32" && isFloat(from)) return floatToInt32(x as string, from, cx);
    // int32 → float rounds to nearest; to bool is "non-zero" (NaN is true), as graphgrad's.
    return cast(cx, x as string, to);
  },
};
