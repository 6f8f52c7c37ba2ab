import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { expectNamesOrigin, nonFiniteModel } from "./support/non-finite.js";

/**
 * `debugNonFinite`: the first op whose output turns non-finite is named with its op, its line in
 * `printGraph(compiled.graph)` and its inputs, on the JS and WASM backends (WebGPU: test/backends/
 * webgpu-train.test.ts), through `run`, `bind` and `trainStep`.
 */

for (const backend of ["js", "wasm"] as const) {
  describe(`debugNonFinite on ${backend}`, () => {
    it("names the op whose value turned NaN, not a masked NaN earlier in the graph nor the ops it flowed through", async () => {
      const { outputs, feeds, bad } = nonFiniteModel();
      const exe = await gg.compile({ outputs }, { backend, debugNonFinite: true });
      expect((await exe.run(feeds)).total.item()).toBeGreaterThan(0); // finite: no error, the same values
      const error = await exe.run(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectNamesOrigin(error, exe.graph, "sqrt", ["sub at line"], "total");
    });

    it("names an input fed a non-finite value", async () => {
      const { outputs, feeds } = nonFiniteModel();
      const exe = await gg.compile({ outputs }, { backend, debugNonFinite: true });
      await expect(exe.run({ ...feeds, w: [NaN, 0.25, 0] })).rejects.toThrow("feed 'w': the param holds a non-finite value, NaN at [0]; it reaches output 'total' (debugNonFinite)");
    });

    it("checks bound runners too", async () => {
      const { outputs, feeds, bad } = nonFiniteModel();
      const exe = await gg.compile({ outputs }, { backend, debugNonFinite: true });
      const run = exe.bind(["x", "w"], { tensors: [], scalars: ["total"] });
      const tensors = (f: typeof feeds): gg.Tensor[] => [exe.feedTensor("x", f.x), exe.feedTensor("w", f.w)];
      const first = run(tensors(feeds));
      expect((first instanceof Promise ? await first : first).scalars[0]).toBeGreaterThan(0);
      const error = await Promise.resolve()
        .then(() => run(tensors(bad)))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expectNamesOrigin(error, exe.graph, "sqrt", ["sub at line"], "total");
    });

    it("without the option, the same run returns the NaN", async () => {
      const { outputs, bad } = nonFiniteModel();
      const exe = await gg.compile({ outputs }, { backend });
      expect(Number.isNaN((await exe.run(bad)).total.item())).toBe(true);
    });

    it("trainStep({ debugNonFinite }) throws at the step that turns a value non-finite; the given state stays usable", async () => {
      const x = gg.input("x", [null]);
      const w = gg.param("w", [1]);
      const loss = gg.mean(gg.sqrt(gg.sub(x, w))); // NaN as soon as some x < w
      const step = await gg.trainStep({ loss, optimizer: gg.optim.sgd({ lr: 0.1 }), backend, donate: true, debugNonFinite: true });
      const [s1] = await step.run(await step.init({ w: [0] }), { x: [1, 2] });
      const error = await step.run(s1, { x: [1, -2] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectNamesOrigin(error, step.compiled.graph, "sqrt", ["sub at line"], "param/w");
      const [s2, m] = await step.run(s1, { x: [1, 2] }); // not donated: the failed step consumed nothing
      expect(s2.step).toBe(2);
      expect(Number.isFinite(m.loss)).toBe(true);
    });
  });
}

it("printedPositions gives each node the variable and line printGraph shows", async () => {
  const { outputs } = nonFiniteModel();
  const exe = await gg.compile({ outputs });
  const { printedPositions } = await import("../ir/print.js");
  const lines = gg.printGraph(exe.graph).split("\n");
  for (const [n, p] of printedPositions(exe.graph)) {
    if (n.op === "input") expect(p.line).toBeUndefined();
    else expect(lines[(p.line as number) - 1]).toMatch(new RegExp(`^ {4}${p.name}:\\S+ = ${n.op}`));
  }
});
