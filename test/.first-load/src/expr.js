import { formatShape } from "../ir/shape.js";
import * as ops from "./ops.js";
const wrappers = /* @__PURE__ */ new WeakMap();
class Expr {
  node;
  constructor(node) {
    this.node = node;
  }
  /** The unique Expr for a node. */
  static of(node) {
    let e = wrappers.get(node);
    if (e === void 0) {
      e = new Expr(node);
      wrappers.set(node, e);
    }
    return e;
  }
  get shape() {
    return this.node.shape;
  }
  get dtype() {
    return this.node.dtype;
  }
  get rank() {
    return this.node.shape.length;
  }
  add(y) {
    return ops.add(this, y);
  }
  sub(y) {
    return ops.sub(this, y);
  }
  mul(y) {
    return ops.mul(this, y);
  }
  div(y) {
    return ops.div(this, y);
  }
  pow(y) {
    return ops.pow(this, y);
  }
  neg() {
    return ops.neg(this);
  }
  matmul(y) {
    return ops.matmul(this, y);
  }
  sum(axes, keepdims = false) {
    return ops.sum(this, axes, keepdims);
  }
  max(axes, keepdims = false) {
    return ops.max(this, axes, keepdims);
  }
  mean(axes, keepdims = false) {
    return ops.mean(this, axes, keepdims);
  }
  reshape(shape) {
    return ops.reshape(this, shape);
  }
  transpose(perm) {
    return ops.transpose(this, perm);
  }
  cast(dtype) {
    return ops.cast(this, dtype);
  }
  toString() {
    return `Expr(${this.node.op} ${this.dtype}${formatShape(this.shape)})`;
  }
}
export {
  Expr
};
