import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { broadcastShapesArb, sizeOf, valuesArb } from "./support/arbitraries.js";
import { checkGrad } from "./support/gradcheck.js";

describe("gradcheck harness", () => {
  it("accepts mul's gradient on broadcast shapes", async () => {
    await fc.assert(
      fc.asyncProperty(
        broadcastShapesArb(2).chain(([a, b]) =>
          fc.tuple(fc.constant(a as number[]), fc.constant(b as number[]), valuesArb(sizeOf(a as number[])), valuesArb(sizeOf(b as number[]))),
        ),
        async ([sa, sb, va, vb]) => {
          const r = await checkGrad(([x, y]) => gg.mul(x as gg.Expr, y as gg.Expr), [
            { shape: sa, values: va },
            { shape: sb, values: vb },
          ]);
          expect(r.maxRelErr).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("rejects a wrong gradient (the harness can fail)", async () => {
    // stopGradient(x)·x has true derivative 2x, but grad sees only x: the check must fail.
    await expect(
      checkGrad(([x]) => gg.mul(gg.stopGradient(x as gg.Expr), x as gg.Expr), [{ shape: [3], values: [1, 2, 3] }]),
    ).rejects.toThrow(/relative error/);
  });
});
