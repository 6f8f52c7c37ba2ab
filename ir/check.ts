import { DTYPES, type DType } from "./dtype.js";
import { GraphgradError } from "./errors.js";

/**
 * Checks of values that come from callers (the public boundary), and a description of any value
 * that is safe to put in an error message.
 */

/**
 * A short description of any value for an error message. Never throws: symbols, bigints,
 * null-prototype objects and functions, which a template string would reject or print uselessly.
 */
export function describe(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return `the bigint ${String(v)}n`;
    case "symbol":
      return String(v);
    case "function":
      return "a function";
    case "boolean":
    case "undefined":
      return String(v);
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  const proto: unknown = Object.getPrototypeOf(v);
  const ctor = proto === null || typeof proto !== "object" ? undefined : (proto as { constructor?: unknown }).constructor;
  const name = typeof ctor === "function" && ctor.name !== "" ? ctor.name : "Object";
  if (name === "Object") return "an object";
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}

export function isDType(v: unknown): v is DType {
  return typeof v === "string" && (DTYPES as readonly string[]).includes(v);
}

/** `v` as a dtype, or an error naming the valid ones. */
export function checkDtype(where: string, v: unknown, what = "dtype"): DType {
  if (isDType(v)) return v;
  throw new GraphgradError(where, `unknown ${what} ${describe(v)}: expected one of ${DTYPES.join(", ")}`);
}

/** `v` as a concrete shape: an array of non-negative integers (each at most 2^53). */
export function checkConcreteShape(where: string, v: unknown, what = "shape"): readonly number[] {
  if (!Array.isArray(v)) throw new GraphgradError(where, `the ${what} must be an array of sizes, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new GraphgradError(where, `${what}[${i}] must be a non-negative integer, got ${describe(d)}`);
    }
  }
  return v as readonly number[];
}

/** A record of named values or options: an object that is not an array or a typed array. */
export function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * JSON for an error message, whatever the value holds: bigints, symbols, functions and
 * non-finite numbers are spelled out, and a value JSON cannot print (a cycle) is described instead.
 */
export function describeJson(v: unknown): string {
  try {
    return (
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === "bigint" || typeof x === "symbol" || typeof x === "function") return describe(x);
        if (typeof x === "number" && !Number.isFinite(x)) return String(x);
        return x;
      }) ?? describe(v)
    );
  } catch {
    return describe(v);
  }
}
