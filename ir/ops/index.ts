import type { OpTable } from "../op.js";
import { elementwiseOps } from "./elementwise.js";
import { indexingOps } from "./indexing.js";
import { layoutOps } from "./layout.js";
import { matmulOps } from "./matmul.js";
import { reduceOps } from "./reduce.js";
import { sourceOps } from "./sources.js";

/** Every primitive's rules, keyed by op name. Missing an op here is a type error. */
export const OPS: OpTable = {
  ...elementwiseOps,
  ...reduceOps,
  ...matmulOps,
  ...layoutOps,
  ...indexingOps,
  ...sourceOps,
};

export { ATTR_CODECS, OP_NAMES, type OpAttrs, type OpName } from "./attrs.js";
