import { apply } from "../ir/build.js";
import { isNode, type Node } from "../ir/node.js";
import { type DType, isFloat, promote } from "../ir/dtype.js";
import { GraphgradError, orThrow } from "../ir/errors.js";
import type { OpAttrs, OpName } from "../ir/ops/attrs.js";
import { BINARY, BINARY_OPS, type BinaryOp, COMPARE_OPS, type CompareOp, UNARY, UNARY_OPS, type UnaryOp } from "../ir/ops/elementwise.js";
import { type Dim, formatShape, normalizeAxis, type Shape } from "../ir/shape.js";
import { type NestedArray, nestedShape, tensorFrom } from "../ir/tensor.js";
import { OPS } from "../ir/ops/index.js";
import * as arg from "./args-base.js";

/**
 * The public primitive builders. They check their operands and throw `GraphgradError` at build
 * time, naming the op and the shapes. Numbers are weakly typed (they take the other operand's
 * dtype); two expressions of different dtypes are promoted (bool < int32 < float32 < float64);
 * transcendental functions promote integers to float32.
 */

/** Applies a primitive, throwing its error. */
export function prim<K extends OpName>(op: K, inputs: readonly Expr[], attrs: OpAttrs[K]): Expr {
  if (typeof op !== "string" || !Object.hasOwn(OPS, op)) throw new GraphgradError("prim", `unknown primitive ${arg.describe(op)}: expected one of ${Object.keys(OPS).join(", ")}`);
  checkExprList(op, inputs, "the operands");
  arg.record(op, attrs, "the attributes");
  return Expr.of(orThrow(apply(op, inputs.map((e) => e.node), attrs)));
}

function check(x: unknown, op: string, i: number): asserts x is ExprLike {
  checkExprLike(op, x, `operand ${i}`);
}

/** A scalar constant of a dtype. */
export function scalar(value: number, dtype: DType = "float32"): Expr {
  arg.number("scalar", value, "the value", { nonFinite: true });
  return prim("fill", [], { shape: [], dtype: arg.dtype("scalar", dtype), value });
}

/** Lifts numbers to constants and promotes both operands to a common dtype. */
function lift2(op: string, a: ExprLike, b: ExprLike): [Expr, Expr] {
  check(a, op, 0);
  check(b, op, 1);
  if (a instanceof Expr && b instanceof Expr) {
    const d = promote(a.dtype, b.dtype);
    return [cast(a, d), cast(b, d)];
  }
  if (a instanceof Expr) return [a, weak(b as number, a)] as [Expr, Expr];
  if (b instanceof Expr) return [weak(a as number, b), b] as [Expr, Expr];
  return [scalar(a as number), scalar(b as number)];
}

/** A number as a constant of `like`'s dtype, widening an integer `like` when the number is not an integer. */
function weak(v: number, like: Expr): Expr {
  if ((like.dtype === "int32" || like.dtype === "bool") && !Number.isInteger(v)) return scalar(v, "float32");
  return scalar(v, like.dtype === "bool" ? "int32" : like.dtype);
}

function toFloat(x: Expr): Expr {
  return isFloat(x.dtype) ? x : cast(x, "float32");
}

/**
 * The public builders of the elementwise primitives, one per entry of their definition tables
 * (`ir/ops/unary.ts`, `ir/ops/binary.ts`): a float-only op promotes integer operands to float32;
 * arithmetic on bools computes in int32; comparisons promote both operands to a common dtype.
 */
function unaryBuilder(op: UnaryOp): (x: ExprLike) => Expr {
  return (x) => {
    check(x, op, 0);
    const e = x instanceof Expr ? x : scalar(x);
    return prim(op, [UNARY[op].accepts === "float" ? toFloat(e) : e], {});
  };
}

function binaryBuilder(op: BinaryOp): (a: ExprLike, b: ExprLike) => Expr {
  return (a, b) => {
    let [x, y] = lift2(op, a, b);
    if (BINARY[op].accepts === "float") [x, y] = [toFloat(x), toFloat(y)];
    else if (x.dtype === "bool") [x, y] = [cast(x, "int32"), cast(y, "int32")];
    return prim(op, [x, y], {});
  };
}

function compareBuilder(op: CompareOp): (a: ExprLike, b: ExprLike) => Expr {
  return (a, b) => prim(op, lift2(op, a, b), {});
}

const builders = <K extends string, F>(ops: readonly K[], make: (op: K) => F): { readonly [P in K]: F } =>
  Object.fromEntries(ops.map((op) => [op, make(op)])) as { readonly [P in K]: F };

