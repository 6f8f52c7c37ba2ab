import { binaryAttrs, compareAttrs } from "./binary.js";
import { indexingAttrs } from "./indexing.js";
import { layoutAttrs } from "./layout.js";
import { matmulAttrs } from "./matmul.js";
import { reduceAttrs } from "./reduce.js";
import { selectAttrs } from "./select.js";
import { sourceAttrs } from "./sources.js";
import { unaryAttrs } from "./unary.js";
const ATTR_CODECS = {
  ...unaryAttrs,
  ...binaryAttrs,
  ...compareAttrs,
  ...selectAttrs,
  ...reduceAttrs,
  ...matmulAttrs,
  ...layoutAttrs,
  ...indexingAttrs,
  ...sourceAttrs
};
const OP_NAMES = Object.keys(ATTR_CODECS);
export {
  ATTR_CODECS,
  OP_NAMES
};
