import type { DType } from "../ir/dtype.js";
import type { Node } from "../ir/node.js";
import { formatShape, type Shape } from "../ir/shape.js";
import * as ops from "./ops.js";

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

  add(y: ExprLike): Expr {
    return ops.add(this, y);
  }
  sub(y: ExprLike): Expr {
    return ops.sub(this, y);
  }
  mul(y: ExprLike): Expr {
    return ops.mul(this, y);
  }
  div(y: ExprLike): Expr {
    return ops.div(this, y);
  }
  pow(y: ExprLike): Expr {
    return ops.pow(this, y);
  }
  neg(): Expr {
    return ops.neg(this);
  }
  matmul(y: Expr): Expr {
    return ops.matmul(this, y);
  }
  sum(axes?: number | readonly number[], keepdims = false): Expr {
    return ops.sum(this, axes, keepdims);
  }
  max(axes?: number | readonly number[], keepdims = false): Expr {
    return ops.max(this, axes, keepdims);
  }
  mean(axes?: number | readonly number[], keepdims = false): Expr {
    return ops.mean(this, axes, keepdims);
  }
  reshape(shape: readonly (number | string | null)[]): Expr {
    return ops.reshape(this, shape);
  }
  transpose(perm?: readonly number[]): Expr {
    return ops.transpose(this, perm);
  }
  cast(dtype: DType): Expr {
    return ops.cast(this, dtype);
  }
  toString(): string {
    return `Expr(${this.node.op} ${this.dtype}${formatShape(this.shape)})`;
  }
}