/** `stopGradient(x)` is the identity whose gradient is zero: the value is used, no gradient flows back through it. */
export const { neg, abs, sign, floor, stopGradient, exp, log, sqrt, tanh, sin, cos, erf } = builders(UNARY_OPS, unaryBuilder);
export const { add, sub, mul, div, pow, maximum, minimum } = builders(BINARY_OPS, binaryBuilder);
export const { greater, less, equal } = builders(COMPARE_OPS, compareBuilder);

/** Every elementwise primitive has its builder exported above: a new primitive fails this check until it does. */
const EXPORTED: { readonly [K in UnaryOp | BinaryOp | CompareOp]: unknown } = { neg, abs, sign, floor, stopGradient, exp, log, sqrt, tanh, sin, cos, erf, add, sub, mul, div, pow, maximum, minimum, greater, less, equal };
void EXPORTED;

export const greaterEqual = (a: ExprLike, b: ExprLike): Expr => logicalNot(less(a, b));
export const lessEqual = (a: ExprLike, b: ExprLike): Expr => logicalNot(greater(a, b));
export const notEqual = (a: ExprLike, b: ExprLike): Expr => logicalNot(equal(a, b));
export function logicalNot(x: Expr): Expr {
  checkExpr("logicalNot", x);
  return prim("equal", [x, scalar(0, x.dtype)], {});
}

export function where(cond: Expr, a: ExprLike, b: ExprLike): Expr {
  if (!(cond instanceof Expr)) throw new GraphgradError("where", "the condition must be a bool Expr");
  const [x, y] = lift2("where", a, b);
  return prim("where", [cond, x, y], {});
}

export function cast(x: Expr, dtype: DType): Expr {
  checkExpr("cast", x);
  arg.dtype("cast", dtype);
  return x.dtype === dtype ? x : prim("cast", [x], { dtype });
}

/** Axes as given by a user (one, several, negative, or all when undefined) normalized for `rank`. */
export function axesOf(op: string, x: Expr, axes: number | readonly number[] | undefined): number[] {
  arg.string("axesOf", op, "the op name");
  checkExpr(op, x);
  arg.axes(op, axes);
  const list = axes === undefined ? [...Array(x.rank).keys()] : typeof axes === "number" ? [axes] : [...axes];
  return list.map((a) => {
    const r = normalizeAxis(a, x.rank);
    if (r._tag === "Left") throw new GraphgradError(op, `${r.left} (shape ${formatShape(x.shape)})`);
    return r.right;
  });
}

export function sum(x: Expr, axes?: number | readonly number[], keepdims = false): Expr {
  arg.boolean("reduceSum", keepdims, "keepdims");
  const a = axesOf("reduceSum", x, axes);
  return prim("reduceSum", [x.dtype === "bool" ? cast(x, "int32") : x], { axes: a, keepdims });
}

export function max(x: Expr, axes?: number | readonly number[], keepdims = false): Expr {
  arg.boolean("reduceMax", keepdims, "keepdims");
  return prim("reduceMax", [x], { axes: axesOf("reduceMax", x, axes), keepdims });
}

export function min(x: Expr, axes?: number | readonly number[], keepdims = false): Expr {
  checkExpr("min", x);
  arg.axes("min", axes);
  return neg(max(neg(x), axes, keepdims));
}

/** Mean over axes: sum / count. Over a symbolic axis the count is computed in the graph. */
export function mean(x: Expr, axes?: number | readonly number[], keepdims = false): Expr {
  arg.boolean("mean", keepdims, "keepdims");
  const a = axesOf("mean", x, axes);
  const fx = toFloat(x);
  return div(sum(fx, a, keepdims), countOf(fx, a));
}

/** The number of elements along `axes`, as a scalar of x's dtype (a graph value if an axis is symbolic). */
export function countOf(x: Expr, axes: readonly number[]): Expr {
  arg.array("countOf", axes, "the axes");
  let known = 1;
  let symbolic = false;
  for (const a of axesOf("countOf", x, axes)) {
    const d = x.shape[a] as Dim;
    if (typeof d === "number") known *= d;
    else symbolic = true;
  }
  if (!symbolic) return scalar(known, x.dtype);
  return sum(prim("fill", [], { shape: axes.map((a) => x.shape[a] as Dim), dtype: x.dtype, value: 1 }));
}

export function matmul(a: Expr, b: Expr): Expr {
  check(a, "matmul", 0);
  check(b, "matmul", 1);
  const [x, y] = lift2("matmul", a, b);
  return prim("matmul", [x, y], {});
}

