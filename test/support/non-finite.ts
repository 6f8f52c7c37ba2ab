import { expect } from "vitest";
import * as gg from "../../src/index.js";

/**
 * A model for `debugNonFinite`: total = Σ where(x > 0, log x, 0) + Σ sqrt(x - w). A non-positive x
 * makes `log` NaN or -Infinity but `where` masks it; x < w makes `sqrt` NaN, which reaches `total`
 * through `reduceSum` and `add`: the origin to report is `sqrt`.
 */
export function nonFiniteModel() {
  const x = gg.input("x", [3]);
  const w = gg.param("w", [3]);
  const safeLog = gg.where(gg.greater(x, 0), gg.log(x), 0);
  const total = gg.add(gg.sum(safeLog), gg.sum(gg.sqrt(gg.sub(x, w))));
  return {
    outputs: { total },
    feeds: { x: [1, 2, 3], w: [0.5, 0.25, 0] },
    bad: { x: [-1, 2, 0.1], w: [-2, 0.25, 0.5] },
  };
}

/** The error names `op` at the line printGraph shows for it, lists its (finite) inputs, and the output reached. */
export function expectNamesOrigin(error: unknown, graph: gg.Graph, op: string, inputs: readonly string[], output: string): void {
  expect(error).toBeInstanceOf(gg.GraphgradError);
  const message = (error as gg.GraphgradError).message;
  const lines = gg.printGraph(graph).split("\n");
  const line = lines.findIndex((l) => new RegExp(`^ {4}\\S+ = ${op}\\b`).test(l)) + 1;
  expect(line).toBeGreaterThan(0);
  expect(message).toContain(`${op}: the first non-finite value, NaN at [`);
  expect(message).toContain(`comes from line ${line} of printGraph(graph): \`${(lines[line - 1] as string).trim()}\``);
  for (const i of inputs) expect(message).toContain(i);
  expect(message).toContain(`all finite; it reaches output '${output}' (debugNonFinite)`);
}
