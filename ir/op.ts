import type { Either } from "fp-ts/lib/Either.js";
import type { DType } from "./dtype.js";
import type { Node, NodeOf } from "./node.js";
import type { OpAttrs, OpName } from "./ops/attrs.js";
import type { Dim, Shape } from "./shape.js";

/** What a shape rule sees of an operand and returns for the result. */
export interface TypeInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** The dtypes an op accepts: any dtype, any but bool, or float32/float64 only. */
export type DTypeClass = "any" | "numeric" | "float";

/**
 * The node builders a rule may call. Rules receive them (and the transforms, `RuleKit`) as an
 * argument instead of importing them, so op definitions import no node-building code (which
 * itself needs the op table): every module of `ir/` can be loaded first.
 */
export interface Builders {
  emit<K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node;
  add(a: Node, b: Node): Node;
  sub(a: Node, b: Node): Node;
  mul(a: Node, b: Node): Node;
  div(a: Node, b: Node): Node;
  neg(a: Node): Node;
  where(c: Node, a: Node, b: Node): Node;
  cast(a: Node, dtype: DType): Node;
  fill(value: number, shape: Shape, dtype: DType): Node;
  /** A scalar constant of `like`'s dtype (broadcasts against anything). */
  scalarLike(value: number, like: Node): Node;
  reduceSum(x: Node, axes: readonly number[], keepdims: boolean): Node;
  reshape(x: Node, shape: Shape): Node;
  broadcastTo(x: Node, shape: Shape): Node;
  transpose(x: Node, perm: readonly number[]): Node;
  /** Swaps the last two axes. */
  swapLast(x: Node): Node;
}

/**
 * The transforms, at the node level, for rules of ops whose attributes hold subgraphs (a scan's
 * rules transform its body). Each throws a GraphgradError on bad input.
 */
export interface Transforms {
  /** Reverse mode: the cotangents of `xs` for cotangents of `ys` (null: zero), summed over the ys. */
  vjp(ys: readonly Node[], cts: readonly (Node | null)[], xs: readonly Node[]): Node[];
  /** Forward mode: the tangents of `ys` for tangents of `xs`. */
  jvp(ys: readonly Node[], xs: readonly Node[], tangents: readonly Node[]): Node[];
  /** Batching: `outputs` computed on batches, for per-example nodes mapped to their batched forms (batch axis 0, of `size`). */
  batch(outputs: readonly Node[], args: ReadonlyMap<Node, Node>, size: Dim): BatchedArg[];
}

/** What every rule receives: the builders and the transforms. */
export interface RuleKit extends Builders, Transforms {}

/**
 * A VJP rule's result: one cotangent per operand, in operand order; `null` is a symbolic zero (no
 * contribution). A cotangent may have the shape of the node's result where the operand was
 * implicitly broadcast against it: the gradient driver sums it back to the operand's shape
 * (one `unbroadcast`, in `ir/passes/grad.ts`, instead of one per rule).
 */
export type Cotangents = readonly (Node | null)[];

/** A JVP rule's input: one tangent per operand, `null` for a symbolic zero (an operand with no tangent). */
export type Tangents = readonly (Node | null)[];

/**
 * An operand of a node being batched (vmap): its batched form, and whether it has the batch axis,
 * always at axis 0. An operand without it is the same for every batch element (a closed-over value).
 */
export interface BatchedArg {
  readonly node: Node;
  readonly batched: boolean;
}

/** The builders a batching rule may call, and the batch size. */
export interface BatchKit extends RuleKit {
  readonly size: Dim;
}

/**
 * The one definition of a primitive's rules: its arity, its shape-and-dtype rule, its VJP, its
 * JVP and its batching rule. Its attribute codec sits beside it, in the same op-family file
 * (`ir/ops/*.ts`), and is collected into `ATTR_CODECS`.
 *
 * - `infer` returns a Left with a message (the op name is prefixed by the caller), e.g.
 *   `inner dimensions differ: [32,4] x [3,11]`.
 * - `vjp` maps the cotangent `g` of the node's output to one cotangent per operand (checked by
 *   the driver, `ir/passes/grad.ts`).
 * - `jvp` maps one tangent per operand (null: zero) to the tangent of the output, or null when
 *   it is zero. It may have any shape the output's shape broadcasts from: the driver
 *   (`ir/passes/jvp.ts`) broadcasts it. Called only when some operand has a tangent, on float nodes.
 * - `batch` gives the node's batched form (batch axis 0) from its operands' batched forms
 *   (`ir/passes/vmap.ts`). Called only when some operand is batched.
 */
export interface OpDef<K extends OpName> {
  readonly arity: number | "variadic";
  readonly infer: (inputs: readonly TypeInfo[], attrs: OpAttrs[K]) => Either<string, TypeInfo>;
  readonly vjp: (node: NodeOf<K>, g: Node, b: RuleKit) => Cotangents;
  readonly jvp: (node: NodeOf<K>, tangents: Tangents, b: RuleKit) => Node | null;
  readonly batch: (node: NodeOf<K>, args: readonly BatchedArg[], b: BatchKit) => Node;
}

export type OpTable = { readonly [K in OpName]: OpDef<K> };