/** reshape: one entry may be -1 (or null), inferred from the element count. */
export function reshape(x: Expr, shape: readonly (number | string | null)[]): Expr {
  checkExpr("reshape", x);
  arg.shape("reshape", shape);
  return prim("reshape", [x], { shape: shape.map((d) => (d === null ? -1 : d)) });
}

/** transpose: reverses the axes when no permutation is given. */
export function transpose(x: Expr, perm?: readonly number[]): Expr {
  checkExpr("transpose", x);
  if (perm !== undefined) arg.array("transpose", perm, "the permutation");
  const p = perm ?? [...Array(x.rank).keys()].reverse();
  return prim("transpose", [x], { perm: axesOf("transpose", x, p) });
}

export function broadcastTo(x: Expr, shape: Shape): Expr {
  checkExpr("broadcast", x);
  return prim("broadcast", [x], { shape });
}

/** Inserts a size-1 axis at `axis`. */
export function expandDims(x: Expr, axis: number): Expr {
  checkExpr("expandDims", x);
  arg.number("expandDims", axis, "the axis", { integer: true });
  const r = normalizeAxis(axis, x.rank + 1);
  if (r._tag === "Left") throw new GraphgradError("expandDims", `${r.left} (shape ${formatShape(x.shape)})`);
  const shape = [...x.shape];
  shape.splice(r.right, 0, 1);
  return prim("reshape", [x], { shape });
}

/** Removes size-1 axes (all of them, or those given). */
export function squeeze(x: Expr, axes?: number | readonly number[]): Expr {
  checkExpr("squeeze", x);
  const a = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : axesOf("squeeze", x, axes);
  for (const i of a) {
    if (x.shape[i] !== 1) throw new GraphgradError("squeeze", `axis ${i} of ${formatShape(x.shape)} has size ${String(x.shape[i])}, not 1`);
  }
  return prim("reshape", [x], { shape: x.shape.filter((_, i) => !a.includes(i)) });
}

/**
 * slice(x, begin, size): size -1 means "to the end of the axis". Negative begins count from the
 * end. A symbolic axis can only be taken whole (begin 0, size -1).
 */
export function slice(x: Expr, begin: readonly number[], size?: readonly number[]): Expr {
  checkExpr("slice", x);
  integers("slice", begin, "begin");
  if (size !== undefined) integers("slice", size, "size");
  if (begin.length !== x.rank || (size !== undefined && size.length !== x.rank)) {
    throw new GraphgradError("slice", `need one begin and size per axis of ${formatShape(x.shape)}, got [${begin.join(",")}] and [${(size ?? []).join(",")}]`);
  }
  const b = begin.map((v, i) => {
    const d = x.shape[i] as Dim;
    return v < 0 && typeof d === "number" ? d + v : v;
  });
  const s = b.map((v, i): Dim => {
    const want = size?.[i] ?? -1;
    const d = x.shape[i] as Dim;
    if (want !== -1) return want;
    return typeof d === "number" ? d - v : d;
  });
  return prim("slice", [x], { begin: b, size: s });
}

export function pad(x: Expr, paddings: readonly (readonly [number, number])[]): Expr {
  checkExpr("pad", x);
  arg.array("pad", paddings, "the paddings");
  paddings.forEach((p, i) => integers("pad", p, `paddings[${i}]`, 2));
  return prim("pad", [x], { lo: paddings.map((p) => p[0]), hi: paddings.map((p) => p[1]) });
}

export function concat(xs: readonly Expr[], axis = 0): Expr {
  checkExprList("concat", xs);
  arg.number("concat", axis, "the axis", { integer: true });
  const first = xs[0];
  if (first === undefined) throw new GraphgradError("concat", "needs at least one operand");
  const d = xs.reduce((acc, x) => promote(acc, x.dtype), first.dtype);
  return prim("concat", xs.map((x) => cast(x, d)), { axis: axesOf("concat", first, axis)[0] as number });
}

export function stack(xs: readonly Expr[], axis = 0): Expr {
  checkExprList("stack", xs);
  arg.number("stack", axis, "the axis", { integer: true });
  const first = xs[0];
  if (first === undefined) throw new GraphgradError("stack", "needs at least one operand");
  return concat(xs.map((x) => expandDims(x, axis < 0 ? axis + first.rank + 1 : axis)), axis < 0 ? axis + first.rank + 1 : axis);
}

/**
 * `indices` passed through a run-time check that each lies in [0, size): a run with one that does
 * not fails with a GraphgradError naming `caller`, the operand, the first bad index and the bound
 * (`gather: indices[3] = 7 is not in [0, 5)`). `gather`, `scatterAdd` and the sparse losses use it;
 * so can your own index arithmetic.
 */
