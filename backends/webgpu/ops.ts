import type { DType } from "../../ir/dtype.js";
import type { ElementwiseOp } from "../../ir/ops/elementwise.js";
import type { HelperName } from "./math.js";

/**
 * How each elementwise primitive is written in WGSL, keyed by op name (a missing op fails `tsc`).
 * Values live in registers as f32, i32 or bool (float64 does not exist in WGSL: the backend
 * rejects it before generating code). The semantics are the JS reference's (`ir/ops/elementwise.ts`).
 */


export interface OpContext {
  /** The operands, as WGSL expressions of their dtypes. */
  readonly args: readonly string[];
  readonly argTypes: readonly DType[];
  /** The result dtype (for `cast`, the target). */
  readonly dtype: DType;
  /** Registers a library function (see math.ts) and returns its name. */
  use(h: HelperName): string;
}

export type OpEmitter = (c: OpContext) => string;

export type WgslType = "f32" | "i32" | "bool";

export function wgslType(d: DType): WgslType {
  switch (d) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "bool";
    case "float64":
      throw new Error("float64 reached WGSL generation (the backend rejects it at compile time)");
  }
}

const a0 = (c: OpContext): string => c.args[0] as string;
const a1 = (c: OpContext): string => c.args[1] as string;
const isFloatArg = (c: OpContext): boolean => (c.argTypes[0] ?? c.dtype) === "float32";

/** A float form through a library function, an integer form inline. */
function byType(float: (c: OpContext) => string, int: (c: OpContext) => string): OpEmitter {
  return (c) => (isFloatArg(c) ? float(c) : int(c));
}

const call = (h: HelperName) => (c: OpContext): string => `${c.use(h)}(${c.args.join(", ")})`;
const infix = (op: string) => (c: OpContext): string => `(${a0(c)} ${op} ${a1(c)})`;
const identity: OpEmitter = (c) => a0(c);

/** cast between dtypes: float -> int32 saturating (NaN -> 0), int -> float rounded to nearest, "non-zero" to bool. */
function cast(c: OpContext): string {
  const from = c.argTypes[0] as DType;
  const to = c.dtype;
  const x = a0(c);
  if (from === to) return x;
  if (to === "bool") return from === "float32" ? `${c.use("gg_f2b")}(${x})` : `(${x} != 0)`;
  if (from === "bool") return to === "float32" ? `select(0.0, 1.0, ${x})` : `select(0, 1, ${x})`;
  if (to === "int32") return `${c.use("gg_f2i")}(${x})`;
  return `${c.use("gg_i2f")}(${x})`;
}

export const ELEMENTWISE_WGSL: { readonly [K in ElementwiseOp]: OpEmitter } = {
  neg: byType(call("gg_neg"), (c) => `(-(${a0(c)}))`),
  abs: byType(call("gg_abs"), (c) => `abs(${a0(c)})`),
  sign: byType(call("gg_sign"), (c) => `sign(${a0(c)})`),
  floor: byType(call("gg_floor"), identity),
  sqrt: call("gg_sqrt"),
  exp: call("gg_exp"),
  log: call("gg_log"),
  tanh: call("gg_tanh"),
  stopGradient: identity,
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: byType(infix("/"), call("gg_idiv")),
  pow: call("gg_pow"),
  maximum: byType(call("gg_max"), (c) => `max(${a0(c)}, ${a1(c)})`),
  minimum: byType(call("gg_min"), (c) => `min(${a0(c)}, ${a1(c)})`),
  greater: byType(call("gg_gt"), infix(">")),
  less: byType(call("gg_lt"), infix("<")),
  equal: byType(call("gg_eq"), infix("==")),
  where: (c) => `select(${c.args[2]}, ${c.args[1]}, ${c.args[0]})`,
  cast,
};
