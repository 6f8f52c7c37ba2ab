import type { Either } from "fp-ts/lib/Either.js";
import type { DType } from "./dtype.js";
import type { Node, NodeOf } from "./node.js";
import type { OpAttrs, OpName } from "./ops/attrs.js";
import type { Shape } from "./shape.js";

/** What a shape rule sees of an operand and returns for the result. */
export interface TypeInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The one definition of a primitive: its arity, its shape-and-dtype rule and its VJP rule. (The
 * attribute codec is `ATTR_CODECS[name]`.)
 *
 * - `infer` returns a Left with a message (the op name is prefixed by the caller), e.g.
 *   `inner dimensions differ: [32,4] x [3,11]`.
 * - `vjp` maps the cotangent `g` of the node's output to one cotangent per input, each with that
 *   input's shape and dtype; `null` is a symbolic zero (no contribution).
 */
export interface OpDef<K extends OpName> {
  readonly arity: number | "variadic";
  readonly infer: (inputs: readonly TypeInfo[], attrs: OpAttrs[K]) => Either<string, TypeInfo>;
  readonly vjp: (node: NodeOf<K>, g: Node) => readonly (Node | null)[];
}

export type OpTable = { readonly [K in OpName]: OpDef<K> };
