import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { PTB_CONFIGS } from "../../examples/ptb/configs.js";
import { INPUT_DATA, ptbModel, ptbParams, stateNames, TARGETS } from "../../examples/ptb/model.js";
import { subgraphNodes } from "../../ir/subgraph.js";
import * as gg from "../../src/index.js";
import { ModelProtoSchema } from "../../src/onnx/proto/onnx/onnx_pb.js";
import { expectElementsClose, expectOutputsClose, ortSession, runOrt } from "./ort.js";

/**
 * `scan` as ONNX Scan: the loop stays a loop in the file (one Scan node per scan, whatever the
 * length), and ONNX Runtime computes what graphgrad computes.
 */

const t32 = (shape: number[], f: (i: number) => number): gg.Tensor => gg.tensorFrom(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), "float32", shape);

async function expectSame(outputs: Record<string, gg.Expr>, feeds: Record<string, gg.Tensor>, params: Record<string, gg.Tensor> = {}, opset?: number): Promise<Uint8Array> {
  const bytes = gg.onnx.export(outputs, { params, ...(opset === undefined ? {} : { opset }) });
  const got = await runOrt(await ortSession(bytes), feeds);
  const want = await gg.evaluate(outputs, { ...feeds, ...params });
  for (const [k, w] of Object.entries(want)) expectElementsClose(got[k] as gg.Tensor, w, 2e-6, k, 1e-6);
  return bytes;
}

const scanNodes = (bytes: Uint8Array): number => (fromBinary(ModelProtoSchema, bytes).graph?.node ?? []).filter((n) => n.opType === "Scan").length;

