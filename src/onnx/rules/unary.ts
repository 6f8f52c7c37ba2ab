import { isFloat } from "../../../ir/dtype.js";
import type { UnaryOp } from "../../../ir/ops/unary.js";
import type { OnnxContext } from "../context.js";
import { erfOnnx } from "./erf.js";
import { equalTo, where } from "./helpers.js";
import { onnxOp, type OnnxRule } from "./rule.js";

/**
 * float64 cos as 1 − 2·sin²(x/2): ONNX Runtime's CPU provider has no float64 Cos kernel (its Sin
 * has one). x/2 is exact, so the error is a few units of 2⁻⁵³ absolute, at any |x|; relative to
 * the result it grows near cos's zeros, where the result is near 0.
 */
function cosFromSin(x: string, cx: OnnxContext): string {
  const s = cx.op("Sin", [cx.op("Mul", [x, cx.scalar(0.5, "float64")])]);
  return cx.op("Sub", [cx.scalar(1, "float64"), cx.op("Mul", [cx.scalar(2, "float64"), cx.op("Mul", [s, s])])]);
}

export const unaryRules: { readonly [K in UnaryOp]: OnnxRule<K> } = {
  neg: onnxOp("Neg"),
  exp: onnxOp("Exp"),
  log: onnxOp("Log"),
  // ONNX Runtime 1.17's float32 Sqrt gives NaN for +Infinity (the guard is cheap, and written
  // for float64 too: the file does not depend on which of a runtime's kernels are right).
  sqrt: (n, [x], cx) => where(cx, equalTo(cx, x as string, Infinity, n.dtype), x as string, cx.op("Sqrt", [x as string])),
  abs: onnxOp("Abs"),
  sign: onnxOp("Sign"),
  tanh: onnxOp("Tanh"),
  // Floor of an int32 is itself (ONNX's Floor takes floats only).
  floor: (n, [x], cx) => cx.op(isFloat(n.dtype) ? "Floor" : "Identity", [x as string]),
  stopGradient: onnxOp("Identity"),
  sin: onnxOp("Sin"),
  cos: (n, [x], cx) => (n.dtype === "float32" ? cx.op("Cos", [x as string]) : cosFromSin(x as string, cx)),
  erf: (n, [x], cx) => erfOnnx(x as string, n.dtype === "float64" ? "float64" : "float32", cx),
};
