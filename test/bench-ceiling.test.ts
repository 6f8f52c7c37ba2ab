import { describe, expect, it } from "vitest";
import { CHAINS, concurrentGflops, peakModule } from "../bench/ceiling.js";
import { detectRelaxedSimd } from "../backends/wasm/features.js";

/**
 * The ceiling loop computes what it claims (so the GFLOP/s it reports count real arithmetic):
 * after n iterations each chain k holds acc = acc·0.999 + 0.001 from acc = k, and the loop returns
 * the float32 sum of the chains. Checked against the same recurrence in float32 (JS, Math.fround),
 * fused (one rounding) or not (two) for relaxed_madd, which may be either.
 */

const f = Math.fround;
const X = f(0.999);
const Y = f(0.001);

function expected(n: number, fused: boolean): number {
  const chains = Array.from({ length: CHAINS }, (_, k) => {
    let acc = k;
    for (let i = 0; i < n; i++) acc = fused ? f(acc * X + Y) : f(f(acc * X) + Y);
    return acc;
  });
  return chains.slice(1).reduce((s, a) => f(s + a), chains[0] as number);
}

async function peak(fused: boolean): Promise<(n: number) => number> {
  const { instance } = await WebAssembly.instantiate(peakModule(fused), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
  return instance.exports["peak"] as (n: number) => number;
}

describe("bench ceiling loop", () => {
  it("separate multiply and add: the float32 recurrence exactly", async () => {
    const run = await peak(false);
    for (const n of [0, 1, 7, 1000]) expect(run(n)).toBe(expected(n, false));
  });

  it("relaxed_madd: the recurrence, fused or not", async () => {
    expect(await detectRelaxedSimd()).toBe(true); // Node 20 has it behind a flag that features.ts sets
    const run = await peak(true);
    for (const n of [0, 1, 7, 1000]) expect([expected(n, true), expected(n, false)]).toContain(run(n));
  });

  it("all cores at once: the fused loop on worker threads started together gives a finite total", async () => {
    expect(await detectRelaxedSimd()).toBe(true);
    const total = await concurrentGflops(2, 200_000);
    expect(Number.isFinite(total) && total > 0).toBe(true);
  });
});
