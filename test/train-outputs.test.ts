import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";

/**
 * `trainStep({ outputs })`: auxiliary outputs of any shape, computed in the step's graph from the
 * batch and the parameters BEFORE the update, returned by `run` as its third element (the PTB
 * example's final LSTM state, fed back as the next batch's initial state).
 */

const values = (t: gg.Tensor | undefined): number[] => [...(t as gg.Tensor).data];

function model(): { loss: gg.Expr; hidden: gg.Expr; carry: gg.Expr; init: Record<string, gg.NestedArray>; batch: Record<string, gg.NestedArray> } {
  const W = gg.param("W", [2, 3], "float64");
  const x = gg.input("x", [null, 2], "float64");
  const carryIn = gg.input("carry", [3], "float64");
  const hidden = gg.tanh(gg.add(gg.matmul(x, W), carryIn)); // [batch, 3]
  const loss = gg.mean(gg.square(hidden));
  const carry = gg.sum(hidden, 0); // [3]: what the next step would be fed
  return {
    loss,
    hidden,
    carry,
    init: { W: [[0.5, -0.25, 1], [0.75, 0.1, -0.6]] },
    batch: { x: [[1, 2], [-0.5, 0.25]], carry: [0.1, -0.2, 0.3] },
  };
}

describe("trainStep outputs", () => {
  it("returns non-scalar outputs computed with the parameters before the update, and updates as without them", async () => {
    const { loss, hidden, carry, init, batch } = model();
    const optimizer = (): gg.optim.GradientTransformation<gg.optim.ChainState> => gg.optim.sgd({ lr: 0.5 });
    const withOutputs = await gg.trainStep({ loss, optimizer: optimizer(), outputs: { hidden, carry } });
    const plain = await gg.trainStep({ loss, optimizer: optimizer() });
    const s0 = await withOutputs.init(init);
    const [s1, m1, out] = await withOutputs.run(s0, batch);
    const [p1, pm1, none] = await plain.run(await plain.init(init), batch);

    expect(Object.keys(out).sort()).toEqual(["carry", "hidden"]);
    expect(out["hidden"]?.shape).toEqual([2, 3]);
    expect(out["carry"]?.shape).toEqual([3]);
    const before = await gg.evaluate({ hidden, carry }, { ...batch, W: init["W"] as gg.NestedArray });
    expect(values(out["hidden"])).toEqual(values(before["hidden"]));
    expect(values(out["carry"])).toEqual(values(before["carry"]));
    // The parameters did change, so "before the update" is a real distinction.
    const after = await gg.evaluate({ hidden }, { ...batch, W: s1.params["W"] as gg.Tensor });
    expect(values(after["hidden"])).not.toEqual(values(before["hidden"]));

    expect(none).toEqual({});
    expect(values(s1.params["W"])).toEqual(values(p1.params["W"]));
    expect(m1["loss"]).toBe(pm1["loss"]);
  });

  it("an output fed back as the next step's input chains the steps (a carried state)", async () => {
    const { loss, carry, init, batch } = model();
    const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), outputs: { carry } });
    const s0 = await step.init(init);
    const [s1, , o1] = await step.run(s0, batch);
    const [, m2] = await step.run(s1, { x: batch["x"] as gg.NestedArray, carry: o1["carry"] as gg.Tensor });
    const expected = await gg.evaluate({ loss }, { x: batch["x"] as gg.NestedArray, carry: o1["carry"] as gg.Tensor, W: s1.params["W"] as gg.Tensor });
    expect(m2["loss"]).toBe(values(expected["loss"])[0]);
  });

  it("rejects an output that is not an expression", async () => {
    const { loss } = model();
    const outputs = { bad: 3 } as unknown as Readonly<Record<string, gg.Expr>>;
    await expect(gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), outputs })).rejects.toThrow(/outputs\['bad'\] must be an Expr, got 3/);
  });
});
