import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OP_NAMES } from "../../ir/ops/attrs.js";
import * as gg from "../../src/index.js";
import { ModelProtoSchema, TensorProto_DataType } from "../../src/onnx/proto/onnx/onnx_pb.js";
import { ONNX_RULES } from "../../src/onnx/rules/index.js";
import { runExported } from "./ort.js";

/** The file `gg.onnx.export` writes, and what it refuses. */

const x = gg.input("x", [null, 4]);
const w = gg.param("w", [4, 3]);
const b = gg.param("b", [3]);
const logits = gg.add(gg.matmul(x, w), b);
const params = { w: gg.tensorFrom(Float32Array.from({ length: 12 }, (_, i) => i - 5.5), "float32", [4, 3]), b: gg.tensorFrom([0.5, -0, NaN], "float32") };

describe("gg.onnx.export: the file", () => {
  it("has a rule (or a stated refusal) for every primitive", () => {
    expect(Object.keys(ONNX_RULES).sort()).toEqual([...OP_NAMES].sort());
  });

  it("declares the opset and the IR version of that opset, graphgrad as producer, and the graph's name", () => {
    for (const [opset, ir] of [[16, 8n], [17, 8n], [18, 8n], [19, 9n], [20, 9n]] as const) {
      const m = fromBinary(ModelProtoSchema, gg.onnx.export({ logits }, { params, opset, name: "classifier" }));
      expect(m.irVersion).toBe(ir);
      expect(m.opsetImport.map((o) => [o.domain, o.version])).toEqual([["", BigInt(opset)]]);
      expect(m.producerName).toBe("graphgrad");
      expect(m.graph?.name).toBe("classifier");
    }
    const m = fromBinary(ModelProtoSchema, gg.onnx.export({ logits }, { params }));
    expect(m.opsetImport[0]?.version).toBe(BigInt(gg.onnx.DEFAULT_OPSET));
    expect(gg.onnx.DEFAULT_OPSET).toBe(17);
    expect([gg.onnx.MIN_OPSET, gg.onnx.MAX_OPSET]).toEqual([16, 20]);
    expect(m.graph?.name).toBe("graphgrad");
  });

  it("every gg.input is a graph input (even one no output needs), every gg.param an initializer holding its value bit for bit", () => {
    const unused = gg.input("unused", [2], "int32");
    const m = fromBinary(ModelProtoSchema, gg.onnx.export({ logits, z: gg.mul(gg.cast(unused, "float32"), 0) }, { params }));
    const g = m.graph;
    expect(g?.input.map((v) => v.name)).toEqual(["x", "unused"]);
    const w0 = g?.initializer.find((t) => t.name === "w");
    const b0 = g?.initializer.find((t) => t.name === "b");
    expect(w0?.dataType).toBe(TensorProto_DataType.FLOAT);
    expect(w0?.dims).toEqual([4n, 3n]);
    expect(Array.from(new Float32Array(w0?.rawData.slice().buffer ?? new ArrayBuffer(0)))).toEqual(Array.from(params.w.data));
    const bValues = Array.from(new Float32Array(b0?.rawData.slice().buffer ?? new ArrayBuffer(0)));
    expect(bValues.map((v) => (Object.is(v, -0) ? "-0" : String(v)))).toEqual(["0.5", "-0", "NaN"]);
    expect(g?.output.map((v) => v.name)).toEqual(["logits", "z"]);
  });

  it("is the optimized graph (as compile runs it): x·1 + 0 is x, constant subexpressions are folded", async () => {
    const y = gg.input("y", [3]);
    const m = fromBinary(ModelProtoSchema, gg.onnx.export({ same: gg.add(gg.mul(y, 1), 0), shifted: gg.add(y, gg.exp(gg.scalar(1))) }));
    expect(m.graph?.node.map((n) => n.opType).sort()).toEqual(["Add", "Identity", "Identity"]);
    const out = await runExported(gg.onnx.export({ same: gg.add(gg.mul(y, 1), 0), shifted: gg.add(y, gg.exp(gg.scalar(1))) }), { y: gg.tensorFrom([1, 2, 3], "float32") });
    expect(Array.from(out["same"]?.data ?? [])).toEqual([1, 2, 3]);
    expect(out["shifted"]?.data[0]).toBe(Math.fround(1 + Math.fround(Math.E)));
  });

  it("an output may be an input itself, or share its node with another output", async () => {
    const y = gg.input("y", [2]);
    const out = await runExported(gg.onnx.export({ a: y, b: y, c: gg.neg(y), d: gg.neg(y) }), { y: gg.tensorFrom([1, -2], "float32") });
    expect([out["a"], out["b"], out["c"], out["d"]].map((t) => Array.from(t?.data ?? []))).toEqual([[1, -2], [1, -2], [-1, 2], [-1, 2]]);
  });
});

describe("gg.onnx.export: what it refuses, naming the op, parameter or output", () => {
  it("random numbers", () => {
    const r = gg.add(x, gg.random.uniform(gg.random.key(1), [4]));
    expect(() => gg.onnx.export({ r })).toThrow(gg.GraphgradError);
    expect(() => gg.onnx.export({ r })).toThrow(/^random: not exportable to ONNX: .*Threefry/);
  });

  it("an opset outside 16..20", () => {
    for (const opset of [15, 21, 17.5]) expect(() => gg.onnx.export({ logits }, { params, opset })).toThrow(`onnx.export: opset ${opset} is not supported: 16 to 20`);
  });

  it("a parameter without a value, or with a value of another dtype or shape, or not a Tensor", () => {
    expect(() => gg.onnx.export({ logits }, { params: { w: params.w } })).toThrow("onnx.export: params 'b': no value in options.params (the outputs use it; give a Tensor of float32[3])");
    expect(() => gg.onnx.export({ logits }, { params: { ...params, b: gg.tensorFrom([1, 2], "float32") } })).toThrow("params 'b': the value is float32[2], the parameter float32[3]");
    expect(() => gg.onnx.export({ logits }, { params: { ...params, b: gg.tensorFrom([1, 2, 3], "int32") } })).toThrow("params 'b': the value is int32[3], the parameter float32[3]");
    const notATensor = { ...params, b: [1, 2, 3] } as unknown as Record<string, gg.Tensor>;
    expect(() => gg.onnx.export({ logits }, { params: notATensor })).toThrow("params 'b': expected a Tensor, got object");
  });

  it("a value in params for an input, and an output named as an input", () => {
    expect(() => gg.onnx.export({ logits }, { params: { ...params, x: params.w } })).toThrow("onnx.export: params 'x': names an input (gg.input), not a parameter");
    expect(() => gg.onnx.export({ x: gg.neg(x) })).toThrow("output 'x' has the name of an input, and ONNX names every value once: give the output another name");
  });

  it("a symbolic dimension that no input has", () => {
    expect(() => gg.onnx.export({ k: gg.fill(["k", 2], 1) })).toThrow("fill: the symbolic dimension 'k' of [k,2] is no input's: an exported graph cannot know its size");
  });

  it("outputs that are not expressions", () => {
    expect(() => gg.onnx.export({ y: 3 as unknown as gg.Expr })).toThrow("output 'y' is not an Expr");
  });
});
