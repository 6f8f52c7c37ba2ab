import { create } from "@bufbuild/protobuf";
import type { DType } from "../../ir/dtype.js";
import { type TensorProto, TensorProto_DataType, TensorProtoSchema } from "./proto/onnx/onnx_pb.js";

/**
 * Element types of the tensors an export writes: graphgrad's dtypes, and int64 for what ONNX
 * wants as int64 (shapes, axes, pads, ScatterND's indices).
 */
export type OnnxElem = DType | "int64";

export const ONNX_TYPE: Readonly<Record<OnnxElem, TensorProto_DataType>> = {
  bool: TensorProto_DataType.BOOL,
  int32: TensorProto_DataType.INT32,
  int64: TensorProto_DataType.INT64,
  float32: TensorProto_DataType.FLOAT,
  float64: TensorProto_DataType.DOUBLE,
};

const BYTES: Readonly<Record<OnnxElem, number>> = { bool: 1, int32: 4, int64: 8, float32: 4, float64: 8 };

/** Whether this host stores numbers little-endian (as ONNX's raw_data is), so typed arrays can be copied as they are. */
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** The bytes of a typed array that already holds `elem` values, on a little-endian host; else undefined. */
function sameLayout(elem: OnnxElem, values: ArrayLike<number>): Uint8Array | undefined {
  const fits =
    (elem === "float32" && values instanceof Float32Array) || (elem === "float64" && values instanceof Float64Array) || (elem === "int32" && values instanceof Int32Array);
  if (!fits || !HOST_LITTLE_ENDIAN) return undefined;
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
}

/**
 * Little-endian bytes of `values` as `elem` (ONNX's `raw_data` layout, whatever the host's byte
 * order): float32 rounds to nearest; NaN, ±Infinity and -0 are kept; bool is one byte, 0 or 1.
 */
export function rawBytes(elem: OnnxElem, values: ArrayLike<number>): Uint8Array {
  const copied = sameLayout(elem, values);
  if (copied !== undefined) return copied;
  const n = values.length;
  const out = new Uint8Array(n * BYTES[elem]);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    switch (elem) {
      case "bool":
        out[i] = v !== 0 ? 1 : 0;
        break;
      case "int32":
        view.setInt32(i * 4, v, true);
        break;
      case "int64":
        view.setBigInt64(i * 8, BigInt(v), true);
        break;
      case "float32":
        view.setFloat32(i * 4, v, true);
        break;
      case "float64":
        view.setFloat64(i * 8, v, true);
        break;
    }
  }
  return out;
}

/** A TensorProto holding `values` (row-major) of `shape`, named `name` (an initializer) or not (an attribute). */
export function tensorProto(elem: OnnxElem, shape: readonly number[], values: ArrayLike<number>, name = ""): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dataType: ONNX_TYPE[elem],
    dims: shape.map((d) => BigInt(d)),
    rawData: rawBytes(elem, values),
  });
}
