import type { DType } from "../../../ir/dtype.js";
import { intAttr } from "../attributes.js";
import type { OnnxContext } from "../context.js";
import { ONNX_TYPE, type OnnxElem } from "../tensors.js";

/** Small ONNX building blocks the rules share. */

export const cast = (cx: OnnxContext, x: string, to: OnnxElem): string => cx.op("Cast", [x], [intAttr("to", ONNX_TYPE[to])]);

/** Where x is NaN (bool). */
export const nanMask = (cx: OnnxContext, x: string): string => cx.op("IsNaN", [x]);

export const or = (cx: OnnxContext, a: string, b: string): string => cx.op("Or", [a, b]);

export const and = (cx: OnnxContext, a: string, b: string): string => cx.op("And", [a, b]);

export const where = (cx: OnnxContext, c: string, a: string, b: string): string => cx.op("Where", [c, a, b]);

export const equalTo = (cx: OnnxContext, x: string, value: number, dtype: DType): string => cx.op("Equal", [x, cx.scalar(value, dtype)]);

/**
 * Indices clamped to [0, rows - 1] as graphgrad's gather and scatterAdd clamp them (ONNX's Gather
 * reads negative indices from the end and rejects out-of-range ones).
 */
export function clampIndices(cx: OnnxContext, indices: string, rows: number | string): string {
  const last = typeof rows === "number" ? cx.scalar(rows - 1, "int32") : cx.op("Sub", [cx.dimScalar(rows, "int32"), cx.scalar(1, "int32")]);
  return cx.op("Clip", [indices, cx.scalar(0, "int32"), last]);
}
