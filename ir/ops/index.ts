import type { OpTable } from "../op.js";
import { binaryOps, compareOps } from "./binary.js";
import { checkOps } from "./check.js";
import { convOps } from "./conv.js";
import { indexingOps } from "./indexing.js";
import { layoutOps } from "./layout.js";
import { matmulOps } from "./matmul.js";
import { reduceOps } from "./reduce.js";
import { customOps } from "./custom.js";
import { scanOps } from "./scan.js";
import { selectOps } from "./select.js";
import { sourceOps } from "./sources.js";
import { unaryOps } from "./unary.js";

/** Every primitive's rules, keyed by op name. Missing an op here is a type error. */
export const OPS: OpTable = {
  ...unaryOps,
  ...binaryOps,
  ...compareOps,
  ...selectOps,
  ...reduceOps,
  ...matmulOps,
  ...layoutOps,
  ...indexingOps,
  ...checkOps,
  ...sourceOps,
  ...scanOps,
  ...customOps,
  ...convOps,
};

export { ATTR_CODECS, OP_NAMES, type OpAttrs, type OpName } from "./attrs.js";
