import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { Tensor } from "../../ir/tensor.js";

/** Running exported files in ONNX Runtime (the CPU provider of onnxruntime-node), with graphgrad tensors in and out. */

const ORT_TYPES: Readonly<Record<DType, "bool" | "int32" | "float32" | "float64">> = { bool: "bool", int32: "int32", float32: "float32", float64: "float64" };

function fromOrt(t: ort.Tensor, name: string): Tensor {
  const dtype = (Object.keys(ORT_TYPES) as DType[]).find((d) => ORT_TYPES[d] === t.type);
  if (dtype === undefined) throw new Error(`output ${name}: unexpected ONNX Runtime type ${t.type}`);
  return new Tensor(dtype, [...t.dims], t.data as Tensor["data"]);
}

/**
 * A session on the file's bytes, with graph optimizations on (as a user would run it). Warnings
 * are not logged: ONNX Runtime warns about every initializer no node uses (a parameter the
 * optimized graph no longer needs is still one of its initializers).
 */
export async function ortSession(bytes: Uint8Array, graphOptimizationLevel: "basic" | "all" = "all"): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { logSeverityLevel: 3, graphOptimizationLevel });
}

/**
 * A session with every graph optimization, or the basic ones where ONNX Runtime 1.17's extended
 * optimizations break a float64 model: they fuse a Transpose into a MatMul (com.microsoft
 * FusedMatMul) for float64 too, and then find no float64 kernel for it. Only that failure falls back.
 */
export async function ortSessionFloat64(bytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    return await ortSession(bytes);
  } catch (e) {
    if (!/FusedMatMul.*tensor\(double\)/s.test(String(e))) throw e;
    return ortSession(bytes, "basic");
  }
}

/** Runs a session on graphgrad tensors; returns its outputs by name. */
export async function runOrt(session: ort.InferenceSession, feeds: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  const entries: [string, Tensor][] = feeds instanceof Map ? [...feeds] : Object.entries(feeds);
  for (const [k, t] of entries) ortFeeds[k] = new ort.Tensor(ORT_TYPES[t.dtype], t.data, [...t.shape]);
  const out = await session.run(ortFeeds);
  const result: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(out)) result[k] = fromOrt(t, k);
  return result;
}

/** Exports-and-runs in one go. */
export async function runExported(bytes: Uint8Array, feeds: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  return runOrt(await ortSession(bytes), feeds);
}

/**
 * The error of `got` against `want`: max |got − want| over the elements, relative to the largest
 * |want| of the tensor, but never to less than `floor` (so that outputs that cancel to near 0 are
 * compared absolutely). NaN must be where want has NaN, and infinities equal; a different dtype or
 * shape fails.
 */
export function relativeError(got: Tensor, want: Tensor, floor: number, what: string): number {
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  let scale = floor;
  let worst = 0;
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      expect(Object.is(g, w) || (g === w), `${what}[${i}]: got ${g}, want ${w}`).toBe(true);
      continue;
    }
    scale = Math.max(scale, Math.abs(w));
    worst = Math.max(worst, Math.abs(g - w));
  }
  return worst / scale;
}

/** Every output of `got` within `tolerance` of `want` (see `relativeError`); integer and bool outputs exactly. */
export function expectOutputsClose(got: Readonly<Record<string, Tensor>>, want: Readonly<Record<string, Tensor>>, tolerance: number, floor: number): Record<string, number> {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  const errors: Record<string, number> = {};
  for (const [k, w] of Object.entries(want)) {
    const tol = w.dtype === "float32" || w.dtype === "float64" ? tolerance : 0;
    errors[k] = relativeError(got[k] as Tensor, w, floor, k);
    expect(errors[k], `${k}: relative error ${errors[k]} (tolerance ${tol})`).toBeLessThanOrEqual(tol);
  }
  return errors;
}

/**
 * Element by element: NaN where want has NaN, infinities and integers exactly, other finite
 * values within `rtol`·|want| + `atol` (a signed zero may come back with the other sign: ONNX
 * Runtime's Where, Max, Min and Sign do not keep it).
 */
export function expectElementsClose(got: Tensor, want: Tensor, rtol: number, what: string, atol = 0): void {
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const exact = want.dtype === "int32" || want.dtype === "bool";
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : exact || !Number.isFinite(w) ? g === w : Math.abs(g - w) <= rtol * Math.abs(w) + atol;
    if (!ok) expect.fail(`${what}[${i}]: ONNX Runtime gives ${g}, graphgrad ${w}`);
  }
}
