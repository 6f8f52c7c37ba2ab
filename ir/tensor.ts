import { allocate, type DType, type TypedArray } from "./dtype.js";
import { GraphgradError } from "./errors.js";
import { type ConcreteShape, formatShape, sizeOf } from "./shape.js";

/** Nested arrays of numbers or booleans, as a user writes tensor data. */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * A concrete tensor: dtype, shape and row-major data. Treated as immutable: nothing in graphgrad
 * writes to a tensor's data after creating it.
 */
export class Tensor {
  readonly dtype: DType;
  readonly shape: ConcreteShape;
  readonly data: TypedArray;

  constructor(dtype: DType, shape: ConcreteShape, data: TypedArray) {
    if (data.length !== sizeOf(shape)) {
      throw new GraphgradError("tensor", `${data.length} values do not fill shape ${formatShape(shape)}`);
    }
    this.dtype = dtype;
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The single value of a tensor with one element. */
  item(): number {
    if (this.data.length !== 1) throw new GraphgradError("item", `tensor of shape ${formatShape(this.shape)} has ${this.data.length} elements, not 1`);
    return this.data[0] as number;
  }

  /** The data as nested arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = Array.from(this.data as ArrayLike<number>, (v) => (this.dtype === "bool" ? v !== 0 : v));
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return flat[offset] as number | boolean;
      const n = this.shape[axis] as number;
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: n }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${this.dtype}${formatShape(this.shape)} ${JSON.stringify(this.toArray())})`;
  }
}

/** Shape of nested arrays; throws naming the path where they are ragged. */
export function nestedShape(v: NestedArray, where = "tensor"): number[] {
  if (!Array.isArray(v)) return [];
  const first = v[0];
  if (first === undefined) return [0];
  const inner = nestedShape(first, where);
  v.forEach((x, i) => {
    const s = nestedShape(x, where);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new GraphgradError(where, `ragged nested array: element ${i} has shape ${formatShape(s)}, element 0 has ${formatShape(inner)}`);
    }
  });
  return [v.length, ...inner];
}

/** Builds a tensor from nested arrays, a typed array (with its shape) or a number. */
export function tensorFrom(v: NestedArray | TypedArray, dtype: DType, shape?: ConcreteShape, where = "tensor"): Tensor {
  if (ArrayBuffer.isView(v)) {
    const s = shape ?? [v.length];
    const data = allocate(dtype, v.length);
    // A bool is "non-zero", as cast gives it (a Uint8Array store would keep 2, and make 256 false).
    if (dtype === "bool") data.set(Array.from(v as ArrayLike<number>, (x) => (x !== 0 ? 1 : 0)));
    else data.set(v as ArrayLike<number>);
    return new Tensor(dtype, s, data);
  }
  const s = nestedShape(v, where);
  if (shape !== undefined && (shape.length !== s.length || shape.some((d, i) => d !== s[i]))) {
    throw new GraphgradError(where, `data of shape ${formatShape(s)} given for shape ${formatShape(shape)}`);
  }
  const flat: (number | boolean)[] = [];
  const walk = (x: NestedArray): void => {
    if (Array.isArray(x)) (x as readonly NestedArray[]).forEach(walk);
    else if (typeof x === "number" || typeof x === "boolean") flat.push(x);
    else throw new GraphgradError(where, `${x === null ? "null" : typeof x} found where a number or boolean was expected`);
  };
  walk(v);
  const data = allocate(dtype, flat.length);
  flat.forEach((x, i) => (data[i] = typeof x === "boolean" ? (x ? 1 : 0) : dtype === "bool" ? (x !== 0 ? 1 : 0) : x));
  return new Tensor(dtype, s, data);
}
