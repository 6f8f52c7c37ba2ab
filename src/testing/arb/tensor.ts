import fc from "fast-check";
import { GraphgradError } from "../../../ir/errors.js";
import { type Tensor, tensorFrom } from "../../../ir/tensor.js";
import { shape as shapeArb, sizeOf } from "./shapes.js";
import { values, type ValueOptions } from "./values.js";

export interface TensorOptions extends ValueOptions {
  /** A fixed shape, or an arbitrary of shapes (default `arb.shape()`: rank 0..3, axes 1..4). */
  readonly shape?: readonly number[] | fc.Arbitrary<readonly number[]>;
}

/** A Tensor of the given dtype (default float64) and shape, its values as `arb.values` draws them. */
export function tensor(options: TensorOptions = {}): fc.Arbitrary<Tensor> {
  const { dtype = "float64" } = options;
  const shapes = options.shape === undefined ? shapeArb() : options.shape instanceof fc.Arbitrary ? options.shape : fc.constant(concrete(options.shape));
  return shapes.chain((s) => values(sizeOf(s), options).map((vs) => tensorFrom(Float64Array.from(vs), dtype, s)));
}

function concrete(s: readonly number[]): readonly number[] {
  if (!s.every((d) => Number.isInteger(d) && d >= 0)) throw new GraphgradError("arb.tensor", `shape must hold non-negative integers, got [${s.join(",")}]`);
  return s;
}
