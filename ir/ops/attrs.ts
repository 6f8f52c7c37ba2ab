import type * as t from "io-ts";
import { binaryAttrs, compareAttrs } from "./binary.js";
import { checkAttrs } from "./check.js";
import { convAttrs } from "./conv.js";
import { indexingAttrs } from "./indexing.js";
import { layoutAttrs } from "./layout.js";
import { matmulAttrs } from "./matmul.js";
import { reduceAttrs } from "./reduce.js";
import { customAttrs } from "./custom.js";
import { scanAttrs } from "./scan.js";
import { selectAttrs } from "./select.js";
import { sourceAttrs } from "./sources.js";
import { unaryAttrs } from "./unary.js";

/**
 * The attribute codec of every primitive, collected from the op-family files where each is
 * defined beside its rules. This table is the list of primitives: `OpName` is its key set, so a
 * rule table or a backend's lowering table that misses one fails `tsc`.
 */
export const ATTR_CODECS = {
  ...unaryAttrs,
  ...binaryAttrs,
  ...compareAttrs,
  ...selectAttrs,
  ...reduceAttrs,
  ...matmulAttrs,
  ...layoutAttrs,
  ...indexingAttrs,
  ...checkAttrs,
  ...sourceAttrs,
  ...scanAttrs,
  ...customAttrs,
  ...convAttrs,
};

export type OpName = keyof typeof ATTR_CODECS;
export type OpAttrs = { readonly [K in OpName]: t.TypeOf<(typeof ATTR_CODECS)[K]> };
export const OP_NAMES = Object.keys(ATTR_CODECS) as readonly OpName[];
