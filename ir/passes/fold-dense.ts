import type { Node, NodeOf } from "../node.js";
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, type BinaryOp, type CompareOp, type UnaryOp } from "../ops/attrs.js";
import { binaryFn, castFn, COMPARE_FN, UNARY_FN } from "../ops/elementwise.js";
import { broadcastStrides, matmulInto, reduceInto, walk } from "../loops.js";
import { isConcrete, sizeOf, stridesOf } from "../shape.js";
import { compact, type Const, denseValues, MAX_FOLD_ELEMENTS, stored } from "./consts.js";

/**
 * Constant folding of ops whose operands are constants and whose result has a small concrete
 * shape: every element computed as the JS backend computes it (the same scalar functions, the
 * same loops and accumulation order from ir/loops.ts, the same store into the result dtype), so
 * the folded values are bit for bit the backend's.
 */

const isUnary = (op: string): op is UnaryOp => (UNARY_OPS as readonly string[]).includes(op);
const isBinary = (op: string): op is BinaryOp => (BINARY_OPS as readonly string[]).includes(op);
const isCompare = (op: string): op is CompareOp => (COMPARE_OPS as readonly string[]).includes(op);

/** The scalar function of an elementwise node (before the store into its dtype); undefined for other ops. */
export function scalarFn(n: Node): ((xs: readonly number[]) => number) | undefined {
  const op = n.op;
  if (isUnary(op)) {
    const f = UNARY_FN[op];
    return (xs) => f(xs[0] as number);
  }
  if (isBinary(op)) {
    const f = binaryFn(op, n.dtype);
    return (xs) => f(xs[0] as number, xs[1] as number);
  }
  if (isCompare(op)) {
    const f = COMPARE_FN[op];
    return (xs) => (f(xs[0] as number, xs[1] as number) ? 1 : 0);
  }
  if (n.op === "where") return (xs) => ((xs[0] as number) !== 0 ? (xs[1] as number) : (xs[2] as number));
  if (n.op === "cast") {
    const f = castFn(n.attrs.dtype);
    return (xs) => f(xs[0] as number);
  }
  return undefined;
}

/** Dense values of operand i of `n`, if its shape is concrete and small. */
function operand(n: Node, cs: readonly Const[], i: number): { shape: number[]; values: readonly number[] } | undefined {
  const x = n.inputs[i] as Node;
  const c = cs[i] as Const;
  if (!isConcrete(x.shape)) return undefined;
  const values = denseValues(c, x.shape);
  return values === undefined ? undefined : { shape: [...x.shape], values };
}

/** Copies `x` through strides into a fresh array of `outShape` (transpose, broadcast, slice). */
function strided(x: readonly number[], outShape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  walk(outShape, [strides], [offset], ([o]) => out.push(x[o as number] as number));
  return out;
}

/** The folded value of `n` from constant operands `cs`, when its result shape is concrete and small. */
export function foldDense(n: Node, cs: readonly Const[]): Const | undefined {
  const shape = n.shape;
  if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return undefined;
  const values = denseResult(n, cs, shape);
  return values === undefined ? undefined : compact(shape, values.map((v) => stored(n.dtype, v)));
}

function denseResult(n: Node, cs: readonly Const[], shape: readonly number[]): readonly number[] | undefined {
  const f = scalarFn(n);
  if (f !== undefined) return elementwise(cs, shape, f);
  const x = operand(n, cs, 0);
  if (x === undefined) return undefined;
  switch (n.op) {
    case "reshape":
      return x.values;
    case "broadcast":
      return strided(x.values, shape, broadcastStrides(x.shape, shape), 0);
    case "transpose": {
      const st = stridesOf(x.shape);
      return strided(x.values, shape, n.attrs.perm.map((p) => st[p] as number), 0);
    }
    case "slice": {
      const st = stridesOf(x.shape);
      return strided(x.values, shape, st, n.attrs.begin.reduce((acc, b, i) => acc + b * (st[i] as number), 0));
    }
    case "pad": {
      const out = new Array<number>(sizeOf(shape)).fill(0);
      const ost = stridesOf(shape);
      place(out, ost, n.attrs.lo.reduce((acc, l, i) => acc + l * (ost[i] as number), 0), x);
      return out;
    }
    case "concat":
      return concat(n as NodeOf<"concat">, cs, shape);
    case "reduceSum":
      return reduce(n as NodeOf<"reduceSum">, x, 0, (acc, v) => acc + v);
    case "reduceMax":
      // The backend's step: NaN sticks.
      return reduce(n as NodeOf<"reduceMax">, x, -Infinity, Math.max);
    case "matmul": {
      const y = operand(n, cs, 1);
      return y === undefined ? undefined : matmul(x, y, shape, n.dtype === "int32");
    }
    default:
      return undefined;
  }
}

function elementwise(cs: readonly Const[], shape: readonly number[], f: (xs: readonly number[]) => number): number[] {
  const views = cs.map((c) =>
    c.kind === "splat"
      ? { values: [c.value], strides: shape.map(() => 0) }
      : { values: c.values, strides: broadcastStrides(c.shape, shape) },
  );
  const out: number[] = [];
  const args = new Array<number>(views.length);
  walk(shape, views.map((v) => v.strides), views.map(() => 0), (offs) => {
    views.forEach((v, i) => (args[i] = v.values[offs[i] as number] as number));
    out.push(f(args));
  });
  return out;
}

/** Writes `x` into `out` (row-major strides `ost`) starting at `offset`. */
function place(out: number[], ost: readonly number[], offset: number, x: { shape: readonly number[]; values: readonly number[] }): void {
  let i = 0;
  walk(x.shape, [ost], [offset], ([o]) => (out[o as number] = x.values[i++] as number));
}

function concat(n: NodeOf<"concat">, cs: readonly Const[], shape: readonly number[]): number[] | undefined {
  const out = new Array<number>(sizeOf(shape)).fill(0);
  const ost = stridesOf(shape);
  let at = 0;
  for (let i = 0; i < n.inputs.length; i++) {
    const x = operand(n, cs, i);
    if (x === undefined) return undefined;
    place(out, ost, at * (ost[n.attrs.axis] as number), x);
    at += x.shape[n.attrs.axis] as number;
  }
  return out;
}

/** The reference reduction (ir/loops.ts, as the JS backend computes it). */
function reduce(
  n: NodeOf<"reduceSum"> | NodeOf<"reduceMax">,
  x: { shape: readonly number[]; values: readonly number[] },
  init: number,
  step: (acc: number, v: number) => number,
): number[] {
  const { axes } = n.attrs;
  const acc = new Array<number>(sizeOf(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)))).fill(init);
  reduceInto(x.shape, x.values, axes, step, acc);
  return acc;
}

/** The reference matmul (ir/loops.ts, as the JS backend computes it). */
function matmul(
  a: { shape: readonly number[]; values: readonly number[] },
  b: { shape: readonly number[]; values: readonly number[] },
  shape: readonly number[],
  wrap: boolean,
): number[] {
  const out = new Array<number>(sizeOf(shape)).fill(0);
  matmulInto(a.shape, a.values, b.shape, b.values, shape, wrap, out);
  return out;
}
