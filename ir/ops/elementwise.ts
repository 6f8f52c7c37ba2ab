import { type Either, left, right, map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { type DType, isFloat } from "../dtype.js";
import { emit } from "../build.js";
import { add, cast, div, fill, mul, neg, scalarLike, sub, unbroadcast, where } from "../builders.js";
import type { Node } from "../node.js";
import type { OpDef, TypeInfo } from "../op.js";
import { broadcastShapes } from "../shape.js";
import type { BinaryOp, CompareOp, UnaryOp } from "./attrs.js";

/**
 * Elementwise primitives. Each is defined here once: its scalar semantics (used by the JS
 * reference backend and by constant folding), its dtype rule, and its VJP.
 */

/** Scalar semantics of the unary ops, in float64; stores round to the result dtype. */
export const UNARY_FN: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  tanh: Math.tanh,
  floor: Math.floor,
  stopGradient: (x) => x,
};

/** Scalar semantics of the binary ops; int32 differs for mul (exact, wrapping) and div (truncating). */
export function binaryFn(op: BinaryOp, dtype: DType): (a: number, b: number) => number {
  if (dtype === "int32") {
    if (op === "mul") return Math.imul;
    if (op === "div") return (a, b) => (b === 0 ? 0 : Math.trunc(a / b));
  }
  return BINARY_FN[op];
}

const BINARY_FN: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  // IEEE 754-2019 maximum/minimum (WebAssembly's fmax/fmin): NaN propagates and -0 < +0, so the
  // result does not depend on the operand order.
  maximum: Math.max,
  minimum: Math.min,
};

export const COMPARE_FN: Readonly<Record<CompareOp, (a: number, b: number) => boolean>> = {
  greater: (a, b) => a > b,
  less: (a, b) => a < b,
  equal: (a, b) => a === b,
};

type Kind = "any" | "numeric" | "float";
const FLOAT_ONLY: ReadonlySet<string> = new Set(["exp", "log", "sqrt", "tanh", "pow"]);
const ANY_DTYPE: ReadonlySet<string> = new Set(["stopGradient", "equal"]);

function kindOf(op: string): Kind {
  return FLOAT_ONLY.has(op) ? "float" : ANY_DTYPE.has(op) ? "any" : "numeric";
}

function checkDType(op: string, d: DType): Either<string, DType> {
  const k = kindOf(op);
  if (k === "float" && !isFloat(d)) return left(`needs a float operand, got ${d} (cast it first)`);
  if (k === "numeric" && d === "bool") return left(`needs a numeric operand, got bool (cast it first)`);
  return right(d);
}

function sameDType(xs: readonly TypeInfo[]): Either<string, DType> {
  const d = (xs[0] as TypeInfo).dtype;
  for (const x of xs) {
    if (x.dtype !== d) return left(`operand dtypes differ: ${xs.map((y) => y.dtype).join(" vs ")} (cast one first)`);
  }
  return right(d);
}

function inferUnary(op: UnaryOp) {
  return (xs: readonly TypeInfo[]): Either<string, TypeInfo> => {
    const x = xs[0] as TypeInfo;
    return pipe(
      checkDType(op, x.dtype),
      map(() => x),
    );
  };
}

function inferBinary(op: BinaryOp | CompareOp, resultBool: boolean) {
  return (xs: readonly TypeInfo[]): Either<string, TypeInfo> => {
    const d = sameDType(xs);
    if (d._tag === "Left") return d;
    const c = checkDType(op, d.right);
    if (c._tag === "Left") return c;
    return pipe(
      broadcastShapes(xs.map((x) => x.shape)),
      map((shape) => ({ shape, dtype: resultBool ? "bool" : d.right })),
    );
  };
}

const unary = <K extends UnaryOp>(op: K, vjp: OpDef<K>["vjp"]): OpDef<K> => ({ arity: 1, infer: inferUnary(op), vjp });
const binary = <K extends BinaryOp>(op: K, vjp: OpDef<K>["vjp"]): OpDef<K> => ({
  arity: 2,
  infer: inferBinary(op, false),
  vjp,
});
const compare = <K extends CompareOp>(op: K): OpDef<K> => ({ arity: 2, infer: inferBinary(op, true), vjp: () => [null, null] });

/** g·[a > b] + g·[a = b]/2: the max's gradient, ties split evenly (as JAX does). */
function chooserMask(a: Node, b: Node, pick: "greater" | "less"): Node {
  const win = cast(emit(pick, [a, b], {}), a.dtype);
  const tie = cast(emit("equal", [a, b], {}), a.dtype);
  return add(win, mul(tie, scalarLike(0.5, a)));
}


