import { type Either, map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { DType } from "../dtype.js";
import type { Node, NodeOf } from "../node.js";
import type { DTypeClass, OpDef, RuleKit, TypeInfo } from "../op.js";
import { broadcastShapes } from "../shape.js";
import { noAttrs } from "./codecs.js";
import { checkClass, sameDType } from "./dtype-class.js";

/**
 * The binary elementwise primitives (operands of one dtype, numpy broadcasting), each defined here
 * once: the dtypes it accepts, its scalar semantics in float64 (`int`: the int32 form where it
 * differs — exact wrapping products, truncating division with x / 0 = 0) and its VJP. A VJP
 * returns cotangents of the result's shape; the gradient driver sums them back over broadcast axes.
 */
interface BinarySemantics {
  readonly accepts: DTypeClass;
  readonly fn: (a: number, b: number) => number;
  readonly int?: (a: number, b: number) => number;
}

export const BINARY = {
  add: { accepts: "numeric", fn: (a, b) => a + b },
  sub: { accepts: "numeric", fn: (a, b) => a - b },
  mul: { accepts: "numeric", fn: (a, b) => a * b, int: Math.imul },
  div: { accepts: "numeric", fn: (a, b) => a / b, int: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)) },
  pow: { accepts: "float", fn: Math.pow },
  // IEEE 754-2019 maximum/minimum (WebAssembly's fmax/fmin): NaN propagates and -0 < +0, so the
  // result does not depend on the operand order.
  maximum: { accepts: "numeric", fn: Math.max },
  minimum: { accepts: "numeric", fn: Math.min },
} as const satisfies Readonly<Record<string, BinarySemantics>>;

/** Comparisons: bool results. */
export const COMPARE = {
  greater: { accepts: "numeric", fn: (a, b) => a > b },
  less: { accepts: "numeric", fn: (a, b) => a < b },
  equal: { accepts: "any", fn: (a, b) => a === b },
} as const satisfies Readonly<Record<string, { readonly accepts: DTypeClass; readonly fn: (a: number, b: number) => boolean }>>;

export type BinaryOp = keyof typeof BINARY;
export type CompareOp = keyof typeof COMPARE;
export const BINARY_OPS = Object.keys(BINARY) as readonly BinaryOp[];
export const COMPARE_OPS = Object.keys(COMPARE) as readonly CompareOp[];
export const binaryAttrs = noAttrs(BINARY);
export const compareAttrs = noAttrs(COMPARE);

/** The scalar function of a binary op computing in dtype d. */
export function binaryFn(op: BinaryOp, d: DType): (a: number, b: number) => number {
  const s: BinarySemantics = BINARY[op];
  return d === "int32" && s.int !== undefined ? s.int : s.fn;
}

function inferBinary(accepts: DTypeClass, resultBool: boolean) {
  return (xs: readonly TypeInfo[]): Either<string, TypeInfo> => {
    const d = sameDType(xs);
    if (d._tag === "Left") return d;
    const c = checkClass(accepts, d.right);
    if (c._tag === "Left") return c;
    return pipe(
      broadcastShapes(xs.map((x) => x.shape)),
      map((shape) => ({ shape, dtype: resultBool ? "bool" : d.right })),
    );
  };
}

function binary<K extends BinaryOp>(op: K, vjp: (n: NodeOf<K>, g: Node, b: RuleKit, x: Node, y: Node) => readonly [Node | null, Node | null]): OpDef<K> {
  return { arity: 2, infer: inferBinary(BINARY[op].accepts, false), vjp: (n, g, b) => vjp(n, g, b, n.inputs[0] as Node, n.inputs[1] as Node) };
}

const compare = <K extends CompareOp>(op: K): OpDef<K> => ({ arity: 2, infer: inferBinary(COMPARE[op].accepts, true), vjp: () => [null, null] });

/** [a > b] + [a = b]/2 (or <): which operand the max (min) takes, ties split evenly (as JAX does). */
function chooserMask(b: RuleKit, x: Node, y: Node, pick: "greater" | "less"): Node {
  const win = b.cast(b.emit(pick, [x, y], {}), x.dtype);
  const tie = b.cast(b.emit("equal", [x, y], {}), x.dtype);
  return b.add(win, b.mul(tie, b.scalarLike(0.5, x)));
}

export const binaryOps: { readonly [K in BinaryOp]: OpDef<K> } = {
  add: binary("add", (_n, g) => [g, g]),
  sub: binary("sub", (_n, g, b) => [g, b.neg(g)]),
  mul: binary("mul", (_n, g, b, x, y) => [b.mul(g, y), b.mul(g, x)]),
  // d(a/b) = g/b, -g·a/b²
  div: binary("div", (_n, g, b, x, y) => [b.div(g, y), b.neg(b.div(b.mul(g, x), b.mul(y, y)))]),
  // d a^b = g·b·a^(b-1) and g·a^b·log a (log taken at 1 where a = 0, as JAX does, so 0^b gives 0)
  pow: binary("pow", (n, g, b, x, y) => {
    const gx = b.mul(g, b.mul(y, b.emit("pow", [x, b.sub(y, b.scalarLike(1, y))], {})));
    const safeX = b.where(b.emit("equal", [x, b.scalarLike(0, x)], {}), b.scalarLike(1, x), x);
    return [gx, b.mul(g, b.mul(n, b.emit("log", [safeX], {})))];
  }),
  maximum: binary("maximum", (_n, g, b, x, y) => [b.mul(g, chooserMask(b, x, y, "greater")), b.mul(g, chooserMask(b, y, x, "greater"))]),
  minimum: binary("minimum", (_n, g, b, x, y) => [b.mul(g, chooserMask(b, x, y, "less")), b.mul(g, chooserMask(b, y, x, "less"))]),
};

export const compareOps: { readonly [K in CompareOp]: OpDef<K> } = {
  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal"),
};

