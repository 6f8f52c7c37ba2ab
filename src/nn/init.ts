import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape, type Shape, shapesEqual } from "../../ir/shape.js";
import type { Tensor } from "../../ir/tensor.js";
import { compile, type CompileOptions } from "../compile.js";
import { checkConcreteShape, describeJson } from "../../ir/check.js";
import * as arg from "../args.js";
import type { Expr } from "../expr.js";
import { abs, add, fill, less, maximum, minimum, mul, where } from "../ops.js";
import * as random from "../random.js";

/**
 * Initializers: functions from an explicit key, a shape and a dtype to an expression of the
 * initial values. The same key gives the same values. `value` and `values` evaluate them to
 * tensors (for `trainStep(...).init`).
 */
export type Initializer = (key: Expr, shape: Shape, dtype?: DType) => Expr;

/** A parameter to create: its name, concrete shape, dtype and initializer. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly init: Initializer;
}

/** All zeros (the key is ignored). */
export const zeros = (): Initializer => (_key, shape, dtype = "float32") => fill(shape, 0, dtype);

/** All ones (the key is ignored). */
export const ones = (): Initializer => (_key, shape, dtype = "float32") => fill(shape, 1, dtype);

/** Every element `value` (the key is ignored). */
export const constant = (value: number): Initializer => {
  arg.number("init.constant", value, "the value", { nonFinite: true });
  return (_key, shape, dtype = "float32") => fill(shape, value, dtype);
};

/**
 * Uniform in [-scale, scale) (TF's `random_uniform_initializer(-scale, scale)`, the PTB
 * initializer), or in [minval, maxval).
 */
export function uniform(options: { readonly scale: number } | { readonly minval: number; readonly maxval: number }): Initializer {
  arg.record("init.uniform", options, "the options");
  const [minval, maxval] = "scale" in options ? [-options.scale, options.scale] : [options.minval, options.maxval];
  arg.number("init.uniform", minval, "minval");
  arg.number("init.uniform", maxval, "maxval");
  if (!(maxval > minval)) throw new GraphgradError("init.uniform", `need minval < maxval, got [${minval}, ${maxval})`);
  return (key, shape, dtype = "float32") => random.uniform(key, shape, { dtype, minval, maxval });
}

/** Normal with the given mean (default 0) and standard deviation (default 1). */
export function normal(options: { readonly mean?: number; readonly stddev?: number } = {}): Initializer {
  arg.options("init.normal", options);
  const { mean = 0, stddev = 1 } = options;
  arg.number("init.normal", mean, "mean");
  arg.number("init.normal", stddev, "stddev", { min: 0 });
  return (key, shape, dtype = "float32") => random.normal(key, shape, { dtype, mean, stddev });
}

/** Candidates drawn by `truncatedNormal` for each element. */
export const TRUNCATED_NORMAL_CANDIDATES = 8;

/**
 * Normal truncated to (mean - 2·stddev, mean + 2·stddev), as TF's `truncated_normal`: values
 * 2 stddev or more from the mean are re-drawn. Without a loop in the graph: each element draws
 * 8 independent standard normals (from 8 keys split from `key`) and takes the first with |z| < 2,
 * which is exactly a draw of the truncated distribution. Only when all 8 miss, with probability
 * P(|z| >= 2)^8 = 0.0455^8 ≈ 1.9e-11 per element, is the last one clamped to ±2.
 */
export function truncatedNormal(options: { readonly mean?: number; readonly stddev?: number } = {}): Initializer {
  arg.options("init.truncatedNormal", options);
  const { mean = 0, stddev = 1 } = options;
  arg.number("init.truncatedNormal", mean, "mean");
  arg.number("init.truncatedNormal", stddev, "stddev", { min: 0 });
  return (key, shape, dtype = "float32") => {
    const keys = random.split(key, TRUNCATED_NORMAL_CANDIDATES);
    const draws = keys.map((k) => random.normal(k, shape, { dtype }));
    const last = draws[draws.length - 1] as Expr;
    let z = minimum(maximum(last, -2), 2);
    for (let i = draws.length - 2; i >= 0; i--) {
      const d = draws[i] as Expr;
      z = where(less(abs(d), 2), d, z);
    }
    return mean === 0 && stddev === 1 ? z : add(mul(z, stddev), mean);
  };
}

/**
 * TF's fan-in and fan-out of a weight shape: rank 0 → (1, 1); rank 1 → (n, n); rank 2 [in, out]
 * → (in, out); higher ranks (convolution kernels [...receptive field, in, out]) multiply both by
 * the receptive field size.
 */
export function computeFans(shape: Shape): { readonly fanIn: number; readonly fanOut: number } {
  arg.array("init.computeFans", shape, "the shape");
  const dims = shape.map((d) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw new GraphgradError("init", `fans need a concrete shape, got ${describeJson(shape)}`);
    return d;
  });
  if (dims.length === 0) return { fanIn: 1, fanOut: 1 };
  if (dims.length === 1) return { fanIn: dims[0] as number, fanOut: dims[0] as number };
  const receptive = dims.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: (dims[dims.length - 2] as number) * receptive, fanOut: (dims[dims.length - 1] as number) * receptive };
}

