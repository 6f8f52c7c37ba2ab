import { map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { DTypeClass, OpDef, RuleKit, TypeInfo } from "../op.js";
import { elementwiseBatch } from "./batching.js";
import type { Node, NodeOf } from "../node.js";
import { noAttrs } from "./codecs.js";
import { checkClass } from "./dtype-class.js";
import { erf } from "./erf.js";

/**
 * The unary elementwise primitives, each defined here once: the dtypes it accepts, its scalar
 * semantics (in float64; a store rounds to the result dtype; float32 exp and tanh are float32
 * algorithms of their own, float32-math.ts, see elementwise.ts), used by the JS reference backend
 * and by constant folding, and (below) its VJP and JVP (batching is elementwise). Every compiled
 * backend lowers each by name in a table keyed by op, so a new one is demanded there by the type
 * checker.
 */
export const UNARY = {
  neg: { accepts: "numeric", fn: (x) => -x },
  exp: { accepts: "float", fn: Math.exp },
  log: { accepts: "float", fn: Math.log },
  sqrt: { accepts: "float", fn: Math.sqrt },
  abs: { accepts: "numeric", fn: Math.abs },
  sign: { accepts: "numeric", fn: Math.sign },
  tanh: { accepts: "float", fn: Math.tanh },
  floor: { accepts: "numeric", fn: Math.floor },
  stopGradient: { accepts: "any", fn: (x) => x },
  sin: { accepts: "float", fn: Math.sin },
  cos: { accepts: "float", fn: Math.cos },
  // JavaScript has no Math.erf: graphgrad's own float64 erf (erf.ts), also what WASM imports.
  erf: { accepts: "float", fn: erf },
} as const satisfies Readonly<Record<string, { readonly accepts: DTypeClass; readonly fn: (x: number) => number }>>;

export type UnaryOp = keyof typeof UNARY;
export const UNARY_OPS = Object.keys(UNARY) as readonly UnaryOp[];
export const unaryAttrs = noAttrs(UNARY);

/** The derivative rule of a unary op: its VJP and JVP are both products with ∂y/∂x. */
type Rule<K extends UnaryOp> = (n: NodeOf<K>, t: Node, b: RuleKit, x: Node) => Node;

function unary<K extends UnaryOp>(op: K, times: Rule<K> | "zero"): OpDef<K> {
  return {
    arity: 1,
    infer: (xs) => {
      const x = xs[0] as TypeInfo;
      return pipe(
        checkClass(UNARY[op].accepts, x.dtype),
        map(() => x),
      );
    },
    // A unary op's derivative is a pointwise factor, so its VJP and JVP are the same product.
    vjp: (n, g, b) => [times === "zero" ? null : times(n, g, b, n.inputs[0] as Node)],
    jvp: (n, [t], b) => (times === "zero" || t === null || t === undefined ? null : times(n, t, b, n.inputs[0] as Node)),
    batch: elementwiseBatch,
  };
}

export const unaryOps: { readonly [K in UnaryOp]: OpDef<K> } = {
  neg: unary("neg", (_n, t, b) => b.neg(t)),
  exp: unary("exp", (n, t, b) => b.mul(t, n)),
  log: unary("log", (_n, t, b, x) => b.div(t, x)),
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: unary("sqrt", (n, t, b) => b.div(t, b.mul(b.scalarLike(2, n), n))),
  abs: unary("abs", (_n, t, b, x) => b.mul(t, b.emit("sign", [x], {}))),
  sign: unary("sign", "zero"),
  // d tanh(x) = 1 - tanh(x)^2
  tanh: unary("tanh", (n, t, b) => b.mul(t, b.sub(b.scalarLike(1, n), b.mul(n, n)))),
  floor: unary("floor", "zero"),
  stopGradient: unary("stopGradient", "zero"),
  // d sin(x) = cos(x); d cos(x) = -sin(x)
  sin: unary("sin", (_n, t, b, x) => b.mul(t, b.emit("cos", [x], {}))),
  cos: unary("cos", (_n, t, b, x) => b.neg(b.mul(t, b.emit("sin", [x], {})))),
  // d erf(x) = 2/√π·e^(−x²)
  erf: unary("erf", (_n, t, b, x) => b.mul(t, b.mul(b.scalarLike(2 / Math.sqrt(Math.PI), x), b.emit("exp", [b.neg(b.mul(x, x))], {})))),
};
