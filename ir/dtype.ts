import * as t from "io-ts";

/** The element types of graphgrad tensors. */
export const DTYPES = ["bool", "int32", "float32", "float64"] as const;
export type DType = (typeof DTYPES)[number];

export const DTypeCodec = t.keyof({ bool: null, int32: null, float32: null, float64: null }, "DType");

export function isFloat(d: DType): d is "float32" | "float64" {
  return d === "float32" || d === "float64";
}

export function isNumeric(d: DType): boolean {
  return d !== "bool";
}

/** Promotion lattice bool < int32 < float32 < float64: the result type of mixing a and b. */
export function promote(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/** Short names for the printer: f32[2,3]. */
export const DTYPE_SHORT: Readonly<Record<DType, string>> = { bool: "bool", int32: "i32", float32: "f32", float64: "f64" };

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export type TypedArrayFor<D extends DType> = D extends "float32"
  ? Float32Array
  : D extends "float64"
    ? Float64Array
    : D extends "int32"
      ? Int32Array
      : Uint8Array;

/** A zero-filled typed array holding n elements of dtype d. */
export function allocate(d: DType, n: number): TypedArray {
  switch (d) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** Rounds a JS number to what dtype d can hold (the value a typed-array store would keep). */
export function roundTo(d: DType, v: number): number {
  switch (d) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "int32":
      return v | 0;
    case "bool":
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  }
}
