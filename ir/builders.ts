/**
 * Small node builders over `emit`, for rules and passes inside `ir/` (the public, checked
 * builders with user-facing errors live in `src/`).
 */
import type { DType } from "./dtype.js";
import { emit } from "./build.js";
import type { Node } from "./node.js";
import type { Builders } from "./op.js";
import { shapesEqual, type Shape } from "./shape.js";

export const add = (a: Node, b: Node): Node => emit("add", [a, b], {});
export const sub = (a: Node, b: Node): Node => emit("sub", [a, b], {});
export const mul = (a: Node, b: Node): Node => emit("mul", [a, b], {});
export const div = (a: Node, b: Node): Node => emit("div", [a, b], {});
export const neg = (a: Node): Node => emit("neg", [a], {});
export const where = (c: Node, a: Node, b: Node): Node => emit("where", [c, a, b], {});
export const cast = (a: Node, dtype: DType): Node => (a.dtype === dtype ? a : emit("cast", [a], { dtype }));

export const fill = (value: number, shape: Shape, dtype: DType): Node => emit("fill", [], { shape, dtype, value });
/** A scalar constant of `like`'s dtype (broadcasts against anything). */
export const scalarLike = (value: number, like: Node): Node => fill(value, [], like.dtype);
export const zerosLike = (x: Node): Node => fill(0, x.shape, x.dtype);

export const reduceSum = (x: Node, axes: readonly number[], keepdims: boolean): Node =>
  axes.length === 0 ? x : emit("reduceSum", [x], { axes, keepdims });
export const reshape = (x: Node, shape: Shape): Node => (shapesEqual(x.shape, shape) ? x : emit("reshape", [x], { shape }));
export const broadcastTo = (x: Node, shape: Shape): Node =>
  shapesEqual(x.shape, shape) ? x : emit("broadcast", [x], { shape });
export const transpose = (x: Node, perm: readonly number[]): Node =>
  perm.every((p, i) => p === i) ? x : emit("transpose", [x], { perm });

/** Swaps the last two axes. */
export function swapLast(x: Node): Node {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return transpose(x, perm);
}

/**
 * The adjoint of broadcasting: sums `g` over the axes that broadcasting to `g.shape` added or
 * stretched from 1, giving a tensor of `shape`.
 */
export function unbroadcast(g: Node, shape: Shape): Node {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(reduceSum(g, axes, false), shape);
}

/** The builders handed to op rules (with the transforms: `RULE_KIT` in passes/transforms.ts). */
export const BUILDERS: Builders = { emit, add, sub, mul, div, neg, where, cast, fill, scalarLike, reduceSum, reshape, broadcastTo, transpose, swapLast };
