import type { Node, NodeOf } from "../node.js";
import { indexInRange } from "../ops/check.js";
import { isElementwise, scalarFunction } from "../ops/elementwise.js";
import { broadcastStrides, copyView, matmulInto, reduceInto, walk } from "../loops.js";
import { isConcrete, sizeOf } from "../shape.js";
import { broadcastView, concatRegions, contiguous, padRegion, sliceView, transposeView, type View } from "../view.js";
import { compact, type Const, denseValues, MAX_FOLD_ELEMENTS, stored } from "./consts.js";

/**
 * Constant folding of ops whose operands are constants and whose result has a small concrete
 * shape: every element computed as the JS backend computes it (the same scalar functions, the
 * same view algebra, loops and accumulation order from ir/view.ts and ir/loops.ts, the same store
 * into the result dtype), so the folded values are bit for bit the backend's.
 */

/** The scalar function of an elementwise node (before the store into its dtype); undefined for other ops. */
export function scalarFn(n: Node): ((xs: readonly number[]) => number) | undefined {
  if (!isElementwise(n.op)) return undefined;
  const f = scalarFunction(n.op, n.dtype);
  return (xs) => f(xs[0] as number, xs[1] as number, xs[2] as number);
}

/** Dense values of operand i of `n`, if its shape is concrete and small. */
function operand(n: Node, cs: readonly Const[], i: number): { shape: number[]; values: readonly number[] } | undefined {
  const x = n.inputs[i] as Node;
  const c = cs[i] as Const;
  if (!isConcrete(x.shape)) return undefined;
  const values = denseValues(c, x.shape);
  return values === undefined ? undefined : { shape: [...x.shape], values };
}

/** The values of x read through a view of its contiguous layout (transpose, broadcast, slice). */
function viewed(x: { shape: readonly number[]; values: readonly number[] }, view: (v: View) => View): number[] {
  const v = view(contiguous(x.shape));
  const out = new Array<number>(sizeOf(v.shape));
  copyView(x.values, v, out, contiguous(v.shape));
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
      return viewed(x, (v) => broadcastView(v, shape));
    case "transpose": {
      const perm = n.attrs.perm;
      return viewed(x, (v) => transposeView(v, perm));
    }
    case "slice": {
      const begin = n.attrs.begin;
      return viewed(x, (v) => sliceView(v, begin, shape));
    }
    case "pad": {
      const out = new Array<number>(sizeOf(shape)).fill(0);
      copyView(x.values, contiguous(x.shape), out, padRegion(shape, x.shape, n.attrs.lo));
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
    case "checkIndex": {
      // Only a check known to pass folds; a failing one must fail the run.
      const size = n.attrs.size;
      return typeof size === "number" && x.values.every((v) => indexInRange(v, size)) ? x.values : undefined;
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

function concat(n: NodeOf<"concat">, cs: readonly Const[], shape: readonly number[]): number[] | undefined {
  const out = new Array<number>(sizeOf(shape)).fill(0);
  const xs = n.inputs.map((_, i) => operand(n, cs, i));
  if (!xs.every((x) => x !== undefined)) return undefined;
  const regions = concatRegions(shape, xs.map((x) => x.shape), n.attrs.axis);
  xs.forEach((x, i) => copyView(x.values, contiguous(x.shape), out, regions[i] as View));
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
