import { emit } from "../../../ir/build.js";
import type { DType } from "../../../ir/dtype.js";
import type { Node } from "../../../ir/node.js";
import type { OpAttrs, OpName } from "../../../ir/ops/attrs.js";
import { broadcastShapes, type Shape } from "../../../ir/shape.js";
import { sizeOf } from "./shapes.js";

/**
 * A node with an interval holding every value it takes for feeds in [-2, 2]. The random graphs
 * keep every op inside its domain with these intervals (log sees values >= 0.01, divisors stay
 * 0.25 away from 0, exp sees values <= 10, magnitudes over 1000 go through tanh), so every value
 * is finite and never NaN.
 */
export interface Bounded {
  readonly node: Node;
  readonly lo: number;
  readonly hi: number;
}

export type FloatDType = "float32" | "float64";

export const mk = <K extends OpName>(op: K, inputs: readonly Node[], attrs: OpAttrs[K]): Node => emit(op, inputs, attrs);
export const NO_ATTRS = {};
export const shapeOf = (x: Bounded): number[] => x.node.shape as number[];

/** The interval arithmetic and the adapters a step uses, building nodes of the graph's float dtype. */
export interface Builders {
  readonly float: FloatDType;
  readonly allows: (dtype: DType) => boolean;
  /** A node with its interval, widened a little so rounding can never make it too tight. */
  bounded(node: Node, lo: number, hi: number): Bounded;
  /** A splat of `value` (a scalar by default). */
  constant(value: number, shape?: Shape): Bounded;
  tanhOf(x: Bounded): Bounded;
  absOf(x: Bounded): Bounded;
  addOf(x: Bounded, y: Bounded): Bounded;
  /** x itself when its values are >= 0.01, else |x| + 1. */
  positive(x: Bounded): Bounded;
  /** x itself when it stays 0.25 away from zero, else |x| + 1. */
  awayFromZero(x: Bounded): Bounded;
  /** x reduced to a scalar unless it broadcasts against `shape`. */
  fitTo(x: Bounded, shape: Shape): Bounded;
  reshaped(x: Bounded, shape: readonly number[]): Bounded;
}

export function products(x: { lo: number; hi: number }, y: { lo: number; hi: number }): [number, number] {
  const ps = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi];
  return [Math.min(...ps), Math.max(...ps)];
}

export function builders(float: FloatDType, allows: (dtype: DType) => boolean): Builders {
  // float32 rounds each op by up to 2⁻²⁴ relative; float64's rounding is far below 1e-9.
  const slack = float === "float32" ? 1e-6 : 1e-9;
  const bounded = (node: Node, lo: number, hi: number): Bounded => ({ node, lo: lo - slack * (1 + Math.abs(lo)), hi: hi + slack * (1 + Math.abs(hi)) });
  const constant = (value: number, shape: Shape = []): Bounded => bounded(mk("fill", [], { shape, dtype: float, value }), value, value);
  const absOf = (x: Bounded): Bounded => {
    const lo = x.lo >= 0 ? x.lo : x.hi <= 0 ? -x.hi : 0;
    return bounded(mk("abs", [x.node], NO_ATTRS), lo, Math.max(Math.abs(x.lo), Math.abs(x.hi)));
  };
  const addOf = (x: Bounded, y: Bounded): Bounded => bounded(mk("add", [x.node, y.node], NO_ATTRS), x.lo + y.lo, x.hi + y.hi);
  return {
    float,
    allows,
    bounded,
    constant,
    absOf,
    addOf,
    tanhOf: (x) => bounded(mk("tanh", [x.node], NO_ATTRS), Math.tanh(x.lo), Math.tanh(x.hi)),
    positive: (x) => (x.lo >= 0.01 ? x : addOf(absOf(x), constant(1))),
    awayFromZero: (x) => (x.lo >= 0.25 || x.hi <= -0.25 ? x : addOf(absOf(x), constant(1))),
    fitTo: (x, shape) => {
      if (broadcastShapes([shape, x.node.shape])._tag === "Right") return x;
      const axes = x.node.shape.map((_, i) => i);
      const count = sizeOf(x.node.shape as number[]);
      return bounded(mk("reduceSum", [x.node], { axes, keepdims: false }), count * x.lo, count * x.hi);
    },
    reshaped: (x, shape) => bounded(mk("reshape", [x.node], { shape }), x.lo, x.hi),
  };
}
