import type { NodeOf } from "../../../ir/node.js";
import type { OpName } from "../../../ir/ops/attrs.js";
import type { OnnxContext } from "../context.js";

/**
 * How one primitive is written in ONNX: `inputs` are the ONNX value names of the node's operands
 * (in order); the rule emits nodes through `cx` and returns the name of the value that holds the
 * node's result, with the node's dtype and shape.
 */
export type OnnxEmit<K extends OpName> = (node: NodeOf<K>, inputs: readonly string[], cx: OnnxContext) => string;

/** A primitive that has no ONNX form; `reason` is said in the error that names the op. */
export interface NotExportable {
  readonly notExportable: string;
}

export type OnnxRule<K extends OpName> = OnnxEmit<K> | NotExportable;

/** A primitive that is one ONNX op of the same operands and semantics. */
export const onnxOp =
  (type: string) =>
  (_node: unknown, inputs: readonly string[], cx: OnnxContext): string =>
    cx.op(type, inputs);

export const notExportable = (reason: string): NotExportable => ({ notExportable: reason });

export function isNotExportable<K extends OpName>(rule: OnnxRule<K>): rule is NotExportable {
  return typeof rule !== "function";
}