export function checkIndex(indices: Expr, size: number | string, caller: string, operand = "indices"): Expr {
  checkExpr("checkIndex", indices, "indices");
  if (indices.dtype !== "int32") throw new GraphgradError(caller, `${operand} must be int32, got ${indices.dtype}`);
  return prim("checkIndex", [indices], { size, caller, operand });
}

/**
 * Rows of `params` picked by int32 `indices` (embedding lookup). An index outside [0, rows) fails
 * the run (`gather: indices[3] = 7 is not in [0, 5)`), as TensorFlow's gather does on the CPU.
 */
export function gather(params: Expr, indices: Expr): Expr {
  checkExpr("gather", params, "params");
  checkExpr("gather", indices, "indices");
  prim("gather", [params, indices], {}); // the primitive's own checks (dtypes, ranks) first
  return prim("gather", [params, checkIndex(indices, params.shape[0] as Dim, "gather")], {});
}

/**
 * The adjoint of gather: rows of `updates` summed into a [size, ...] tensor at `indices`. An index
 * outside [0, size) fails the run, as in `gather`.
 */
export function scatterAdd(updates: Expr, indices: Expr, size: number | string): Expr {
  checkExpr("scatterAdd", updates, "updates");
  checkExpr("scatterAdd", indices, "indices");
  prim("scatterAdd", [updates, indices], { size }); // the primitive's own checks (shapes, size) first
  return prim("scatterAdd", [updates, checkIndex(indices, size, "scatterAdd")], { size });
}

export function iota(shape: Shape, axis = 0, dtype: DType = "int32"): Expr {
  return prim("iota", [], { shape, axis, dtype: arg.dtype("iota", dtype) });
}

/**
 * One-hot encoding: [..., depth] with 1 at each index (composite: equal(iota, indices)). An index
 * outside [0, depth) gives a row of zeros, as TensorFlow's and JAX's one_hot do (not an error).
 */
export function oneHot(indices: Expr, depth: number, dtype: DType = "float32"): Expr {
  checkExpr("oneHot", indices, "indices");
  arg.number("oneHot", depth, "depth", { integer: true, min: 0 });
  arg.dtype("oneHot", dtype);
  const positions = iota([...indices.shape, depth], indices.rank, indices.dtype);
  return cast(equal(positions, expandDims(indices, -1)), dtype);
}

/** Index of the largest entry along `axis` (the first one on ties), as int32. */
export function argmax(x: Expr, axis = -1): Expr {
  arg.number("argmax", axis, "the axis", { integer: true });
  const a = axesOf("argmax", x, axis)[0] as number;
  const n = x.shape[a] as Dim;
  if (typeof n !== "number") throw new GraphgradError("argmax", `axis ${a} of ${formatShape(x.shape)} is symbolic`);
  if (n === 0) throw new GraphgradError("argmax", `axis ${a} of ${formatShape(x.shape)} has size 0: an empty axis has no largest entry`);
  const top = max(x, a, true);
  const idx = iota(x.shape, a, "int32");
  // The smallest index where x equals its max: max of (n - idx) over the hits.
  const score = where(equal(x, top), sub(scalar(n, "int32"), idx), scalar(0, "int32"));
  return sub(scalar(n, "int32"), max(score, a));
}

export function fill(shape: Shape, value: number, dtype: DType = "float32"): Expr {
  arg.number("fill", value, "the value", { nonFinite: true });
  return prim("fill", [], { shape, dtype: arg.dtype("fill", dtype), value });
}
export const zeros = (shape: Shape, dtype: DType = "float32"): Expr => fill(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = "float32"): Expr => fill(shape, 1, dtype);
export const zerosLike = (x: Expr): Expr => (checkExpr("zerosLike", x), fill(x.shape, 0, x.dtype));
export const onesLike = (x: Expr): Expr => (checkExpr("onesLike", x), fill(x.shape, 1, x.dtype));

/** A constant from nested arrays (or a number); float32 unless a dtype is given. */
export function constant(value: NestedArray, dtype: DType = "float32"): Expr {
  arg.dtype("constant", dtype);
  if (typeof value === "number" || typeof value === "boolean") return scalar(Number(value), dtype);
  const shape = nestedShape(value, "constant");
  const t = tensorFrom(value, dtype, shape, "constant");
  return prim("literal", [], { shape, dtype, values: Array.from(t.data as ArrayLike<number>) });
}

