/**
 * A workload's data (nested objects and arrays of numbers and typed arrays) as a JSON skeleton
 * plus raw bytes: each Float32Array / Int32Array becomes {"$array": dtype, offset, length} into the
 * bytes (machine byte order, little-endian here), so float32 values cross the pipe bit for bit.
 */
export interface Encoded {
  readonly skeleton: unknown;
  readonly payload: Uint8Array[];
}

export function encodeData(data: unknown): Encoded {
  const payload: Uint8Array[] = [];
  let offset = 0;
  const walk = (v: unknown): unknown => {
    if (v instanceof Float32Array || v instanceof Int32Array) {
      const placeholder = { $array: v instanceof Float32Array ? "float32" : "int32", offset, length: v.length };
      payload.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      offset += v.byteLength;
      return placeholder;
    }
    if (ArrayBuffer.isView(v)) throw new Error(`encodeData: unsupported typed array ${v.constructor.name}`);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { skeleton: walk(data), payload };
}
