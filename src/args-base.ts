import { describe, isRecord } from "../ir/check.js";
import { GraphgradError } from "../ir/errors.js";

/**
 * Argument checks for the public functions: each throws a GraphgradError naming the function,
 * the argument and what was given, so a wrong call never reaches a TypeError deeper down.
 * These know nothing of expressions (the builders in ops.ts use them); `args.ts` adds the checks
 * of Expr arguments. Used as `arg.number("oneHot", depth, "depth")` at the top of a function.
 */

export { checkDtype as dtype, describe } from "../ir/check.js";

export function fail(where: string, what: string, want: string, v: unknown): never {
  throw new GraphgradError(where, `${what} must be ${want}, got ${describe(v)}`);
}

/** An options or config object, not an array (undefined is not one: use `options` for an optional one). */
export function record<T>(where: string, v: T, what: string): asserts v is T & object {
  if (!isRecord(v)) fail(where, what, "an object", v);
}

/** An optional options object: undefined, or an object. */
export function options<T>(where: string, v: T, what = "the options"): asserts v is T {
  if (v !== undefined) record(where, v, what);
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** NaN and ±Infinity are accepted only when true. */
  readonly nonFinite?: boolean;
}

/** A number obeying `rule` (finite unless `rule.nonFinite`). */
export function number(where: string, v: unknown, what: string, rule: NumberRule = {}): asserts v is number {
  const want = (): string => {
    const kind = rule.integer === true ? "an integer" : rule.nonFinite === true ? "a number" : "a finite number";
    if (rule.min !== undefined && rule.max !== undefined) return `${kind} in [${rule.min}, ${rule.max}]`;
    if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
    if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
    return kind;
  };
  if (typeof v !== "number") fail(where, what, want(), v);
  if (rule.nonFinite !== true && !Number.isFinite(v)) fail(where, what, want(), v);
  if (rule.integer === true && !Number.isSafeInteger(v)) fail(where, what, want(), v);
  if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) fail(where, what, want(), v);
}

/** undefined, or a number obeying `rule`. */
export function optionalNumber(where: string, v: unknown, what: string, rule: NumberRule = {}): asserts v is number | undefined {
  if (v !== undefined) number(where, v, what, rule);
}

export function string(where: string, v: unknown, what: string): asserts v is string {
  if (typeof v !== "string") fail(where, what, "a string", v);
}

export function boolean(where: string, v: unknown, what: string): asserts v is boolean {
  if (typeof v !== "boolean") fail(where, what, "true or false", v);
}

export function optionalBoolean(where: string, v: unknown, what: string): asserts v is boolean | undefined {
  if (v !== undefined) boolean(where, v, what);
}

export function func(where: string, v: unknown, what: string): asserts v is (...args: never[]) => unknown {
  if (typeof v !== "function") fail(where, what, "a function", v);
}

export function array(where: string, v: unknown, what: string): asserts v is readonly unknown[] {
  if (!Array.isArray(v)) fail(where, what, "an array", v);
}

/** An axis or a list of axes (integers; the op checks their range), or undefined for all. */
export function axes(where: string, v: unknown, what = "axes"): asserts v is number | readonly number[] | undefined {
  if (v === undefined || (typeof v === "number" && Number.isInteger(v))) return;
  if (Array.isArray(v) && v.every((a) => typeof a === "number" && Number.isInteger(a))) return;
  fail(where, what, "an integer or an array of integers", v);
}

/** A shape as builders take it: an array of sizes, symbol names, and null for a fresh symbol. */
export function shape(where: string, v: unknown, what = "the shape"): asserts v is readonly (number | string | null)[] {
  if (!Array.isArray(v)) fail(where, what, "an array of sizes", v);
  v.forEach((d, i) => {
    if (d !== null && typeof d !== "string" && !(typeof d === "number" && Number.isSafeInteger(d))) fail(where, `${what}[${i}]`, "an integer, a dimension name or null", d);
  });
}

/** A gradient transformation: an object with `init` and `update` functions. */
export function transformation(where: string, v: unknown, what: string): void {
  record(where, v, what);
  const t = v as Readonly<Record<string, unknown>>;
  func(where, t["init"], `${what}.init`);
  func(where, t["update"], `${what}.update`);
}

/** A parameter mask: a function of (name, shape), or a record of booleans by name. */
export function mask(where: string, v: unknown): void {
  if (typeof v === "function") return;
  record(where, v, "the mask (a function of (name, shape) or a record of booleans)");
  for (const [k, b] of Object.entries(v)) boolean(where, b, `mask['${k}']`);
}
