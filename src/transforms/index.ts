export { jvp } from "./jvp.js";
export { vmap, type VmapOptions, type VmapResult } from "./vmap.js";
export { hessian, hvp, jacobian } from "./jacobian.js";
export { scan, type ExprTree, type ScanOptions } from "./scan.js";
export { customVjp, type CustomVjpRule } from "./custom-vjp.js";
