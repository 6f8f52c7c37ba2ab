import { describe, expect, it } from "vitest";
import { graphOf } from "../../ir/graph.js";
import { runPasses } from "../../ir/passes/optimize.js";
import { PTB_CONFIGS } from "../../examples/ptb/configs.js";
import { ptbModel, ptbParams } from "../../examples/ptb/model.js";
import * as gg from "../../src/index.js";

/**
 * What forward mode costs: the ops (non-input nodes after the default optimization passes) of a
 * graph computing the value and its JVP with respect to every parameter, against the value
 * alone. README: "The transforms".
 */
function ops(outputs: Readonly<Record<string, gg.Expr>>): number {
  const g = runPasses(graphOf(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.node]))));
  if (g._tag === "Left") throw g.left;
  return g.right.nodes.filter((n) => n.op !== "input").length;
}

function ratio(value: gg.Expr, params: readonly gg.Expr[]): { forward: number; withJvp: number; ratio: number } {
  const tangents = params.map((p, i) => gg.input(`tangent${i}`, p.shape, p.dtype));
  const forward = ops({ value });
  const withJvp = ops({ value, tangent: gg.jvp(value, params, tangents) });
  return { forward, withJvp, ratio: withJvp / forward };
}

describe("the cost of a JVP", () => {
  it("the MLP 784-512-512-10 (softmax cross-entropy): value and JVP cost under 3x the value alone", () => {
    const sizes = [784, 512, 512, 10];
    let h = gg.input("x", [128, 784]);
    const params: gg.Expr[] = [];
    for (let i = 0; i < 3; i++) {
      const w = gg.param(`w${i}`, [sizes[i] as number, sizes[i + 1] as number]);
      const b = gg.param(`b${i}`, [sizes[i + 1] as number]);
      params.push(w, b);
      h = gg.dense(h, w, b, i < 2 ? gg.relu : undefined);
    }
    const r = ratio(gg.mean(gg.losses.softmaxCrossEntropyWithLogits(gg.input("labels", [128, 10]), h)), params);
    expect(r.ratio).toBeLessThanOrEqual(3);
    expect([r.forward, r.withJvp]).toEqual([24, 46]);
  });

  it("the 2-layer PTB LSTM (small: 20 steps, 200 units): under 3x", () => {
    const config = PTB_CONFIGS.small;
    const params = ptbParams(config);
    const model = ptbModel(params, config, { training: false });
    const r = ratio(model.cost, [params.embedding, ...params.cells.flatMap((c) => [c.kernel, c.bias]), params.softmaxW, params.softmaxB]);
    expect(r.ratio).toBeLessThanOrEqual(3);
    // (Two index checks included, of the embedding ids and of the target labels; the second keeps
    // two reshapes of the labels from merging.)
    expect([r.forward, r.withJvp]).toEqual([1667, 4160]);
  });
});
