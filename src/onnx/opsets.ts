/**
 * The ONNX opsets an export can target. 16 is the first with ScatterND's `reduction` (the form of
 * `scatterAdd`); 20 the newest one the tests run (in ONNX Runtime 1.17). The default, 17, runs on
 * ONNX Runtime 1.12 and later.
 */
export const MIN_OPSET = 16;
export const MAX_OPSET = 20;
export const DEFAULT_OPSET = 17;

/**
 * The IR version a model declares: the oldest that knows its opset (ONNX's release table: IR 8
 * came with opsets 15 to 18, IR 9 with 19 and 20), so older runtimes load it.
 */
export function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : 9;
}
