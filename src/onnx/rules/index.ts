import type { OpName } from "../../../ir/ops/attrs.js";
import { binaryRules, compareRules } from "./binary.js";
import { indexingRules } from "./indexing.js";
import { layoutRules } from "./layout.js";
import { matmulRules } from "./matmul.js";
import { reduceRules } from "./reduce.js";
import type { OnnxRule } from "./rule.js";
import { selectRules } from "./select.js";
import { sourceRules } from "./sources.js";
import { unaryRules } from "./unary.js";

/**
 * The ONNX form of every primitive, keyed by op name: a primitive without a rule is a type error.
 * A rule is either an emitter or `notExportable(reason)`.
 *
 * Control flow: a `scan` primitive (a loop over a body graph) belongs here as ONNX `Scan`, whose
 * `body` attribute is a GraphProto: its rule would build the body with a context of its own
 * (`createContext`) through the same table (`emitNodes` in ../graph.ts), the carried state and
 * the scanned slices as the body's inputs.
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
  ...sourceRules,
};

export { isNotExportable, notExportable, type NotExportable, type OnnxEmit, type OnnxRule } from "./rule.js";
