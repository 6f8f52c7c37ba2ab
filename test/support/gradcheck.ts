import { expect } from "vitest";
import * as gg from "../../src/index.js";

/**
 * Checks a VJP against central finite differences in float64.
 *
 * The function `f` is applied to float64 inputs of the given shapes and values; its output (any
 * shape) is contracted with a random cotangent c, L = Σ f(x)·c, and ∂L/∂x from `grad` is
 * compared with (L(x + h·e_i) - L(x - h·e_i)) / 2h for every element i. The error is relative:
 * |analytic - numeric| / max(|analytic|, |numeric|, floor) < tol (floor keeps the ratio meaningful
 * for gradients that are 0 up to rounding).
 */
export interface GradCheckOptions {
  readonly h?: number;
  readonly tol?: number;
  readonly floor?: number;
  /** Values of the cotangent; defaults to a fixed pattern in [0.5, 1.5]. */
  readonly cotangent?: readonly number[];
}

export async function checkGrad(
  f: (xs: gg.Expr[]) => gg.Expr,
  inputs: readonly { readonly shape: readonly number[]; readonly values: readonly number[] }[],
  options: GradCheckOptions = {},
): Promise<{ maxRelErr: number }> {
  const { h = 1e-5, tol = 1e-6, floor = 1e-2 } = options;
  const xs = inputs.map((inp, i) => gg.input(`x${i}`, inp.shape, "float64"));
  const out = f(xs);
  expect(out.dtype).toBe("float64");
  const outShape = out.shape as number[];
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const ctValues = options.cotangent ?? Array.from({ length: outSize }, (_, i) => 0.5 + ((i * 0.618034) % 1));
  const ct = gg.input("ct", outShape, "float64");
  const loss = gg.sum(gg.mul(out, ct));
  const grads = gg.grad(loss, xs);
  const outputs: Record<string, gg.Expr> = { loss };
  grads.forEach((g, i) => (outputs[`g${i}`] = g));
  const exe = await gg.compile({ outputs });
  const lossOnly = await gg.compile({ outputs: { loss } });

  const feedsFor = (vals: readonly (readonly number[])[]): Record<string, gg.Tensor> => {
    const feeds: Record<string, gg.Tensor> = { ct: gg.tensorFrom(Float64Array.from(ctValues), "float64", outShape) };
    vals.forEach((v, i) => (feeds[`x${i}`] = gg.tensorFrom(Float64Array.from(v), "float64", inputs[i]?.shape)));
    return feeds;
  };
  const base = inputs.map((i) => [...i.values]);
  const analytic = await exe.run(feedsFor(base));
  let maxRelErr = 0;
  for (let k = 0; k < inputs.length; k++) {
    const g = analytic[`g${k}`] as gg.Tensor;
    expect(g.shape).toEqual(inputs[k]?.shape);
    for (let i = 0; i < (inputs[k] as { values: readonly number[] }).values.length; i++) {
      const plus = base.map((v) => [...v]);
      const minus = base.map((v) => [...v]);
      (plus[k] as number[])[i] = ((plus[k] as number[])[i] as number) + h;
      (minus[k] as number[])[i] = ((minus[k] as number[])[i] as number) - h;
      const lp = ((await lossOnly.run(feedsFor(plus)))["loss"] as gg.Tensor).item();
      const lm = ((await lossOnly.run(feedsFor(minus)))["loss"] as gg.Tensor).item();
      const numeric = (lp - lm) / (2 * h);
      const a = g.data[i] as number;
      const rel = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor);
      if (!(rel < tol)) {
        throw new Error(`gradient of input ${k} element ${i}: analytic ${a}, numeric ${numeric}, relative error ${rel} >= ${tol}`);
      }
      maxRelErr = Math.max(maxRelErr, rel);
    }
  }
  return { maxRelErr };
}
