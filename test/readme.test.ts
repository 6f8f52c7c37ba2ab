import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { internalWords } from "./support/internal-words.js";

/**
 * The README's code blocks marked `<!-- runnable -->` run exactly as written (with the package
 * import pointed at the sources), so the documentation cannot drift from the API.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/<!-- runnable -->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/** The runnable block containing `text` (exactly one). */
function block(text: string): string {
  const found = blocks.filter((b) => b.includes(text));
  if (found.length !== 1) throw new Error(`${found.length} runnable README blocks contain '${text}'`);
  return found[0] as string;
}

async function runBlock(code: string, name: string): Promise<string[]> {
  const dir = join(root, "test", ".readme");
  mkdirSync(dir, { recursive: true });
  const withImport = code.includes('from "graphgrad"') ? code : `import * as gg from "graphgrad";\n${code}`;
  const file = join(dir, `${name}.ts`);
  const sources = withImport.replace('from "graphgrad"', 'from "../../src/index.js"').replace('from "graphgrad/testing"', 'from "../../src/testing/index.js"');
  writeFileSync(file, `${sources}\nexport {};\n`);
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map((a) => (typeof a === "object" ? JSON.stringify(a) : String(a))).join(" ")));
  await import(pathToFileURL(file).href);
  return lines;
}

