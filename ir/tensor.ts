import { checkConcreteShape, checkDtype, describe } from "./check.js";
import { allocate, type DType, type TypedArray } from "./dtype.js";
import { GraphgradError } from "./errors.js";
import { type ConcreteShape, formatShape, sizeOf } from "./shape.js";

/** Nested arrays of numbers or booleans, as a user writes tensor data. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** A typed array's constructor (Float32Array, Int8Array, ...). */
type ArrayKind = new (length: number) => ArrayBufferView;

/** The typed array each dtype stores its elements in. */
const ARRAY_OF: Readonly<Record<DType, ArrayKind>> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

/** The constructor's mark of a tensor made by `libraryTensor` (module-private: no caller can pass it). */
const LIBRARY = Symbol("made by graphgrad");
let libraryOwned!: (t: Tensor) => boolean;

/**
 * A concrete tensor: dtype, shape and row-major data. Treated as immutable: nothing in graphgrad
 * writes to a tensor's data after creating it (but the arrays of a train state donated with
 * `donate: true`). The constructor takes the array as it is (no copy);
 * it must be the dtype's own kind (Float32Array, Float64Array, Int32Array, Uint8Array of 0/1 for
 * bool) and fill the shape.
 */
export class Tensor {
  readonly dtype: DType;
  readonly shape: ConcreteShape;
  readonly data: TypedArray;
  /** True for a tensor made by `libraryTensor` only: see there. */
  readonly #libraryOwned: boolean;

  static {
    libraryOwned = (t) => t.#libraryOwned;
  }

