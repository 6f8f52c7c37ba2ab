import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { expectNamesOrigin, nonFiniteModel } from "../support/non-finite.js";
import { sharedWebGpu, skipWithoutWebGpu } from "./webgpu-setup.js";

/**
 * A train step on WebGPU behaves as on JS and WASM: a donated state run again — after its step, or
 * while its step is still running (WebGPU answers asynchronously) — is an error naming the step;
 * `debugNonFinite` names the op that produced a NaN.
 */

skipWithoutWebGpu();

const backends = async (): Promise<[string, gg.Backend | "js" | "wasm"][]> => [
  ["js", "js"],
  ["wasm", "wasm"],
  ["webgpu", await sharedWebGpu()],
];

async function donatingStep(backend: gg.Backend | "js" | "wasm") {
  const w = gg.param("w", [2]);
  const x = gg.input("x", [2]);
  const step = await gg.trainStep({ loss: gg.sum(gg.square(gg.sub(w, x))), optimizer: gg.optim.sgd({ lr: 0.1 }), donate: true, backend });
  const [s1] = await step.run(await step.init({ w: [0, 0] }), { x: [1, -1] });
  return { step, s1 };
}

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof gg.GraphgradError ? e.message : `not a GraphgradError: ${String(e)}`),
  );

describe("donated states on every backend", () => {
  it("running a donated state again is the same error on JS, WASM and WebGPU, after its step or during it", async () => {
    const want = "run: the state at step 1 was donated to a later step (trainStep({ donate: true })): its arrays now hold newer values; use the state that step returned";
    for (const [name, backend] of await backends()) {
      const { step, s1 } = await donatingStep(backend);
      const [s2] = await step.run(s1, { x: [1, -1] });
      expect(await outcome(step.run(s1, { x: [1, -1] })), `${name}, after`).toBe(want);
      // Two runs of one state started together: the second is refused at once.
      const [first, second] = await Promise.all([outcome(step.run(s2, { x: [1, -1] })), outcome(step.run(s2, { x: [1, -1] }))]);
      expect([first, second], `${name}, concurrent`).toEqual(["ok", want.replace("step 1", "step 2")]);
      const evaluate = await step.evaluator({ w2: gg.mul(gg.param("w", [2]), 2) });
      expect(await outcome(evaluate(s2, {})), `${name}, evaluator`).toBe(want.replace("run:", "evaluator:").replace("step 1", "step 2"));
    }
  });
});

describe("debugNonFinite on webgpu", () => {
  it("names the op whose value turned NaN", async () => {
    const { outputs, feeds, bad } = nonFiniteModel();
    const exe = await gg.compile({ outputs }, { backend: await sharedWebGpu(), debugNonFinite: true });
    expect((await exe.run(feeds)).total.item()).toBeGreaterThan(0);
    const error = await exe.run(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expectNamesOrigin(error, exe.graph, "sqrt", ["sub at line"], "total");
  });
});