describe("README", () => {
  afterEach(() => vi.restoreAllMocks());

  it("has runnable blocks", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it("the complete example runs and trains", async () => {
    const lines = await runBlock(blocks[0] as string, "complete-example");
    expect(blocks[0]).toContain("loss at zero weights");
    expect(lines[0]).toMatch(/^loss at zero weights 1\.09861/);
    const losses = lines.slice(1).map((l) => Number(/loss ([\d.]+)/.exec(l)?.[1]));
    expect(losses).toHaveLength(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[3] as number).toBeLessThan(losses[0] as number);
  });

  it("the regression front-door example trains and predicts", async () => {
    const lines = await runBlock(block("gg.regression"), "regression");
    expect(lines.length).toBe(3);
    expect(lines[2]).toMatch(/loss/);
  });

  it("the optimizer examples build", async () => {
    await expect(runBlock(block("gg.optim.momentum"), "optimizers")).resolves.toEqual([]);
  });

  it("the TensorBoard example trains and writes train and validation event files", async () => {
    const runs = join(root, "runs", "blobs");
    rmSync(runs, { recursive: true, force: true });
    try {
      await expect(runBlock(block("gg.hooks.tensorboard("), "tensorboard")).resolves.toEqual([]);
      for (const run of ["train", "validation"]) expect(readdirSync(join(runs, run)).filter((f) => f.startsWith("events.out.tfevents."))).toHaveLength(1);
    } finally {
      rmSync(join(root, "runs"), { recursive: true, force: true });
    }
  });

  it("the PyTorch safetensors example gives PyTorch's output", async () => {
    const [line] = await runBlock(block("readSafetensors("), "safetensors");
    const expected = JSON.parse(readFileSync(join(root, "test", "fixtures", "safetensors", "expected.json"), "utf8")) as { "torch-mlp-bf16 forward": { y: number[][] } };
    const got = JSON.parse(line as string) as number[][];
    expected["torch-mlp-bf16 forward"].y[0]!.forEach((v, j) => expect(Math.abs(got[0]![j]! - v)).toBeLessThanOrEqual(2e-7 * (1 + Math.abs(v))));
  });

  it("the debugNonFinite example names the op, its printed line and its inputs", async () => {
    const lines = await runBlock(block("debugNonFinite: true"), "debug-non-finite");
    expect(lines).toEqual(["GraphgradError: sqrt: the first non-finite value, NaN at [2], comes from line 9 of printGraph(graph): `g:f32[3] = sqrt f`; its inputs: sub at line 8 (f), all finite; it reaches output 'total' (debugNonFinite)"]);
  });

  it("the withStep, grads and hooks examples run (they throw if a result is wrong)", async () => {
    await expect(runBlock(block("withStep("), "with-step")).resolves.toEqual([]);
    await expect(runBlock(block("grads: clipped"), "apply-gradients")).resolves.toEqual([]);
  });

  it("the optax examples: gradient accumulation, ema outside trainStep, schedule values", async () => {
    const lines = await runBlock(block("gg.optim.multiSteps("), "optax-optimizers");
    expect(lines[0]).toBe("[0,0]");
    expect(lines[1]).toMatch(/^\["0\.\d{4}","-0\.\d{4}"\]$/);
    expect(lines[2]).toBe('[1,2] ["2.0526","3.0526"]');
    await expect(runBlock(block("gg.schedules.oneCycle("), "optax-schedules")).resolves.toEqual(["0.0500000 0.00400000 0.100000 0.0500000"]);
  });

  it("the transform examples: per-example gradient norms, a Hessian-vector product, an RNN by scan, a straight-through estimator", async () => {
    // ∂/∂w (x·w − y)² = 2(x·w − y)x: norms 4√14, 2, 0, 2.
    expect(await runBlock(block("gg.vmap((x: gg.Expr, y: gg.Expr)"), "vmap")).toEqual([`${(4 * Math.sqrt(14)).toFixed(3)} 2.000 0.000 2.000`]);
    const [hvp] = await runBlock(block("gg.hvp(y, x, v)"), "hvp");
    // d²/dx² x² sin x = 2 sin x + 4x cos x − x² sin x at 0.5, times v = e0.
    const want = 2 * Math.sin(0.5) + 2 * Math.cos(0.5) - 0.25 * Math.sin(0.5);
    expect(hvp).toBe(`${want.toFixed(6)} 0.000000 0.000000 3x3`);
    expect(await runBlock(block("gg.scan((h: gg.Expr, x: gg.Expr)"), "scan")).toEqual(["5 2x2"]);
    expect(await runBlock(block("gg.customVjp((x: gg.Expr)"), "custom-vjp")).toEqual(["0 2 -1 | 1 2 3"]);
  });

  it("the index-check example fails on a bad label and runs good ones (it throws if a result is wrong)", async () => {
    const lines = await runBlock(block("sparseSoftmaxCrossEntropyWithLogits(labels, logits) } }"), "errors");
    expect(lines).toEqual([JSON.stringify([0.40760594606399536, 0.40760594606399536])]);
  });

  it("the warm-up schedule hands `after` the count minus the warm-up steps", async () => {
    await expect(runBlock(block("gg.schedules.warmup({"), "warmup")).resolves.toEqual(["0.1333 0.2667 0.4000 0.4000 0.2000 0.1000"]);
  });

  it("the layers example: denseParams' { kernel, bias, specs }, init.values and gg.metrics.accuracy", async () => {
    await expect(runBlock(block("gg.nn.denseParams(\"dense\", 4, 3)"), "layers")).resolves.toEqual(["dense/kernel [4,3] dense/bias [3] accuracy 1"]);
  });

  it("the convolution layer example: names and shapes from convParams, a depthwise layer, the channel error", async () => {
    await expect(runBlock(block("gg.nn.convParams(scope.child(\"conv1\")"), "conv-layer")).resolves.toEqual([
      "cnn/conv1/kernel [3,3,3,16] cnn/conv1/bias [16] cnn/depthwise/kernel [3,3,1,16]",
      "2,3,3,16",
      "GraphgradError: nn.conv: x has 1 input channels, the kernel 3 per group × 1 groups = 3 (x [1,8,8,1], kernel [3,3,3,16], groups 1)",
    ]);
  });

  it("the models example: names from scopes through trainStep, nn.summary's totals, a name clash", async () => {
    await expect(runBlock(block("gg.nn.scope(\"lm\")"), "models")).resolves.toEqual([
      "lm/block2/attn/wq lm/block2/attn/wk lm/block2/attn/wv lm/block2/attn/wo",
      "1964 37",
      "GraphgradError: nn.specsOf: two parameters are named 'lm/embed' (float32[12,8] and float32[12,8]): build each layer under a scope of its own (scope.child(name))",
    ]);
  });

  it("the Expr.of example builds on a loaded graph's output", async () => {
    const [line] = await runBlock(block("gg.Expr.of"), "expr-of");
    expect(JSON.parse(line ?? "")).toEqual([0, Math.fround(2 * Math.fround(Math.tanh(1)))]);
  });

  it("speaks to users: none of the project's internal names (\"seed 003\", \"the issue's targets\")", () => {
    expect(internalWords(readme)).toEqual([]);
  });

  it("the WASM profile example lists the kernels, their calls and the product's operations", async () => {
    const lines = await runBlock(block("profile: true"), "wasm-profile");
    expect(lines.slice().sort()).toEqual(["copy in copy feeds in 3 ", "copy out copy results out 3 ", `matmul matmul float32 [64,96]·[96,40] +epilogue 3 ${2 * 64 * 96 * 40}`, "reduce reduce sum float32 [64] over [96] 3 "]);
  });

  it("the bind and donate examples run (they throw if a result is wrong)", async () => {
    await expect(runBlock(block("exe.bind("), "bind")).resolves.toEqual([]);
    await expect(runBlock(block("donate: true"), "donate")).resolves.toEqual([]);
  });

  it("the property-testing example: a model's gradients, backends, an optimizer and a schedule of one's own, random graphs", async () => {
    await expect(runBlock(block('from "graphgrad/testing"'), "testing-kit")).resolves.toEqual(["every property holds"]);
  });

  it("the ONNX export example runs the exported classifier in ONNX Runtime and gets graphgrad's probabilities", async () => {
    await expect(runBlock(block("gg.onnx.export("), "onnx")).resolves.toEqual(["true"]);
  });

  it("the tensor-creation example runs (it throws if a tensor is wrong)", async () => {
    await expect(runBlock(block("gg.tensor(["), "tensors")).resolves.toEqual([]);
  });
});