export const elementwiseOps: { readonly [K in UnaryOp | BinaryOp | CompareOp | "where" | "cast"]: OpDef<K> } = {
  neg: unary("neg", (_n, g) => [neg(g)]),
  exp: unary("exp", (n, g) => [mul(g, n)]),
  log: unary("log", (n, g) => [div(g, n.inputs[0] as Node)]),
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: unary("sqrt", (n, g) => [div(g, mul(scalarLike(2, n), n))]),
  abs: unary("abs", (n, g) => [mul(g, emit("sign", [n.inputs[0] as Node], {}))]),
  sign: unary("sign", () => [null]),
  // d tanh(x) = 1 - tanh(x)^2
  tanh: unary("tanh", (n, g) => [mul(g, sub(scalarLike(1, n), mul(n, n)))]),
  floor: unary("floor", () => [null]),
  stopGradient: unary("stopGradient", () => [null]),

  add: binary("add", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    return [unbroadcast(g, a.shape), unbroadcast(g, b.shape)];
  }),
  sub: binary("sub", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    return [unbroadcast(g, a.shape), unbroadcast(neg(g), b.shape)];
  }),
  mul: binary("mul", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    return [unbroadcast(mul(g, b), a.shape), unbroadcast(mul(g, a), b.shape)];
  }),
  // d(a/b) = g/b, -g·a/b²
  div: binary("div", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    const gb = neg(div(mul(g, a), mul(b, b)));
    return [unbroadcast(div(g, b), a.shape), unbroadcast(gb, b.shape)];
  }),
  // d a^b = g·b·a^(b-1) and g·a^b·log a (log taken at 1 where a = 0, as JAX does, so 0^b gives 0)
  pow: binary("pow", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    const ga = mul(g, mul(b, emit("pow", [a, sub(b, scalarLike(1, b))], {})));
    const safeA = where(emit("equal", [a, scalarLike(0, a)], {}), scalarLike(1, a), a);
    const gb = mul(g, mul(n, emit("log", [safeA], {})));
    return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)];
  }),
  maximum: binary("maximum", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    return [unbroadcast(mul(g, chooserMask(a, b, "greater")), a.shape), unbroadcast(mul(g, chooserMask(b, a, "greater")), b.shape)];
  }),
  minimum: binary("minimum", (n, g) => {
    const [a, b] = n.inputs as [Node, Node];
    return [unbroadcast(mul(g, chooserMask(a, b, "less")), a.shape), unbroadcast(mul(g, chooserMask(b, a, "less")), b.shape)];
  }),

  greater: compare("greater"),
  less: compare("less"),
  equal: compare("equal"),

  where: {
    arity: 3,
    infer: (xs) => {
      const [c, a, b] = xs as [TypeInfo, TypeInfo, TypeInfo];
      if (c.dtype !== "bool") return left(`condition must be bool, got ${c.dtype}`);
      if (a.dtype !== b.dtype) return left(`branch dtypes differ: ${a.dtype} vs ${b.dtype}`);
      return pipe(
        broadcastShapes([c.shape, a.shape, b.shape]),
        map((shape) => ({ shape, dtype: a.dtype })),
      );
    },
    vjp: (n, g) => {
      const [c, a, b] = n.inputs as [Node, Node, Node];
      const zero = fill(0, [], g.dtype);
      return [null, unbroadcast(where(c, g, zero), a.shape), unbroadcast(where(c, zero, g), b.shape)];
    },
  },
  cast: {
    arity: 1,
    infer: (xs, attrs) => right({ shape: (xs[0] as TypeInfo).shape, dtype: attrs.dtype }),
    // Only float-to-float casts carry a gradient; through ints and bools it is zero.
    vjp: (n, g) => {
      const x = n.inputs[0] as Node;
      return [isFloat(x.dtype) && isFloat(n.dtype) ? cast(g, x.dtype) : null];
    },
  },
};

/**
 * Scalar semantics of `cast` to `to`: to bool is "non-zero" (NaN is true, as in numpy); float to
 * int32 truncates toward zero and saturates at the int32 range, NaN giving 0 (WebAssembly's
 * trunc_sat, the same on every backend); to a float rounds to nearest.
 */
export function castFn(to: DType): (x: number) => number {
  switch (to) {
    case "bool":
      return (x) => (x !== 0 ? 1 : 0);
    case "int32":
      return (x) => (x !== x ? 0 : x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x));
    case "float32":
      return Math.fround;
    case "float64":
      return (x) => x;
  }
}
