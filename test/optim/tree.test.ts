import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";
import { flattenTree, mapTree, treeBuilder, treeFlattener } from "../../src/optim/tree.js";

/**
 * The compiled tree walkers of the train step's per-step path agree with the generic ones on
 * random state trees (nested records with '/' in their keys, arrays, tags): `treeFlattener` gives
 * flattenTree's leaves, `treeBuilder` gives mapTree's tree, frozen, in the same key order.
 */

const leaf = fc.integer({ min: -9, max: 9 }).map((v) => gg.tensorFrom(Float32Array.of(v), "float32", [1]));
const key = fc.constantFrom("a", "b", "mu", "nu", "l1/bias", "l1/kernel", "0", "count", "z/y/x");

const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("tree"), { maxLength: 3 }),
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }).map((d) => ({ _tag: "S", ...d })),
    // Frozen records, as optimizers make them: a leafless frozen subtree is shared, not copied.
    fc.dictionary(key, tie("tree"), { maxKeys: 4 }).map((d) => Object.freeze({ _tag: "F", ...d })),
  ),
}));

const deepFrozen = (v: unknown): boolean => typeof v !== "object" || v === null || (Object.isFrozen(v) && Object.values(v).every(deepFrozen));

const values = (leaves: readonly unknown[]): number[] => leaves.map((l) => (l as gg.Tensor).data[0] as number);

describe("treeFlattener / treeBuilder", () => {
  it("flatten like flattenTree and rebuild like mapTree", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 3 }), (t, offset) => {
        const leaves = flattenTree(t).map(([, l]) => l);
        expect(treeFlattener(t, "test")(t)).toEqual(leaves);
        // Rebuild from shifted leaves: leaf i of the result is leaves[offset + i].
        const shifted = [...Array.from({ length: offset }, () => gg.tensorFrom(Float32Array.of(99), "float32", [1])), ...leaves.map((l) => gg.tensorFrom(Float32Array.of(((l as gg.Tensor).data[0] as number) + 100), "float32", [1]))];
        const built = treeBuilder(t)(shifted, offset);
        const byPath = new Map(flattenTree(t).map(([p], i) => [p, shifted[offset + i]] as const));
        const want = mapTree(t, (_l, p) => byPath.get(p));
        expect(values(flattenTree(built).map(([, l]) => l))).toEqual(values(flattenTree(t).map(([, l]) => l)).map((v) => v + 100));
        expect(JSON.stringify(built)).toBe(JSON.stringify(want));
        if (!(built instanceof gg.Tensor) && typeof built === "object" && built !== null) expect(Object.isFrozen(built)).toBe(true);
        if (typeof t === "object" && flattenTree(t).length === 0 && deepFrozen(t)) expect(built).toBe(t);
      }),
      { numRuns: 300 },
    );
  });

  it("names the path of a missing leaf", () => {
    const template = { _tag: "S", mu: { "l1/bias": gg.tensorFrom(Float32Array.of(1), "float32", [1]) } };
    expect(() => treeFlattener(template, "run")({ _tag: "S", mu: {} })).toThrow("run: the optimizer state has no tensor at 'mu/l1/bias'");
  });
});
