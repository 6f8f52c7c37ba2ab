import type { OpName } from "../../../ir/ops/attrs.js";
import { binaryRules, compareRules } from "./binary.js";
import { checkRules } from "./check.js";
import { convRules } from "./conv.js";
import { customRules } from "./custom.js";
import { indexingRules } from "./indexing.js";
import { layoutRules } from "./layout.js";
import { matmulRules } from "./matmul.js";
import { reduceRules } from "./reduce.js";
import { scanRules } from "./scan.js";
import type { OnnxRule } from "./rule.js";
import { selectRules } from "./select.js";
import { sourceRules } from "./sources.js";
import { unaryRules } from "./unary.js";

/**
 * The ONNX form of every primitive, keyed by op name: a primitive without a rule is a type error.
 * A rule is either an emitter or `notExportable(reason)`.
 *
 * Control flow: `scan` is ONNX `Scan` (./scan.ts), whose body is emitted through this same table
 * in a nested context (`OnnxContext.nested`).
 */
export const ONNX_RULES: { readonly [K in OpName]: OnnxRule<K> } = {
  ...unaryRules,
  ...binaryRules,
  ...compareRules,
  ...selectRules,
  ...reduceRules,
  ...matmulRules,
  ...layoutRules,
  ...indexingRules,
  ...checkRules,
  ...sourceRules,
  ...scanRules,
  ...customRules,
  ...convRules,
};

export { isNotExportable, notExportable, type NotExportable, type OnnxEmit, type OnnxRule } from "./rule.js";
