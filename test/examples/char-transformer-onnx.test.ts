import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type CharTransformerConfig, FULL, TINY } from "../../examples/char-transformer/config.js";
import { exportCharTransformer, inferenceGraph, ONNX_INPUT } from "../../examples/char-transformer/export.js";
import { charTransformerParams } from "../../examples/char-transformer/model.js";
import * as gg from "../../src/index.js";
import { expectOutputsClose, ortSession, runOrt } from "../onnx/ort.js";
import { pythonWith, REQUIRE_PYTHON } from "../support/python.js";

/**
 * The character-level Transformer's inference graph (ids [batch, T] → logits [batch, T, vocab])
 * exported with gg.onnx.export and run in ONNX Runtime: its logits within 1e-4 of graphgrad's,
 * relative to their largest magnitude, on random windows of characters; and the file passes the
 * `onnx` package's checker (skipped with one printed line without it, as in test/onnx/).
 */

const { python, missing } = pythonWith("onnx", "python3 -m venv .venv && .venv/bin/pip install onnx");
if (missing !== undefined && !REQUIRE_PYTHON) console.log(`skipping the ONNX checker test of the character-level Transformer: ${missing}`);

const VOCAB = 59;

/** Parameter values away from the initial ones (norm scales off 1, biases off 0), as after training. */
async function perturbedValues(c: CharTransformerConfig, seed: number): Promise<Record<string, gg.Tensor>> {
  const params = charTransformerParams(VOCAB, c);
  const [initKey, noiseKey] = gg.random.split(gg.random.key(seed), 2) as [gg.Expr, gg.Expr];
  const initial = await gg.init.values(params.specs, initKey);
  const keys = gg.random.split(noiseKey, params.specs.length);
  const outputs = Object.fromEntries(params.specs.map((s, i) => [s.name, gg.add(gg.input(s.name, s.shape), gg.random.normal(keys[i] as gg.Expr, s.shape, { stddev: 0.1 }))]));
  return gg.evaluate(outputs, initial);
}

function randomIds(batch: number, T: number, seed: number): gg.Tensor {
  let x = seed;
  const ids = Int32Array.from({ length: batch * T }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % VOCAB);
  return new gg.Tensor("int32", [batch, T], ids);
}

async function checkAgainstOrt(c: CharTransformerConfig, backend: gg.Backend | "js" | "wasm"): Promise<number[]> {
  const params = charTransformerParams(VOCAB, c);
  const values = await perturbedValues(c, 5);
  const bytes = exportCharTransformer(params, values, c.contextLength);
  const session = await ortSession(bytes);
  expect(session.inputNames).toEqual([ONNX_INPUT]);
  expect(session.outputNames).toEqual(["logits"]);
  const exe = await gg.compile({ outputs: { logits: inferenceGraph(params, c.contextLength).logits } }, { backend });
  const errors: number[] = [];
  for (const [batch, seed] of [[3, 1], [1, 2]] as const) {
    const ids = randomIds(batch, c.contextLength, seed);
    const got = await runOrt(session, { [ONNX_INPUT]: ids });
    const want = await exe.run({ ...values, [ONNX_INPUT]: ids });
    expect(got["logits"]?.shape).toEqual([batch, c.contextLength, VOCAB]);
    errors.push(expectOutputsClose(got, want, 1e-4, Number.MIN_VALUE)["logits"] as number);
  }
  return errors;
}

describe("ONNX export of the character-level Transformer", () => {
  it("the full configuration (2 layers, width 96, context 64, sinusoidal positions): ONNX Runtime's logits match the WASM backend's", async () => {
    const errors = await checkAgainstOrt(FULL, "wasm");
    expect(errors.every((e) => e > 0)).toBe(true); // two implementations, not one file compared with itself
  });

  it("a small model with learned positions: ONNX Runtime's logits match the JS reference's", async () => {
    await checkAgainstOrt({ ...TINY, positions: "learned" }, "js");
  });

  it.skipIf(missing !== undefined && !REQUIRE_PYTHON)("the full configuration's file passes the onnx package's checker", async () => {
    expect(missing).toBeUndefined();
    const params = charTransformerParams(VOCAB, FULL);
    const dir = mkdtempSync(join(tmpdir(), "gg-char-onnx-"));
    try {
      const file = join(dir, "charlm.onnx");
      writeFileSync(file, exportCharTransformer(params, await perturbedValues(FULL, 5), FULL.contextLength));
      const script = fileURLToPath(new URL("../onnx/check_onnx.py", import.meta.url));
      const out = JSON.parse(execFileSync(python as string, [script, file], { encoding: "utf8" })) as Record<string, string>;
      expect(out).toEqual({ [file]: "ok" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
