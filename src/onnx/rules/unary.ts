import { isFloat } from "../../../ir/dtype.js";
import type { UnaryOp } from "../../../ir/ops/unary.js";
import type { OnnxContext } from "../context.js";
import { equalTo, where } from "./helpers.js";
import type { OnnxRule } from "./rule.js";

/** An op that is one ONNX op of the same name and semantics. */
const same =
  (type: string) =>
  (_n: unknown, inputs: readonly string[], cx: OnnxContext): string =>
    cx.op(type, [inputs[0] as string]);

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
  neg: same("Neg"),
  exp: same("Exp"),
  log: same("Log"),
  // ONNX Runtime 1.17's float32 Sqrt gives NaN for +Infinity.
  sqrt: (n, [x], cx) => where(cx, equalTo(cx, x as string, Infinity, n.dtype), x as string, cx.op("Sqrt", [x as string])),
  abs: same("Abs"),
  sign: same("Sign"),
  tanh: same("Tanh"),
  // Floor of an int32 is itself (ONNX's Floor takes floats only).
  floor: (n, [x], cx) => cx.op(isFloat(n.dtype) ? "Floor" : "Identity", [x as string]),
  stopGradient: same("Identity"),
  sin: same("Sin"),
  cos: (n, [x], cx) => (n.dtype === "float32" ? cx.op("Cos", [x as string]) : cosFromSin(x as string, cx)),
};
