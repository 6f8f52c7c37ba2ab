import { describe, expect, it } from "vitest";
import { RULE_KIT } from "../../ir/passes/transforms.js";
import { GraphgradError, orThrow } from "../../ir/errors.js";
import type { Node, NodeOf } from "../../ir/node.js";
import type { OpDef } from "../../ir/op.js";
import { OP_NAMES, OPS, type OpName } from "../../ir/ops/index.js";
import { vjp } from "../../ir/passes/transforms.js";
import { shapesEqual } from "../../ir/shape.js";
import * as gg from "../../src/index.js";
import { everyPrimitiveGraph } from "../ir/graph-fixtures.js";

/** The gradient driver's contract with the rules: one cotangent per operand, checked. */
describe("VJP rules", () => {
  it("every primitive's rule gives exactly one cotangent per operand, each null or of the operand's dtype", () => {
    const seen = new Set<OpName>();
    for (const n of everyPrimitiveGraph().nodes) {
      if (n.inputs.length === 0) continue;
      const g = RULE_KIT.fill(1, n.shape, n.dtype);
      const parts = (OPS[n.op] as OpDef<OpName>).vjp(n as NodeOf<OpName>, g, RULE_KIT);
      expect(parts, n.op).toHaveLength(n.inputs.length);
      parts.forEach((p, i) => {
        if (p !== null) expect(p.dtype, `${n.op} operand ${i}`).toBe((n.inputs[i] as Node).dtype);
      });
      seen.add(n.op);
    }
    // Every primitive with operands was asked.
    expect(OP_NAMES.filter((op) => !seen.has(op) && OPS[op].arity !== 0)).toEqual([]);
  });

  it("the driver sums a broadcast operand's cotangent back to its shape (one unbroadcast for all rules)", () => {
    const a = gg.input("a", [3, 1], "float64");
    const b = gg.input("b", [4], "float64");
    const y = gg.sum(gg.mul(gg.add(a, b), gg.sub(b, a)));
    const [ga, gb] = orThrow(vjp(y.node, [a.node, b.node]));
    expect(shapesEqual((ga as Node).shape, [3, 1])).toBe(true);
    expect(shapesEqual((gb as Node).shape, [4])).toBe(true);
  });

  it("a rule giving the wrong number of cotangents, or a wrong shape, is reported as a bug in that rule", () => {
    const x = gg.input("x", [2], "float64");
    const y = gg.sum(gg.neg(x));
    const table = OPS as unknown as Record<string, OpDef<OpName>>;
    const original = table["neg"] as OpDef<OpName>;
    const tryRule = (vjpRule: OpDef<OpName>["vjp"]): unknown => {
      table["neg"] = { ...original, vjp: vjpRule };
      try {
        const r = vjp(y.node, [x.node]);
        return r._tag === "Left" ? r.left : r.right;
      } finally {
        table["neg"] = original;
      }
    };
    const none = tryRule(() => []);
    expect(none).toBeInstanceOf(GraphgradError);
    expect((none as Error).message).toBe("grad of neg: the VJP rule gave 0 cotangents for 1 operands (a bug in the rule)");
    const wrongShape = tryRule((_n, _g, b) => [b.fill(1, [3], "float64")]);
    expect((wrongShape as Error).message).toBe("grad of neg: the VJP rule gave a cotangent of shape [3] for operand 0 of shape [2] (a bug in the rule)");
    const wrongDtype = tryRule((_n, _g, b) => [b.fill(1, [2], "float32")]);
    expect((wrongDtype as Error).message).toBe("grad of neg: the VJP rule gave a float32 cotangent for float64 operand 0 (a bug in the rule)");
  });
});
