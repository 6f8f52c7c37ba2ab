import { binaryOps, compareOps } from "./binary.js";
import { indexingOps } from "./indexing.js";
import { layoutOps } from "./layout.js";
import { matmulOps } from "./matmul.js";
import { reduceOps } from "./reduce.js";
import { selectOps } from "./select.js";
import { sourceOps } from "./sources.js";
import { unaryOps } from "./unary.js";
const OPS = {
  ...unaryOps,
  ...binaryOps,
  ...compareOps,
  ...selectOps,
  ...reduceOps,
  ...matmulOps,
  ...layoutOps,
  ...indexingOps,
  ...sourceOps
};
import { ATTR_CODECS, OP_NAMES } from "./attrs.js";
export {
  ATTR_CODECS,
  OPS,
  OP_NAMES
};
