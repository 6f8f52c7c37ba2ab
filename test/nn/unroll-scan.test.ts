import { describe, expect, it } from "vitest";
import * as gg from "../../src/index.js";

/** nn.unroll's scan form: the static unroll's values and gradients, the same dropout masks per step. */
describe("nn.unroll with { scan: true }", () => {
  it("equals the static unroll of a 2-layer dropout LSTM: outputs, final state and gradients (float64)", async () => {
    const [batch, steps, size] = [2, 4, 3];
    const key = gg.random.key(11);
    const cells = gg.nn.lstmStackParams("lstm", size, size, 2, { kernelInit: gg.init.uniform({ scale: 0.5 }), dtype: "float64" });
    const cell = gg.nn.multiCell(cells.map((p) => gg.nn.dropoutCell(gg.nn.lstmCell(p, { forgetBias: 1 }), { outputKeepProb: 0.7 })));
    const x = gg.input("x", [batch, steps, size], "float64");
    const init = cell.zeroState(batch, "float64");
    const unrolled = gg.nn.unroll(cell, gg.nn.unstack(x, 1), init, { key });
    const scanned = gg.nn.unroll(cell, x, init, { key, scan: true, timeAxis: 1 });
    const loss = (outs: gg.Expr): gg.Expr => gg.sum(gg.mul(outs, outs));
    const staticOut = gg.stack(unrolled.outputs, 1);
    const params = cells.flatMap((p) => [p.kernel, p.bias]);
    const values = await gg.init.values(gg.nn.specsOf(...cells), gg.random.key(3));
    const outs: Record<string, gg.Expr> = {
      a: staticOut,
      b: scanned.outputs,
      ah: (unrolled.state[1] as { h: gg.Expr }).h,
      bh: (scanned.state[1] as { h: gg.Expr }).h,
      ...Object.fromEntries(gg.grad(loss(staticOut), params).map((g, i) => [`ga${i}`, g])),
      ...Object.fromEntries(gg.grad(loss(scanned.outputs), params).map((g, i) => [`gb${i}`, g])),
    };
    const r: Record<string, gg.Tensor> = await gg.evaluate(outs, { x: gg.tensorFrom(Float64Array.from({ length: batch * steps * size }, (_, i) => Math.sin(i)), "float64", [batch, steps, size]), ...values });
    expect(Array.from((r.b as gg.Tensor).data)).toEqual(Array.from((r.a as gg.Tensor).data));
    expect(Array.from((r.bh as gg.Tensor).data)).toEqual(Array.from((r.ah as gg.Tensor).data));
    params.forEach((_, i) => {
      const [ga, gb] = [(r[`ga${i}`] as gg.Tensor).data, (r[`gb${i}`] as gg.Tensor).data];
      ga.forEach((v, j) => expect(Math.abs((gb[j] as number) - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
    });
    // The graph does not grow with the steps.
    expect(gg.graph({ b: scanned.outputs }).nodes.length).toBeLessThan(gg.graph({ a: staticOut }).nodes.length);
  });

  it("asks for the right form of inputs", () => {
    const cell = gg.nn.lstmCell(gg.nn.lstmParams("c", 2, 2), {});
    const x = gg.input("x", [1, 3, 2]);
    expect(() => gg.nn.unroll(cell, x as never, cell.zeroState(1))).toThrow("nn.unroll: a tensor of steps needs { scan: true }; for a static unroll pass the list of steps (nn.unstack)");
  });
});
