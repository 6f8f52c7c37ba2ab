import { create } from "@bufbuild/protobuf";
import type { DType } from "../../ir/dtype.js";
import type { Shape } from "../../ir/shape.js";
import { type ValueInfoProto, ValueInfoProtoSchema } from "./proto/onnx/onnx_pb.js";
import { ONNX_TYPE } from "./tensors.js";

/** A graph input's or output's name and type: its element type and shape, a symbolic dimension as a named one (dim_param). */
export function valueInfo(name: string, dtype: DType, shape: Shape): ValueInfoProto {
  const dim = shape.map((d) => (typeof d === "number" ? { value: { case: "dimValue" as const, value: BigInt(d) } } : { value: { case: "dimParam" as const, value: d } }));
  return create(ValueInfoProtoSchema, { name, type: { value: { case: "tensorType", value: { elemType: ONNX_TYPE[dtype], shape: { dim } } } } });
}
