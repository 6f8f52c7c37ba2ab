import { type DType, isFloat } from "../../../ir/dtype.js";
import { GraphgradError } from "../../../ir/errors.js";
import { formatShape } from "../../../ir/shape.js";
import { Tensor } from "../../../ir/tensor.js";

/** An input given by its shape and values (float64 unless `dtype` says otherwise), optionally named. */
export interface InputValues {
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
  readonly dtype?: DType;
  readonly name?: string;
}

/** An input of `checkGrads`: a Tensor, or a shape with values. */
export type GradInput = Tensor | InputValues;

/** An input as the check uses it: float inputs become float64 and are differentiated; int32 and bool ones are held fixed. */
export interface InputSpec {
  /** How messages name it: `input 1` or `input 1 'w'`. */
  readonly label: string;
  /** Its name in the graph. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly values: Float64Array;
  readonly differentiable: boolean;
}

export function inputSpecs(inputs: readonly GradInput[]): InputSpec[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new GraphgradError("checkGrads", "inputs must be a non-empty array of Tensors or { shape, values }");
  const specs = inputs.map((inp, i) => spec(inp, i));
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new GraphgradError("checkGrads", `two inputs are named '${s.name}'`);
    names.add(s.name);
  }
  return specs;
}

function spec(inp: GradInput, i: number): InputSpec {
  const where = `checkGrads: input ${i}`;
  if (typeof inp !== "object" || inp === null || !("shape" in inp)) throw new GraphgradError(where, "expected a Tensor or { shape, values }");
  const shape = [...inp.shape];
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new GraphgradError(where, `the shape must hold non-negative integers, got [${shape.join(",")}]`);
  const given = inp instanceof Tensor ? inp.data : inp.values;
  const size = shape.reduce((a, b) => a * b, 1);
  if (given.length !== size) throw new GraphgradError(where, `${given.length} values for shape ${formatShape(shape)} (${size} elements)`);
  const dtype = inp.dtype ?? "float64";
  const name = inp instanceof Tensor || inp.name === undefined ? `x${i}` : inp.name;
  const differentiable = isFloat(dtype);
  return {
    label: inp instanceof Tensor || inp.name === undefined ? `input ${i}` : `input ${i} '${name}'`,
    name,
    shape,
    dtype: differentiable ? "float64" : dtype,
    values: Float64Array.from(given),
    differentiable,
  };
}

/** The input's value as a Tensor, with element `element` moved by `delta`. */
export function feed(s: InputSpec, element = -1, delta = 0): Tensor {
  const data = s.dtype === "float64" ? Float64Array.from(s.values) : s.dtype === "int32" ? Int32Array.from(s.values) : Uint8Array.from(s.values);
  if (element >= 0) data[element] = (data[element] as number) + delta;
  return new Tensor(s.dtype, s.shape, data);
}
