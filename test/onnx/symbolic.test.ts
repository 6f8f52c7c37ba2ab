import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { prim } from "../../src/ops.js";
import { ModelProtoSchema, type ValueInfoProto } from "../../src/onnx/proto/onnx/onnx_pb.js";
import { expectElementsClose, ortSession, runOrt } from "./ort.js";

/**
 * Symbolic dimensions: one exported file runs at any batch size. Every rule that takes a shape
 * (reshape, broadcast, splats, iota, gather's and scatterAdd's row counts, ...) reads a symbolic
 * size from the input that has it.
 */

const dims = (v: ValueInfoProto | undefined): (string | number)[] => {
  const t = v?.type?.value;
  if (t?.case !== "tensorType") throw new Error("not a tensor type");
  return (t.value.shape?.dim ?? []).map((d) => (d.value.case === "dimParam" ? d.value.value : Number(d.value.value)));
};

describe("ONNX export with symbolic batch dimensions", () => {
  const x = gg.input("x", ["batch", 3]);
  const labels = gg.input("labels", ["batch"], "int32");
  const y = gg.input("y", [null, 2]);
  const w = gg.param("w", [3, 2]);
  const b = x.shape[0] as string;
  const outputs: Record<string, gg.Expr> = {
    dense: gg.add(gg.matmul(x, w), gg.fill([b, 2], 0.5)),
    iotaBatchAxis: gg.add(gg.iota([b, 3], 0, "float32"), x),
    iotaOtherAxis: gg.mul(gg.iota([b, 3], 1, "float32"), x),
    iotaInt: gg.add(gg.iota([b], 0, "int32"), labels),
    transposedReshape: gg.reshape(x, [3, b]),
    addedAxis: gg.reshape(x, [b, 3, 1]),
    broadcast: gg.broadcastTo(gg.sum(x, 1, true), [2, b, 3]),
    // The primitive (gg.gather checks its indices): out-of-range ones clamp to the symbolic row count.
    gatherRows: prim("gather", [x, gg.constant([0, 4, -2, 9], "int32")], {}),
    // The checked gather, its bound read from the batch size.
    gatherChecked: gg.gather(x, gg.constant([0], "int32")),
    scatterRows: gg.scatterAdd(gg.mul(x, 2), labels, b),
    scatterByLabel: gg.scatterAdd(x, labels, 5), // labels (3i mod 5) all in range: gg.scatterAdd checks them
    meanOverBatch: gg.mean(x, 0),
    maxOverBatch: gg.max(x, 0, true),
    sliced: gg.slice(x, [0, 1], [-1, 2]),
    padded: gg.pad(x, [[0, 0], [2, 1]]),
    concatenated: gg.concat([x, gg.neg(x)], 1),
    oneHot: gg.oneHot(labels, 4),
    argmax: gg.argmax(x),
    y2: gg.mul(y, 2),
  };
  const params = { w: gg.tensorFrom([[1, -1], [0.5, 2], [-3, 0.25]], "float32") };

  it("inputs and outputs keep their symbols as named dimensions (a null dimension is named ?input.axis)", () => {
    const model = fromBinary(ModelProtoSchema, gg.onnx.export(outputs, { params }));
    const inputs = model.graph?.input ?? [];
    expect(inputs.map((v) => v.name)).toEqual(["x", "labels", "y"]);
    expect(inputs.map(dims)).toEqual([["batch", 3], ["batch"], ["?y.0", 2]]);
    const out = new Map((model.graph?.output ?? []).map((v) => [v.name, dims(v)] as const));
    expect(out.get("dense")).toEqual(["batch", 2]);
    expect(out.get("transposedReshape")).toEqual([3, "batch"]);
    expect(out.get("scatterRows")).toEqual(["batch", 3]);
    expect(out.get("y2")).toEqual(["?y.0", 2]);
    // The run-time sizes are read from the inputs (Shape), and the symbolic splat and iota built from them.
    const ops = new Set((model.graph?.node ?? []).map((n) => n.opType));
    for (const op of ["Shape", "ConstantOfShape", "Range", "Expand", "ScatterND", "Gather", "Clip"]) expect(ops.has(op), op).toBe(true);
  });

  it("one file, run at batch sizes 1 and 5, gives graphgrad's values at both", async () => {
    const session = await ortSession(gg.onnx.export(outputs, { params }));
    for (const n of [1, 5]) {
      const feeds = {
        x: gg.tensorFrom(Float32Array.from({ length: 3 * n }, (_, i) => Math.sin(i + 1) * 3), "float32", [n, 3]),
        labels: gg.tensorFrom(Int32Array.from({ length: n }, (_, i) => (i * 3) % 5), "int32", [n]),
        y: gg.tensorFrom(Float32Array.from({ length: 2 * (n + 1) }, (_, i) => i - 2), "float32", [n + 1, 2]),
      };
      const got = await runOrt(session, feeds);
      const want = await gg.evaluate(outputs, { ...feeds, ...params });
      for (const [k, v] of Object.entries(want)) {
        expect(got[k]?.shape, `${k} at batch ${n}`).toEqual(v.shape);
        expectElementsClose(got[k] as gg.Tensor, v, 1e-6, `${k} at batch ${n}`);
      }
    }
  });
});