/** A graph input fed at run time; `null` (or a name) marks a dimension known only then. */
export function input(name: string, shape: readonly (number | string | null)[], dtype: DType = "float32"): Expr {
  return source(name, shape, dtype, "input");
}

/** A trainable parameter: an input that `trainStep` differentiates and updates. */
export function param(name: string, shape: readonly (number | string | null)[], dtype: DType = "float32"): Expr {
  return source(name, shape, dtype, "param");
}

function source(name: string, shape: readonly (number | string | null)[], dtype: DType, kind: "input" | "param"): Expr {
  arg.string(kind, name, "the name");
  arg.shape(`${kind} '${name}'`, shape);
  arg.dtype(`${kind} '${name}'`, dtype);
  return prim("input", [], { name, shape: shape.map((d, i) => (d === null ? `?${name}.${i}` : d)), dtype, kind });
}

/** A number (a weakly typed constant taking the other operand's dtype) or an expression. */
export type ExprLike = Expr | number;

const wrappers = new WeakMap<Node, Expr>();

/**
 * A symbolic tensor: an immutable handle on a hash-consed IR node. Building the same expression
 * twice gives the same `Expr` object. The methods are the same functions as the top-level
 * builders (`x.matmul(w).add(b)` is `add(matmul(x, w), b)`).
 */
export class Expr {
  readonly node: Node;

  private constructor(node: Node) {
    this.node = node;
  }

  /** The unique Expr for a node. */
  static of(node: Node): Expr {
    let e = wrappers.get(node);
    if (e === undefined) {
      if (!isNode(node)) throw new GraphgradError("Expr.of", `expected a graph node (an expression's .node), got ${arg.describe(node)}`);
      e = new Expr(node);
      wrappers.set(node, e);
    }
    return e;
  }

  get shape(): Shape {
    return this.node.shape;
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get rank(): number {
    return this.node.shape.length;
  }
  /**
   * The name of an input or a parameter (`input("x", ...)` → "x", `param("w", ...)` → "w"): the
   * key it is fed under and, for a parameter, its key in a train state's `params`. Undefined for
   * every other expression.
   */
  get name(): string | undefined {
    return this.node.op === "input" ? this.node.attrs.name : undefined;
  }

  add(y: ExprLike): Expr {
    return add(this, y);
  }
  sub(y: ExprLike): Expr {
    return sub(this, y);
  }
  mul(y: ExprLike): Expr {
    return mul(this, y);
  }
  div(y: ExprLike): Expr {
    return div(this, y);
  }
  pow(y: ExprLike): Expr {
    return pow(this, y);
  }
  neg(): Expr {
    return neg(this);
  }
  matmul(y: Expr): Expr {
    return matmul(this, y);
  }
  sum(axes?: number | readonly number[], keepdims = false): Expr {
    return sum(this, axes, keepdims);
  }
  max(axes?: number | readonly number[], keepdims = false): Expr {
    return max(this, axes, keepdims);
  }
  mean(axes?: number | readonly number[], keepdims = false): Expr {
    return mean(this, axes, keepdims);
  }
  reshape(shape: readonly (number | string | null)[]): Expr {
    return reshape(this, shape);
  }
  transpose(perm?: readonly number[]): Expr {
    return transpose(this, perm);
  }
  cast(dtype: DType): Expr {
    return cast(this, dtype);
  }
  toString(): string {
    return `Expr(${this.node.op} ${this.dtype}${formatShape(this.shape)})`;
  }
}

/** An array of integers (`length` of them when given). */
function integers(where: string, v: unknown, what: string, length?: number): asserts v is readonly number[] {
  arg.array(where, v, what);
  if (length !== undefined && v.length !== length) throw new GraphgradError(where, `${what} must have ${length} entries, got ${v.length}`);
  v.forEach((x, i) => arg.number(where, x, `${what}[${i}]`, { integer: true }));
}

// The Expr checks of args.ts, here where Expr is defined (args.ts imports this module).
function checkExpr(where: string, v: unknown, what = "the operand"): asserts v is Expr {
  if (!(v instanceof Expr)) arg.fail(where, what, "an Expr", v);
}

function checkExprLike(where: string, v: unknown, what = "the operand"): asserts v is ExprLike {
  if (!(v instanceof Expr) && typeof v !== "number") arg.fail(where, what, "an Expr or a number", v);
}

function checkExprList(where: string, v: unknown, what = "the operands"): asserts v is readonly Expr[] {
  arg.array(where, v, what);
  v.forEach((e, i) => checkExpr(where, e, `${what}[${i}]`));
}
