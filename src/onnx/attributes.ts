import { create } from "@bufbuild/protobuf";
import { type AttributeProto, AttributeProto_AttributeType as Type, AttributeProtoSchema, type GraphProto, type TensorProto } from "./proto/onnx/onnx_pb.js";

/** ONNX node attributes, by kind. */

export const intAttr = (name: string, value: number): AttributeProto => create(AttributeProtoSchema, { name, type: Type.INT, i: BigInt(value) });

export const intsAttr = (name: string, values: readonly number[]): AttributeProto =>
  create(AttributeProtoSchema, { name, type: Type.INTS, ints: values.map((v) => BigInt(v)) });

export const stringAttr = (name: string, value: string): AttributeProto =>
  create(AttributeProtoSchema, { name, type: Type.STRING, s: new TextEncoder().encode(value) });

export const tensorAttr = (name: string, t: TensorProto): AttributeProto => create(AttributeProtoSchema, { name, type: Type.TENSOR, t });

export const graphAttr = (name: string, g: GraphProto): AttributeProto => create(AttributeProtoSchema, { name, type: Type.GRAPH, g });
