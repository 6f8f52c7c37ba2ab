import { type Either, map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { DType } from "../dtype.js";
import type { Node, NodeOf } from "../node.js";
import type { DTypeClass, OpDef, RuleKit, TypeInfo } from "../op.js";
import { broadcastShapes } from "../shape.js";
import { noAttrs } from "./codecs.js";
import { elementwiseBatch } from "./batching.js";
import { checkClass, sameDType } from "./dtype-class.js";

/**
 * The binary elementwise primitives (operands of one dtype, numpy broadcasting), each defined here
 * once: the dtypes it accepts, its scalar semantics in float64 (`int`: the int32 form where it
 * differs — exact wrapping products, truncating division with x / 0 = 0) and its partial
 * derivatives, from which its VJP and JVP follow. A VJP returns cotangents of the result's shape;
 * the gradient driver sums them back over broadcast axes.
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

/**
 * A binary op's derivative as two linear maps, t ↦ t·∂n/∂x and t ↦ t·∂n/∂y (null: zero). The VJP
 * applies them to the cotangent, the JVP to each operand's tangent and adds the results.
 */
type Partials<K extends BinaryOp> = (n: NodeOf<K>, b: RuleKit, x: Node, y: Node) => readonly [((t: Node) => Node) | null, ((t: Node) => Node) | null];

function binary<K extends BinaryOp>(op: K, partials: Partials<K>): OpDef<K> {
  return {
    arity: 2,
    infer: inferBinary(BINARY[op].accepts, false),
    vjp: (n, g, b) => partials(n, b, n.inputs[0] as Node, n.inputs[1] as Node).map((d) => (d === null ? null : d(g))),
    jvp: (n, ts, b) => {
      const ds = partials(n, b, n.inputs[0] as Node, n.inputs[1] as Node);
      const parts = ds.flatMap((d, i) => {
        const t = ts[i];
        return d === null || t === null || t === undefined ? [] : [d(t)];
      });
      return parts.reduce<Node | null>((acc, p) => (acc === null ? p : b.add(acc, p)), null);
    },
    batch: elementwiseBatch,
  };
}

const compare = <K extends CompareOp>(op: K): OpDef<K> => ({
  arity: 2,
  infer: inferBinary(COMPARE[op].accepts, true),
  vjp: () => [null, null],
  jvp: () => null,
  batch: elementwiseBatch,
});

/** [a > b] + [a = b]/2 (or <): which operand the max (min) takes, ties split evenly (as JAX does). */
function chooserMask(b: RuleKit, x: Node, y: Node, pick: "greater" | "less"): Node {
  const win = b.cast(b.emit(pick, [x, y], {}), x.dtype);
  const tie = b.cast(b.emit("equal", [x, y], {}), x.dtype);
  return b.add(win, b.mul(tie, b.scalarLike(0.5, x)));
}

export const binaryOps: { readonly [K in BinaryOp]: OpDef<K> } = {
  add: binary("add", () => [(t) => t, (t) => t]),
  sub: binary("sub", (_n, b) => [(t) => t, (t) => b.neg(t)]),
  mul: binary("mul", (_n, b, x, y) => [(t) => b.mul(t, y), (t) => b.mul(t, x)]),
  // d(a/b) = t/b and -t·a/b²
  div: binary("div", (_n, b, x, y) => [(t) => b.div(t, y), (t) => b.neg(b.div(b.mul(t, x), b.mul(y, y)))]),
  // d a^b = t·b·a^(b-1) and t·a^b·log a (log taken at 1 where a = 0, as JAX does, so 0^b gives 0)
  pow: binary("pow", (n, b, x, y) => {
    const dx = b.mul(y, b.emit("pow", [x, b.sub(y, b.scalarLike(1, y))], {}));
    const safeX = b.where(b.emit("equal", [x, b.scalarLike(0, x)], {}), b.scalarLike(1, x), x);
    const dy = b.mul(n, b.emit("log", [safeX], {}));
    return [(t) => b.mul(t, dx), (t) => b.mul(t, dy)];
  }),
  maximum: binary("maximum", (_n, b, x, y) => [(t) => b.mul(t, chooserMask(b, x, y, "greater")), (t) => b.mul(t, chooserMask(b, y, x, "greater"))]),
  minimum: binary("minimum", (_n, b, x, y) => [(t) => b.mul(t, chooserMask(b, x, y, "less")), (t) => b.mul(t, chooserMask(b, y, x, "less"))]),
};

export const compareOps: { readonly [K in CompareOp]: OpDef<K> } = {
  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal"),
};

