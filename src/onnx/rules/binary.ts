import { isFloat } from "../../../ir/dtype.js";
import type { Node, NodeOf } from "../../../ir/node.js";
import type { BinaryOp, CompareOp } from "../../../ir/ops/binary.js";
import type { OnnxContext } from "../context.js";
import { and, equalTo, nanMask, or, where } from "./helpers.js";
import { mayBeNaN, mayBeNonFinite } from "./nan.js";
import { onnxOp, type OnnxRule } from "./rule.js";

/**
 * int32 division as graphgrad defines it: truncating, x / 0 = 0, and -2³¹ / -1 wrapping to -2³¹.
 * ONNX leaves the last two undefined (a C division: a crash on x86), so the divisor is made safe
 * first and those two cases are chosen afterwards.
 */
function intDiv(n: NodeOf<"div">, a: string, b: string, cx: OnnxContext): string {
  const zero = equalTo(cx, b, 0, n.dtype);
  const minusOne = equalTo(cx, b, -1, n.dtype);
  const safe = where(cx, or(cx, zero, minusOne), cx.scalar(1, n.dtype), b);
  const quotient = where(cx, minusOne, cx.op("Neg", [a]), cx.op("Div", [a, safe]));
  return where(cx, zero, cx.scalar(0, n.dtype), quotient);
}

/**
 * maximum / minimum: IEEE 754-2019's, where a NaN operand gives NaN. ONNX leaves NaN to the
 * runtime (ONNX Runtime 1.17's Max and Min drop a NaN second operand), so each operand that may
 * hold a NaN is chosen where it is one.
 */
function extremum(type: "Max" | "Min", n: NodeOf<"maximum"> | NodeOf<"minimum">, a: string, b: string, cx: OnnxContext): string {
  let result = cx.op(type, [a, b]);
  if (!isFloat(n.dtype)) return result;
  const [na, nb] = n.inputs as [Node, Node];
  if (mayBeNaN(nb)) result = where(cx, nanMask(cx, b), b, result);
  if (mayBeNaN(na)) result = where(cx, nanMask(cx, a), a, result);
  return result;
}

/**
 * pow: graphgrad's is JavaScript's Math.pow, which differs from C's pow (ONNX Runtime's) in one
 * place: a base of ±1 with a NaN or infinite exponent gives NaN, not 1.
 */
function pow(n: NodeOf<"pow">, x: string, y: string, cx: OnnxContext): string {
  const result = cx.op("Pow", [x, y]);
  if (!mayBeNonFinite(n.inputs[1] as Node)) return result;
  const unitBase = equalTo(cx, cx.op("Abs", [x]), 1, n.dtype);
  const finiteExponent = cx.op("Less", [cx.op("Abs", [y]), cx.scalar(Infinity, n.dtype)]);
  return where(cx, and(cx, unitBase, cx.op("Not", [finiteExponent])), cx.scalar(NaN, n.dtype), result);
}

export const binaryRules: { readonly [K in BinaryOp]: OnnxRule<K> } = {
  add: onnxOp("Add"),
  sub: onnxOp("Sub"),
  mul: onnxOp("Mul"),
  div: (n, [a, b], cx) => (isFloat(n.dtype) ? cx.op("Div", [a as string, b as string]) : intDiv(n, a as string, b as string, cx)),
  pow: (n, [x, y], cx) => pow(n, x as string, y as string, cx),
  maximum: (n, [a, b], cx) => extremum("Max", n, a as string, b as string, cx),
  minimum: (n, [a, b], cx) => extremum("Min", n, a as string, b as string, cx),
};

export const compareRules: { readonly [K in CompareOp]: OnnxRule<K> } = {
  greater: onnxOp("Greater"),
  less: onnxOp("Less"),
  equal: onnxOp("Equal"),
};
