import type { DType, TypedArray } from "../../ir/dtype.js";

/**
 * The safetensors dtypes graphgrad reads, and how each becomes one of graphgrad's dtypes:
 *   F32 → float32, F64 → float64, BOOL → bool (any non-zero byte is true)
 *   F16, BF16 → float32, exactly (every half and bfloat16 value is a float32)
 *   I8, U8, I16, U16, I32 → int32, exactly
 *   I64, U64, U32 → int32 when every value fits in [-2^31, 2^31 - 1]; else the first value that
 *   does not is reported
 * F8_E4M3, F8_E5M2 and C64 are refused by name. Data is little-endian.
 */

export interface FileDType {
  readonly dtype: DType;
  readonly itemSize: number;
  /** The elements of `src` (count · itemSize bytes) as `dtype`, or the first element out of its range. */
  readonly decode: (src: Uint8Array, count: number) => TypedArray | OutOfRange;
}

export interface OutOfRange {
  readonly index: number;
  /** The value as written in the file. */
  readonly value: string;
}

const viewOf = (src: Uint8Array): DataView => new DataView(src.buffer, src.byteOffset, src.byteLength);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** On a little-endian host the bytes are the elements: one copy into an aligned array. */
function copied<T extends Float32Array | Float64Array | Int32Array>(out: T, src: Uint8Array): T {
  new Uint8Array(out.buffer).set(src);
  return out;
}

function floats32(src: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) return copied(out, src);
  const v = viewOf(src);
  for (let i = 0; i < count; i++) out[i] = v.getFloat32(4 * i, true);
  return out;
}

function floats64(src: Uint8Array, count: number): Float64Array {
  const out = new Float64Array(count);
  if (LITTLE_ENDIAN_HOST) return copied(out, src);
  const v = viewOf(src);
  for (let i = 0; i < count; i++) out[i] = v.getFloat64(8 * i, true);
  return out;
}

/** IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function halves(src: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const v = viewOf(src);
  for (let i = 0; i < count; i++) out[i] = halfToNumber(v.getUint16(2 * i, true));
  return out;
}

/** bfloat16 is the upper half of a float32: shifting its bits up gives the float32 exactly (NaN payloads too). */
function bfloat16s(src: Uint8Array, count: number): Float32Array {
  const bits = new Uint32Array(count);
  const v = viewOf(src);
  for (let i = 0; i < count; i++) bits[i] = v.getUint16(2 * i, true) << 16;
  return new Float32Array(bits.buffer);
}

function smallIntegers(size: 1 | 2 | 4, signed: boolean): (src: Uint8Array, count: number) => Int32Array {
  return (src, count) => {
    const out = new Int32Array(count);
    if (size === 4 && LITTLE_ENDIAN_HOST) return copied(out, src);
    const v = viewOf(src);
    for (let i = 0; i < count; i++) {
      const at = size * i;
      out[i] = size === 1 ? (signed ? v.getInt8(at) : v.getUint8(at)) : size === 2 ? (signed ? v.getInt16(at, true) : v.getUint16(at, true)) : v.getInt32(at, true);
    }
    return out;
  };
}

function uint32s(src: Uint8Array, count: number): Int32Array | OutOfRange {
  const out = new Int32Array(count);
  const v = viewOf(src);
  for (let i = 0; i < count; i++) {
    const u = v.getUint32(4 * i, true);
    if (u > 0x7fffffff) return { index: i, value: String(u) };
    out[i] = u;
  }
  return out;
}

/** 64-bit integers as int32: a value fits when its high word is the sign extension of its low word. */
function int64s(signed: boolean): (src: Uint8Array, count: number) => Int32Array | OutOfRange {
  return (src, count) => {
    const out = new Int32Array(count);
    const v = viewOf(src);
    for (let i = 0; i < count; i++) {
      const low = v.getInt32(8 * i, true);
      const high = v.getInt32(8 * i + 4, true);
      if (high !== (low < 0 ? -1 : 0) || (!signed && low < 0)) {
        return { index: i, value: String(signed ? v.getBigInt64(8 * i, true) : v.getBigUint64(8 * i, true)) };
      }
      out[i] = low;
    }
    return out;
  };
}

function bools(src: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = src[i] === 0 ? 0 : 1;
  return out;
}

export const FILE_DTYPES: ReadonlyMap<string, FileDType> = new Map<string, FileDType>([
  ["F64", { dtype: "float64", itemSize: 8, decode: floats64 }],
  ["F32", { dtype: "float32", itemSize: 4, decode: floats32 }],
  ["F16", { dtype: "float32", itemSize: 2, decode: halves }],
  ["BF16", { dtype: "float32", itemSize: 2, decode: bfloat16s }],
  ["I64", { dtype: "int32", itemSize: 8, decode: int64s(true) }],
  ["U64", { dtype: "int32", itemSize: 8, decode: int64s(false) }],
  ["I32", { dtype: "int32", itemSize: 4, decode: smallIntegers(4, true) }],
  ["U32", { dtype: "int32", itemSize: 4, decode: uint32s }],
  ["I16", { dtype: "int32", itemSize: 2, decode: smallIntegers(2, true) }],
  ["U16", { dtype: "int32", itemSize: 2, decode: smallIntegers(2, false) }],
  ["I8", { dtype: "int32", itemSize: 1, decode: smallIntegers(1, true) }],
  ["U8", { dtype: "int32", itemSize: 1, decode: smallIntegers(1, false) }],
  ["BOOL", { dtype: "bool", itemSize: 1, decode: bools }],
]);

/** The format's other dtypes, refused by name. */
export const REFUSED_DTYPES: readonly string[] = ["F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"];
