import { describe } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import type { ElementwiseOp } from "../../ir/ops/elementwise.js";
import { ELEMENTWISE_WGSL } from "./ops.js";
import { WG } from "./shader.js";

/**
 * What the WebGPU backend computes differently from the JS reference, and by how much (float32
 * throughout; the reference computes float32 ops in float64 and rounds once):
 *
 * - exact: int32 and bool arithmetic, comparisons, where, maximum/minimum (NaN propagates, -0 < +0),
 *   neg/abs/sign/floor, add/sub/mul, casts (saturating, NaN -> 0), layout, gather, iota, random
 *   bits and uniform (bit-identical threefry), max reductions, matmul and sums over int32;
 * - within `ulps[op]` units in the last place of the reference's float32 result (each op's bound
 *   is stated with its WGSL form in ops.ts): the transcendental functions (exp, log, tanh, pow),
 *   division and sqrt (the GPU's instructions: WGSL allows division 2.5 ULP; SwiftShader and
 *   current GPUs round correctly), and random normals (Box-Muller in float32);
 * - float32 sums (reductions, and scatterAdd over repeated indices) accumulate in float32: a sum of
 *   n terms is within `sumUnits(n)`·2⁻²⁴·Σ|term| of the reference (sequential for n <= 64, else a
 *   workgroup: 64 strided partial sums, then a 6-level tree); matmul: k·2⁻²⁴·Σ|a||b| (sequential in k);
 * - subnormal float32 values may be flushed to zero by the GPU (WGSL allows it; SwiftShader does) in
 *   arithmetic; the bit-level ops above, and sqrt/log/tanh/floor of a subnormal, still handle them.
 */
export const WEBGPU_ACCURACY: {
  readonly ulps: Readonly<Record<ElementwiseOp | "normal", number>>;
  readonly sumUnits: (n: number) => number;
  readonly flushesSubnormals: boolean;
} = {
  ulps: { ...ulpsByOp(), normal: 4 },
  sumUnits: (n: number): number => {
    if (typeof n !== "number" || !(n >= 0)) throw new GraphgradError("WEBGPU_ACCURACY.sumUnits", `the number of terms must be a number >= 0, got ${describe(n)}`);
    return n <= WG ? n : Math.ceil(n / WG) + Math.log2(WG) + 1;
  },
  flushesSubnormals: true,
};

function ulpsByOp(): Record<ElementwiseOp, number> {
  return Object.fromEntries(Object.entries(ELEMENTWISE_WGSL).map(([op, w]) => [op, w.ulps])) as Record<ElementwiseOp, number>;
}
