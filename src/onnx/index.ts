/**
 * `gg.onnx`: inference graphs as ONNX model files. `export` is a reserved word, hence the renaming:
 * `gg.onnx.export(outputs, { params, opset })`.
 */
export { exportOnnx as export, type OnnxExportOptions } from "./export.js";
export { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from "./opsets.js";
