import { param } from "../ops.js";
function createParam(name, shape, init, dtype = "float32") {
  return { param: param(name, shape, dtype), spec: { name, shape: [...shape], dtype, init } };
}
export {
  createParam
};