  /** `made` is for `libraryTensor` only (its results are valid by construction and not checked again). */
  constructor(dtype: DType, shape: ConcreteShape, data: TypedArray, made?: typeof LIBRARY) {
    this.#libraryOwned = made === LIBRARY;
    if (!this.#libraryOwned) checkTensor(dtype, shape, data);
    this.dtype = dtype;
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.data = data;
  }

  get size(): number {
    return sizeOf(this.shape);
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

/**
 * A tensor whose array graphgrad allocated and hands out only as a result the caller must not
 * write (an output a backend returned, a train state it made): its arguments are the backend's
 * own, valid by construction. A backend may skip copying such a tensor into its memory when it
 * still holds it from an earlier run; every other tensor's array belongs to the caller, who may
 * refill it between runs, so it is read again on every run.
 */
export function libraryTensor(dtype: DType, shape: ConcreteShape, data: TypedArray): Tensor {
  return new Tensor(dtype, shape, data, LIBRARY);
}

/** What the constructor checks of a caller's tensor: dtype, the array's kind, the shape, the size, bools of 0 or 1. */
function checkTensor(dtype: DType, shape: ConcreteShape, data: TypedArray): void {
  const d = checkDtype("tensor", dtype);
  if (!(data instanceof ARRAY_OF[d])) {
    throw new GraphgradError("tensor", `${withArticle(`${d} tensor`)} keeps its data in ${withArticle(ARRAY_OF[d].name)}, got ${describe(data)} (tensorFrom converts)`);
  }
  if (data.length !== sizeOf(checkConcreteShape("tensor", shape))) {
    throw new GraphgradError("tensor", `${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  if (d === "bool") checkBools(data, shape, "tensor");
}

/**
 * A library tensor whose array is made on first use: `fill` runs once, when `data` is first read
 * (by the caller, or by anything reading the data), and its array is then the tensor's data like
 * any other. A backend hands these out for results it still holds in its own memory (the state a
 * train step returns, which the next step consumes where it lies), so that a value nobody reads is
 * never copied; before it overwrites that memory it reads `data` itself, or, where the tensor was
 * donated to the run, lets `fill` throw.
 */
export function pendingTensor(dtype: DType, shape: ConcreteShape, fill: () => TypedArray): Tensor {
  const t = new Tensor(dtype, shape, allocate(dtype, 0), LIBRARY);
  Object.defineProperty(t, "data", {
    configurable: true,
    enumerable: true,
    get(): TypedArray {
      const data = fill();
      Object.defineProperty(t, "data", { value: data, configurable: true, enumerable: true, writable: true });
      return data;
    },
  });
  return t;
}

/** Whether a `pendingTensor`'s data has not been made yet. */
export function isPending(t: Tensor): boolean {
  return Object.getOwnPropertyDescriptor(t, "data")?.get !== undefined;
}

/** Whether `libraryTensor` made this tensor. */
export function isOwnedByLibrary(t: Tensor): boolean {
  return libraryOwned(t);
}

/** Throws unless every element of a bool array is 0 or 1, naming the first other one. */
export function checkBools(data: ArrayLike<number>, shape: ConcreteShape, where: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (x !== 0 && x !== 1) throw elementError(where, i, shape, x, "bool");
  }
}

const RULES: Readonly<Record<DType, string>> = {
  bool: "bool takes only 0, 1, true and false",
  int32: "int32 takes integers in [-2147483648, 2147483647] (cast converts other values)",
  float32: "float32 takes numbers",
  float64: "float64 takes numbers",
};

function elementError(where: string, index: number, shape: ConcreteShape, value: unknown, dtype: DType): GraphgradError {
  let at = "";
  if (shape.length > 1) {
    const pos: number[] = [];
    let rest = index;
    for (let a = shape.length - 1; a >= 0; a--) {
      const n = shape[a] as number;
      pos.unshift(rest % n);
      rest = Math.floor(rest / n);
    }
    at = ` (at [${pos.join(",")}])`;
  }
  return new GraphgradError(where, `element ${index}${at} is ${describe(value)}: ${RULES[dtype]}`);
}

/** The stored value of one element for `dtype`, or undefined when the dtype cannot hold it exactly (floats round to nearest). */
export function elementValue(x: unknown, dtype: DType): number | undefined {
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x !== "number") return undefined;
  switch (dtype) {
    case "float32":
    case "float64":
      return x;
    case "int32":
      return Number.isInteger(x) && x >= -2147483648 && x <= 2147483647 ? x : undefined;
    case "bool":
      return x === 0 || x === 1 ? x : undefined;
  }
}

/** The error for a single value (a number fed to a rank-0 input) that `dtype` cannot hold (see `elementValue`). */
export function valueRejected(where: string, x: unknown, dtype: DType): GraphgradError {
  return elementError(where, 0, [], x, dtype);
}

/** Typed arrays whose every value an int32 holds; the numeric typed arrays a tensor is built from. */
const INT32_SAFE_ARRAYS: readonly ArrayKind[] = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array];
const NUMBER_ARRAYS: readonly ArrayKind[] = [...INT32_SAFE_ARRAYS, Uint32Array, Float32Array, Float64Array];

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

/**
 * Builds a tensor (copying the data) from nested arrays, a number, or a typed array, checking every
 * element against the dtype: int32 takes integers in its range, bool only 0, 1, true and false,
 * floats any number (float32 rounds to nearest, as a Float32Array store does). Typed arrays are
 * checked the same way, element by element (a Float32Array of 1.5 is no int32 tensor).
 * With `shape`, nested data must have that shape, and a flat array (or a typed array) may fill
 * any shape with as many elements.
 */
export function tensorFrom(v: NestedArray | TypedArray, dtype: DType, shape?: ConcreteShape, where = "tensor"): Tensor {
  if (typeof where !== "string") throw new GraphgradError("tensorFrom", `where (the name errors give) must be a string, got ${describe(where)}`);
  const d = checkDtype(where, dtype);
  if (shape !== undefined) checkConcreteShape(where, shape);
  if (ArrayBuffer.isView(v)) return fromTypedArray(v, d, shape, where);
  if (typeof v !== "number" && typeof v !== "boolean" && !Array.isArray(v)) {
    throw new GraphgradError(where, `expected nested arrays of numbers, a number or a typed array, got ${describe(v)}`);
  }
  const nested = nestedShape(v, where);
  const flat = nested.length <= 1;
  const s = shape ?? nested;
  if (shape !== undefined && !sameShape(shape, nested) && !(flat && sizeOf(shape) === sizeOf(nested))) {
    throw new GraphgradError(
      where,
      flat ? `${sizeOf(nested)} values given for shape ${formatShape(shape)} (${sizeOf(shape)} elements)` : `data of shape ${formatShape(nested)} given for shape ${formatShape(shape)}`,
    );
  }
  const data = allocate(d, sizeOf(s));
  let i = 0;
  const walk = (x: NestedArray): void => {
    if (Array.isArray(x)) {
      for (const y of x as readonly NestedArray[]) walk(y);
      return;
    }
    const value = elementValue(x, d);
    if (value === undefined) throw elementError(where, i, s, x, d);
    data[i++] = value;
  };
  walk(v);
  return new Tensor(d, s, data);
}

function fromTypedArray(v: ArrayBufferView, d: DType, shape: ConcreteShape | undefined, where: string): Tensor {
  if (!NUMBER_ARRAYS.some((A) => v instanceof A)) throw new GraphgradError(where, `${withArticle(`${d} tensor`)} is built from an array of numbers, got ${describe(v)}`);
  const src = v as unknown as ArrayLike<number>;
  const s = shape ?? [src.length];
  if (sizeOf(s) !== src.length) throw new GraphgradError(where, `${src.length} values given for shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  // Integer arrays of at most 31 bits always fit int32; every other conversion to int32 or bool is checked.
  if (d === "bool" || (d === "int32" && !INT32_SAFE_ARRAYS.some((A) => v instanceof A))) {
    for (let i = 0; i < src.length; i++) {
      const x = src[i] as number;
      if (elementValue(x, d) === undefined) throw elementError(where, i, s, x, d);
    }
  }
  const data = allocate(d, src.length);
  data.set(src);
  return new Tensor(d, s, data);
}

const withArticle = (w: string): string => `${/^[aeiouAEIOU]/.test(w) ? "an" : "a"} ${w}`;

const sameShape = (a: ConcreteShape, b: ConcreteShape): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A tensor from nested arrays or a number, its shape inferred (as `tf.tensor`). The dtype defaults
 * to bool when every element is a boolean, to the array's own dtype for a Float32Array,
 * Float64Array or Int32Array, and to float32 otherwise.
 */
export function tensor(value: NestedArray | TypedArray, dtype?: DType): Tensor {
  return tensorFrom(value, dtype ?? defaultDtype(value), undefined, "tensor");
}

function defaultDtype(v: unknown): DType {
  if (v instanceof Float64Array) return "float64";
  if (v instanceof Int32Array) return "int32";
  if (ArrayBuffer.isView(v)) return "float32";
  const allBool = (x: unknown): boolean => (Array.isArray(x) ? x.length > 0 && x.every(allBool) : typeof x === "boolean");
  return allBool(v) ? "bool" : "float32";
}
