import { onnxOp, type OnnxRule } from "./rule.js";

/** graphgrad's matmul is numpy's (batch axes broadcast, both operands of rank >= 2): ONNX's MatMul. */
export const matmulRules: { readonly matmul: OnnxRule<"matmul"> } = {
  matmul: onnxOp("MatMul"),
};
