// onnxruntime-node 1.17.0 ships no type declarations of its own: its API is onnxruntime-common's,
// which it re-exports (adding the native backend).
declare module "onnxruntime-node" {
  export * from "onnxruntime-common";
}
