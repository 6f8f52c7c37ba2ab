import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { js } from "../../backends/js/index.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Graph } from "../../ir/graph.js";
import { runPasses } from "../../ir/passes/optimize.js";
import type { Tensor } from "../../ir/tensor.js";
import { exportGraph } from "../../src/onnx/export.js";
import { MAX_OPSET, MIN_OPSET } from "../../src/onnx/opsets.js";
import { printGraph } from "../../ir/print.js";
import { arb } from "../../src/testing/index.js";
import { expectOutputsClose, ortSessionFloat64, runOrt } from "./ort.js";

/** Parameters (x1, x2, ... in the random graphs) go in as initializers, x0 as the graph input. */
function split(feeds: Readonly<Record<string, Tensor>>): { inputs: Map<string, Tensor>; params: Record<string, Tensor> } {
  const inputs = new Map<string, Tensor>();
  const params: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) if (k === "x0") inputs.set(k, t); else params[k] = t;
  return { inputs, params };
}

const usesRandom = (g: Graph): boolean => g.nodes.some((n) => n.op === "random");

describe("ONNX export of random graphs", () => {
  it("ONNX Runtime computes what graphgrad's JS backend computes (float64), or the export names 'random'", async () => {
    await fc.assert(
      fc.asyncProperty(arb.graph({ outputs: 5 }), fc.integer({ min: MIN_OPSET, max: MAX_OPSET }), async (c, opset) => {
        const { inputs, params } = split(c.feeds);
        const optimized = runPasses(c.graph);
        if (optimized._tag === "Left") throw optimized.left;
        if (usesRandom(optimized.right)) {
          expect(() => exportGraph(c.graph, { params, opset })).toThrow(GraphgradError);
          expect(() => exportGraph(c.graph, { params, opset })).toThrow(/^random: not exportable to ONNX/);
          return;
        }
        const got = await runOrt(await ortSessionFloat64(exportGraph(c.graph, { params, opset })), inputs);
        const want = await (await js().compile(optimized.right)).run(new Map(Object.entries(c.feeds)));
        try {
          expectOutputsClose(got, want, 1e-12, 1);
        } catch (e) {
          throw new Error(`${String(e)}\nopset ${opset}\n${printGraph(optimized.right)}`);
        }
      }),
      { numRuns: Number(process.env["ONNX_RANDOM_GRAPH_RUNS"] ?? 100) },
    );
  }, 1_000_000);
});