describe("ONNX export of scan", () => {
  it("carries, ys, a closed-over parameter, both directions: one Scan node for all the results of a scan", async () => {
    const xs = gg.input("xs", [5, 3]);
    const w = gg.param("w", [3]);
    for (const reverse of [false, true]) {
      const [carry, ys] = gg.scan(
        (c: { sum: gg.Expr; prod: gg.Expr }, x: gg.Expr) => {
          const sum = gg.add(c.sum, gg.mul(x, w));
          return [{ sum, prod: gg.mul(c.prod, gg.tanh(x)) }, { running: sum, sq: gg.mul(x, x) }] as const;
        },
        { sum: gg.zeros([3]), prod: gg.ones([3]) },
        xs,
        { reverse },
      );
      const outputs = { sum: carry.sum, prod: carry.prod, running: ys.running, sq: ys.sq };
      const bytes = await expectSame(outputs, { xs: t32([5, 3], (i) => Math.sin(i) * 2) }, { w: t32([3], (i) => i - 0.5) });
      expect(scanNodes(bytes)).toBe(1);
    }
  });

  it("a scan without xs (a known length) and a scan inside a scan's body", async () => {
    const x = gg.input("x", [2]);
    const [powers] = gg.scan((c: gg.Expr) => [gg.mul(c, x), gg.sum(c)] as const, gg.ones([2]), null, { length: 4 });
    const m = gg.input("m", [3, 4, 2]);
    const [, inner] = gg.scan(
      (c: gg.Expr, row: gg.Expr) => {
        const [rowSum] = gg.scan((d: gg.Expr, v: gg.Expr) => [gg.add(d, v), d] as const, gg.zeros([2]), row);
        return [gg.add(c, rowSum), gg.max(rowSum)] as const;
      },
      gg.zeros([2]),
      m,
    );
    await expectSame({ powers, inner }, { x: t32([2], (i) => 1.5 - i * 2), m: t32([3, 4, 2], (i) => Math.cos(i)) });
  });

  it("customVjp is its function: at the top level (the passes inline it) and inside a scan's body (the export does)", async () => {
    const round = gg.customVjp((x: gg.Expr) => gg.floor(gg.add(x, 0.5)), { vjp: (ct) => [ct] });
    const xs = gg.input("xs", [4, 3]);
    const [last, ys] = gg.scan((c: gg.Expr, x: gg.Expr) => [gg.add(c, round(gg.mul(x, 3))), round(x)] as const, gg.zeros([3]), xs);
    const outputs = { top: round(gg.mul(xs, 2)), last, ys };
    const optimized = (await gg.compile({ outputs })).graph;
    const scanNode = optimized.nodes.find((n) => n.op === "scan");
    expect(scanNode?.op === "scan" && subgraphNodes(scanNode.attrs.body).some((n) => n.op === "customVjp")).toBe(true);
    await expectSame(outputs, { xs: t32([4, 3], (i) => Math.sin(i) * 2.3) });
  });

  it("the gradient through a scan (a reverse scan over the saved carries) exports too", async () => {
    const xs = gg.input("xs", [4, 2]);
    const w = gg.param("w", [2, 2]);
    const [h] = gg.scan((c: gg.Expr, x: gg.Expr) => [gg.tanh(gg.add(gg.matmul(c.reshape([1, 2]), w).reshape([2]), x)), c] as const, gg.ones([2]), xs);
    const loss = gg.sum(gg.mul(h, h));
    const [dw, dxs] = gg.grad(loss, [w, xs]);
    await expectSame({ loss, dw: dw as gg.Expr, dxs: dxs as gg.Expr }, { xs: t32([4, 2], (i) => i / 3 - 1) }, { w: t32([2, 2], (i) => [0.5, -0.3, 0.2, 0.9][i] as number) });
  });

  it("a symbolic batch in the carry: one file at two batch sizes", async () => {
    const x = gg.input("x", ["batch", 6, 3]);
    const w = gg.param("w", [3, 3]);
    const steps = gg.transpose(x, [1, 0, 2]);
    const [last, all] = gg.scan((c: gg.Expr, xt: gg.Expr) => {
      const next = gg.tanh(gg.add(gg.matmul(c, w), xt));
      return [next, gg.sum(next, 1)] as const;
    }, gg.zeros(["batch", 3]), steps);
    const params = { w: t32([3, 3], (i) => Math.sin(i + 1) * 0.7) };
    const bytes = gg.onnx.export({ last, all }, { params });
    const session = await ortSession(bytes);
    for (const n of [1, 4]) {
      const feeds = { x: t32([n, 6, 3], (i) => Math.cos(i * 0.7)) };
      const got = await runOrt(session, feeds);
      const want = await gg.evaluate({ last, all }, { ...feeds, ...params });
      for (const [k, v] of Object.entries(want)) expectElementsClose(got[k] as gg.Tensor, v, 2e-6, `${k} at batch ${n}`, 1e-6);
    }
  });

  it("PTB: the small LSTM language model with its steps in a scan agrees with the unrolled graph (1e-4), as one Scan node", async () => {
    const config = { ...PTB_CONFIGS.small, vocabSize: 1000 };
    const params = ptbParams(config);
    const values = await gg.init.values(params.specs, gg.random.key(5), { backend: "wasm" });
    const batch = 2;
    const unrolled = ptbModel(params, config, { training: false, batchSize: batch });
    // The same model, its 20 steps a scan: embedded inputs [steps, batch, size] scanned, the 2-layer state carried.
    const cell = gg.nn.multiCell(params.cells.map((p) => gg.nn.lstmCell(p, { forgetBias: 0 })));
    const inputs = gg.transpose(gg.nn.embedding(unrolled.inputData, params.embedding), [1, 0, 2]);
    const [state, outputs] = gg.scan((s: readonly { c: gg.Expr; h: gg.Expr }[], x: gg.Expr) => {
      const [o, next] = cell.step(x, s);
      return [next.map((l) => ({ c: l.c, h: l.h })), o] as const;
    }, unrolled.initialState.map((l) => ({ c: l.c, h: l.h })), inputs);
    const output = gg.reshape(gg.transpose(outputs, [1, 0, 2]), [batch * config.numSteps, config.hiddenSize]);
    const logits = gg.add(gg.matmul(output, params.softmaxW), params.softmaxB);
    const loss = gg.losses.sequenceLossByExample([logits], [gg.reshape(unrolled.targets, [batch * config.numSteps])], [gg.ones([batch * config.numSteps])]);
    const scanned: Record<string, gg.Expr> = { loss };
    state.forEach((l, i) => {
      scanned[`final_${stateNames(i).c}`] = l.c;
      scanned[`final_${stateNames(i).h}`] = l.h;
    });
    const bytes = gg.onnx.export(scanned, { params: values });
    expect(scanNodes(bytes)).toBe(1);
    const words = (k: number): gg.Tensor => gg.tensorFrom(Int32Array.from({ length: batch * config.numSteps }, (_, i) => (i * 7919 + k * 104729) % config.vocabSize), "int32", [batch, config.numSteps]);
    const feeds: Record<string, gg.Tensor> = { [INPUT_DATA]: words(1), [TARGETS]: words(2) };
    unrolled.initialState.forEach((_, l) => {
      feeds[stateNames(l).c] = t32([batch, config.hiddenSize], (i) => Math.sin(i + l) * 0.1);
      feeds[stateNames(l).h] = t32([batch, config.hiddenSize], (i) => Math.cos(i + l) * 0.1);
    });
    const got = await runOrt(await ortSession(bytes), feeds);
    const unrolledOutputs: Record<string, gg.Expr> = { loss: unrolled.loss };
    unrolled.finalState.forEach((l, i) => {
      unrolledOutputs[`final_${stateNames(i).c}`] = l.c;
      unrolledOutputs[`final_${stateNames(i).h}`] = l.h;
    });
    expectOutputsClose(got, await gg.evaluate(unrolledOutputs, { ...feeds, ...values }), 1e-4, Number.MIN_VALUE);
  });
});
