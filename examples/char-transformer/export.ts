import * as gg from "../../src/index.js";
import { type CharTransformerParams, charTransformerLogits } from "./model.js";

/** The input of the exported model: windows of character ids, [batch, contextLength] int32. */
export const ONNX_INPUT = "ids";

/** The inference graph: the logits [batch, contextLength, vocab] of the next character at each position of `ids`. */
export function inferenceGraph(params: CharTransformerParams, contextLength: number): { readonly ids: gg.Expr; readonly logits: gg.Expr } {
  const ids = gg.input(ONNX_INPUT, ["batch", contextLength], "int32");
  return { ids, logits: charTransformerLogits(params, ids) };
}

/** The trained model as an ONNX file (bytes): input `ids`, output `logits`, the parameters as initializers. */
export function exportCharTransformer(params: CharTransformerParams, values: Readonly<Record<string, gg.Tensor>>, contextLength: number): Uint8Array {
  return gg.onnx.export({ logits: inferenceGraph(params, contextLength).logits }, { params: values, name: "char-transformer" });
}