/** The stddev of a standard normal truncated to (-2, 2) is 0.8796...: TF divides by it so the truncated draw has the intended variance. */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

export interface VarianceScalingOptions {
  readonly scale?: number;
  readonly mode?: "fanIn" | "fanOut" | "fanAvg";
  readonly distribution?: "truncatedNormal" | "untruncatedNormal" | "uniform";
}

/**
 * TF's `VarianceScaling`: variance scale / n with n the fan-in, fan-out or their mean (at least 1).
 * truncatedNormal: stddev sqrt(scale/n) / 0.8796...; untruncatedNormal: stddev sqrt(scale/n);
 * uniform: ±sqrt(3·scale/n).
 */
export function varianceScaling(options: VarianceScalingOptions = {}): Initializer {
  arg.options("init.varianceScaling", options);
  const { scale = 1, mode = "fanIn", distribution = "truncatedNormal" } = options;
  arg.number("init.varianceScaling", scale, "scale");
  if (!(scale > 0)) throw new GraphgradError("init.varianceScaling", `scale must be positive, got ${scale}`);
  oneOf("init.varianceScaling", mode, "mode", ["fanIn", "fanOut", "fanAvg"]);
  oneOf("init.varianceScaling", distribution, "distribution", ["truncatedNormal", "untruncatedNormal", "uniform"]);
  return (key, shape, dtype = "float32") => {
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2);
    const variance = scale / n;
    switch (distribution) {
      case "truncatedNormal":
        return truncatedNormal({ stddev: Math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV })(key, shape, dtype);
      case "untruncatedNormal":
        return normal({ stddev: Math.sqrt(variance) })(key, shape, dtype);
      case "uniform":
        return uniform({ scale: Math.sqrt(3 * variance) })(key, shape, dtype);
    }
  };
}

/** Glorot (Xavier) uniform: ±sqrt(6 / (fanIn + fanOut)). */
export const glorotUniform = (): Initializer => varianceScaling({ scale: 1, mode: "fanAvg", distribution: "uniform" });

/** Glorot normal (TF): truncated normal with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796.... */
export const glorotNormal = (): Initializer => varianceScaling({ scale: 1, mode: "fanAvg", distribution: "truncatedNormal" });

/** Evaluates one initializer to a tensor. */
export async function value(initializer: Initializer, key: Expr, shape: readonly number[], dtype: DType = "float32", options: CompileOptions = {}): Promise<Tensor> {
  arg.func("init.value", initializer, "the initializer");
  arg.expr("init.value", key, "the key");
  checkConcreteShape("init.value", shape);
  arg.dtype("init.value", dtype);
  arg.options("init.value", options);
  const e = initializer(key, shape, dtype);
  arg.expr("init.value", e, "the initializer's result");
  const r = await (await compile({ outputs: { value: e } }, options)).run();
  return r["value"] as Tensor;
}

/**
 * Initial values of parameters, by name, in one compiled graph: parameter i of the list uses key
 * i of `split(key, specs.length)`. The record can be passed to `trainStep(...).init`.
 */
export async function values(specs: readonly ParamSpec[], key: Expr, options: CompileOptions = {}): Promise<Record<string, Tensor>> {
  arg.array("init.values", specs, "the specs");
  arg.expr("init.values", key, "the key");
  arg.options("init.values", options);
  specs.forEach((s, i) => checkSpec(s, i));
  const outputs: Record<string, Expr> = {};
  const keys = specs.length === 0 ? [] : random.split(key, specs.length);
  specs.forEach((s, i) => {
    if (outputs[s.name] !== undefined) throw new GraphgradError("init.values", `parameter '${s.name}' is listed twice`);
    const v = s.init(keys[i] as Expr, s.shape, s.dtype);
    arg.expr("init.values", v, `the result of the initializer of '${s.name}'`);
    if (v.dtype !== s.dtype || !shapesEqual(v.shape, s.shape)) {
      throw new GraphgradError("init.values", `the initializer of '${s.name}' gave ${v.dtype}${formatShape(v.shape)}, not ${s.dtype}${formatShape(s.shape)}`);
    }
    outputs[s.name] = v;
  });
  if (specs.length === 0) return {};
  return (await compile({ outputs }, options)).run();
}

function oneOf(where: string, v: unknown, what: string, allowed: readonly string[]): void {
  if (typeof v !== "string" || !allowed.includes(v)) throw new GraphgradError(where, `${what} must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${arg.describe(v)}`);
}

function checkSpec(s: unknown, i: number): asserts s is ParamSpec {
  const where = "init.values";
  arg.record(where, s, `specs[${i}]`);
  const spec = s as Readonly<Record<string, unknown>>;
  arg.string(where, spec["name"], `specs[${i}].name`);
  checkConcreteShape(where, spec["shape"], `specs[${i}].shape`);
  arg.dtype(where, spec["dtype"], `specs[${i}].dtype`);
  arg.func(where, spec["init"], `specs[${i}].init`);
}
