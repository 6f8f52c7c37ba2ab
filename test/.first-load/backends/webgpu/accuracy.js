import { ELEMENTWISE_WGSL } from "./ops.js";
import { WG } from "./shader.js";
const WEBGPU_ACCURACY = {
  ulps: { ...ulpsByOp(), normal: 4 },
  sumUnits: (n) => n <= WG ? n : Math.ceil(n / WG) + Math.log2(WG) + 1,
  flushesSubnormals: true
};
function ulpsByOp() {
  return Object.fromEntries(Object.entries(ELEMENTWISE_WGSL).map(([op, w]) => [op, w.ulps]));
}
export {
  WEBGPU_ACCURACY
};
