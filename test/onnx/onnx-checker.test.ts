import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dotModel, initialParams as dotParams } from "../../examples/dot/model.js";
import { irisModel } from "../../examples/iris/model.js";
import { PTB_CONFIGS } from "../../examples/ptb/configs.js";
import { ptbModel, ptbParams, stateOutputs } from "../../examples/ptb/model.js";
import type { Tensor } from "../../ir/tensor.js";
import * as gg from "../../src/index.js";
import { exportGraph } from "../../src/onnx/export.js";
import { pythonWith, REQUIRE_PYTHON } from "../support/python.js";
import { arb } from "../../src/testing/index.js";

/**
 * The exported files pass the `onnx` package's own checker (the full check, and strict shape
 * inference agreeing with the declared shapes), independently of any runtime: the examples at
 * every opset, and random graphs.
 */

const SETUP = "python3 -m venv .venv && .venv/bin/pip install onnx";
const { python, missing } = pythonWith("onnx", SETUP);
if (missing !== undefined && !REQUIRE_PYTHON) console.log(`skipping the ONNX checker tests: ${missing}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gg-onnx-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(files: Record<string, Uint8Array>): Promise<Record<string, string>> {
  const paths: string[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const p = join(dir, `${name}.onnx`);
    await writeFile(p, bytes);
    paths.push(p);
  }
  const script = fileURLToPath(new URL("./check_onnx.py", import.meta.url));
  const out = JSON.parse(execFileSync(python as string, [script, ...paths], { encoding: "utf8", maxBuffer: 1 << 24 })) as Record<string, string>;
  return Object.fromEntries(Object.entries(out).map(([p, r]) => [p.slice(dir.length + 1, -".onnx".length), r]));
}

describe.skipIf(missing !== undefined && !REQUIRE_PYTHON)("the onnx package's checker", () => {
  it("passes the examples' files at every opset", async () => {
    expect(missing).toBeUndefined();
    const files: Record<string, Uint8Array> = {};
    const iris = irisModel();
    const irisParams = { w1: gg.tensorFrom(new Float32Array(12), "float32", [4, 3]), b1: gg.tensorFrom([0, 0, 0], "float32") };
    const dot = dotModel();
    const dotValues = await dotParams(gg.random.key(1));
    const config = { ...PTB_CONFIGS.small, vocabSize: 50, hiddenSize: 8, numSteps: 3 };
    const ptb = ptbParams(config);
    const model = ptbModel(ptb, config, { training: false, batchSize: 2 });
    const ptbValues = await gg.init.values(ptb.specs, gg.random.key(5));
    const ptbOutputs: Record<string, gg.Expr> = { loss: model.loss };
    for (const [k, v] of Object.entries(stateOutputs(model))) ptbOutputs[`final_${k}`] = v;
    for (let opset = gg.onnx.MIN_OPSET; opset <= gg.onnx.MAX_OPSET; opset++) {
      files[`iris-${opset}`] = gg.onnx.export({ probabilities: iris.probabilities, loss: iris.loss, correct: iris.correct }, { params: irisParams, opset });
      files[`dot-${opset}`] = gg.onnx.export({ output: dot.output, mse: dot.mse }, { params: dotValues, opset });
      files[`ptb-${opset}`] = gg.onnx.export(ptbOutputs, { params: ptbValues, opset });
    }
    const results = await check(files);
    expect(Object.values(results).filter((r) => r !== "ok")).toEqual([]);
    expect(Object.keys(results)).toHaveLength(15);
  });

  it("passes scans as ONNX Scan: both directions, without xs, nested, symbolic, and a scan's gradient", async () => {
    expect(missing).toBeUndefined();
    const xs = gg.input("xs", ["batch", 4, 2]);
    const w = gg.param("w", [2, 2]);
    const steps = gg.transpose(xs, [1, 0, 2]);
    const cell = (c: gg.Expr, x: gg.Expr): readonly [gg.Expr, gg.Expr] => {
      const next = gg.tanh(gg.add(gg.matmul(c, w), x));
      return [next, gg.sum(next, 1)] as const;
    };
    const [h, ys] = gg.scan(cell, gg.zeros(["batch", 2]), steps);
    const [hr, ysr] = gg.scan(cell, gg.zeros(["batch", 2]), steps, { reverse: true });
    const [powers] = gg.scan((c: gg.Expr) => [gg.mul(c, 0.5), c] as const, gg.ones([2]), null, { length: 3 });
    const [, nested] = gg.scan((c: gg.Expr, m: gg.Expr) => {
      const [inner] = gg.scan((d: gg.Expr, v: gg.Expr) => [gg.add(d, v), d] as const, c, m);
      return [inner, gg.max(inner)] as const;
    }, gg.zeros([2]), steps);
    const loss = gg.sum(gg.mul(h, hr));
    const [dw] = gg.grad(loss, [w]);
    const params = { w: gg.tensorFrom([[0.5, -0.25], [1, 0.75]], "float32") };
    const outputs = { h, ys, hr, ysr, powers, nested, loss, dw: dw as gg.Expr };
    const files: Record<string, Uint8Array> = {};
    for (let opset = gg.onnx.MIN_OPSET; opset <= gg.onnx.MAX_OPSET; opset++) files[`scan-${opset}`] = gg.onnx.export(outputs, { params, opset });
    const results = await check(files);
    expect(Object.values(results).filter((r) => r !== "ok")).toEqual([]);
    expect(Object.keys(results)).toHaveLength(5);
  });

  it("passes random graphs (every exportable primitive, random shapes and opsets)", async () => {
    expect(missing).toBeUndefined();
    const cases = fc.sample(fc.tuple(arb.graph(), fc.integer({ min: gg.onnx.MIN_OPSET, max: gg.onnx.MAX_OPSET })), 60);
    const files: Record<string, Uint8Array> = {};
    cases.forEach(([c, opset], i) => {
      if (c.graph.nodes.some((n) => n.op === "random")) return;
      const params: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.feeds)) if (k !== "x0") params[k] = t;
      files[`random-${i}`] = exportGraph(c.graph, { params, opset });
    });
    const results = await check(files);
    expect(Object.entries(results).filter(([, r]) => r !== "ok")).toEqual([]);
    expect(Object.keys(results).length).toBeGreaterThan(20);
  });
});
