import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";
import { arb, checkGrads, sizeOf } from "../src/testing/index.js";

describe("gradcheck harness", () => {
  it("accepts mul's gradient on broadcast shapes", async () => {
    await fc.assert(
      fc.asyncProperty(
        arb.broadcastPair().chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), arb.values(sizeOf(a)), arb.values(sizeOf(b)))),
        async ([sa, sb, va, vb]) => {
          const r = await checkGrads(gg.mul, [
            { shape: sa, values: va },
            { shape: sb, values: vb },
          ]);
          expect(r.checked).toBeGreaterThan(0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("rejects a wrong gradient (the harness can fail)", async () => {
    // stopGradient(x)·x has true derivative 2x, but grad sees only x: the check must fail.
    await expect(
      checkGrads((x) => gg.mul(gg.stopGradient(x), x), [{ shape: [3], values: [1, 2, 3] }]),
    ).rejects.toThrow(/input 0 \[3\], element 0 .*: analytic 0.5, central differences 1; error 0.5 > tolerance/);
  });
});
