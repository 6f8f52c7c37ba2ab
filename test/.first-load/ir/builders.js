import { emit } from "./build.js";
import { shapesEqual } from "./shape.js";
const add = (a, b) => emit("add", [a, b], {});
const sub = (a, b) => emit("sub", [a, b], {});
const mul = (a, b) => emit("mul", [a, b], {});
const div = (a, b) => emit("div", [a, b], {});
const neg = (a) => emit("neg", [a], {});
const where = (c, a, b) => emit("where", [c, a, b], {});
const cast = (a, dtype) => a.dtype === dtype ? a : emit("cast", [a], { dtype });
const fill = (value, shape, dtype) => emit("fill", [], { shape, dtype, value });
const scalarLike = (value, like) => fill(value, [], like.dtype);
const zerosLike = (x) => fill(0, x.shape, x.dtype);
const reduceSum = (x, axes, keepdims) => axes.length === 0 ? x : emit("reduceSum", [x], { axes, keepdims });
const reshape = (x, shape) => shapesEqual(x.shape, shape) ? x : emit("reshape", [x], { shape });
const broadcastTo = (x, shape) => shapesEqual(x.shape, shape) ? x : emit("broadcast", [x], { shape });
const transpose = (x, perm) => perm.every((p, i) => p === i) ? x : emit("transpose", [x], { perm });
function swapLast(x) {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return transpose(x, perm);
}
function unbroadcast(g, shape) {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  return reshape(reduceSum(g, axes, false), shape);
}
const RULE_KIT = { emit, add, sub, mul, div, neg, where, cast, fill, scalarLike, reduceSum, reshape, broadcastTo, transpose, swapLast };
export {
  RULE_KIT,
  add,
  broadcastTo,
  cast,
  div,
  fill,
  mul,
  neg,
  reduceSum,
  reshape,
  scalarLike,
  sub,
  swapLast,
  transpose,
  unbroadcast,
  where,
  zerosLike
};
