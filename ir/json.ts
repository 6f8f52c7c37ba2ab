import { type Either, left, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { GraphgradError } from "./errors.js";

/**
 * JSON helpers for the graph codec: a tagged spelling of the numbers JSON cannot hold, and JSON
 * paths (`nodes[3].attrs.axes[0]`) for error messages, including paths out of io-ts contexts.
 */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A step of a path into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

/** The key that marks a tagged number: `{"$f": "NaN"}`, `{"$f": "Infinity"}`, `{"$f": "-Infinity"}`, `{"$f": "-0"}`. */
export const NUMBER_TAG = "$f";
const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-0", -0],
]);

/** How deep `fromJsonValue` follows a value (attributes are at most two levels deep); also stops cycles. */
const MAX_DEPTH = 32;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `nodes[3].attrs.axes[0]`; keys that are not identifiers are quoted (`outputs["my loss"]`); the empty path is `(root)`. */
export function formatPath(path: readonly PathSegment[]): string {
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) s += s === "" ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s === "" ? "(root)" : s;
}

/** A Left naming the path. */
export function failAt<A = never>(path: readonly PathSegment[], message: string): Either<GraphgradError, A> {
  return left(new GraphgradError(formatPath(path), message));
}

/** A short, safe description of any value for an error message (never its whole text). */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/** A number as JSON: itself, or a tagged object for NaN, ±Infinity and -0. */
export function encodeNumber(v: number): JsonValue {
  if (Number.isNaN(v)) return { [NUMBER_TAG]: "NaN" };
  if (v === Infinity) return { [NUMBER_TAG]: "Infinity" };
  if (v === -Infinity) return { [NUMBER_TAG]: "-Infinity" };
  if (Object.is(v, -0)) return { [NUMBER_TAG]: "-0" };
  return v;
}

/**
 * An attribute value as JSON: numbers through `encodeNumber`, typed arrays as arrays, object keys
 * sorted (so equal values give equal text), undefined entries dropped.
 */
export function toJsonValue(v: unknown): JsonValue {
  if (typeof v === "number") return encodeNumber(v);
  if (typeof v === "string" || typeof v === "boolean" || v === null) return v;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, encodeNumber);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, toJsonValue(o[k])]),
    );
  }
  return null;
}

/**
 * The inverse of `toJsonValue` on a parsed JSON value: tagged numbers restored, everything else
 * copied (into fresh objects, so a `__proto__` key stays a plain own key). Left, naming the path,
 * for a bad tag, a value that is not JSON, or nesting deeper than attributes ever are (or a cycle).
 */
export function fromJsonValue(v: unknown, path: readonly PathSegment[], depth = 0): Either<GraphgradError, unknown> {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null) return right(v);
  if (depth >= MAX_DEPTH) return failAt(path, `nested more than ${MAX_DEPTH} levels deep (or cyclic)`);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = fromJsonValue(v[i], [...path, i], depth + 1);
      if (r._tag === "Left") return r;
      out.push(r.right);
    }
    return right(out);
  }
  if (!t.UnknownRecord.is(v)) return failAt(path, `expected a JSON value, got ${describeValue(v)}`);
  const keys = Object.keys(v);
  if (Object.prototype.hasOwnProperty.call(v, NUMBER_TAG)) {
    const tag = v[NUMBER_TAG];
    const n = typeof tag === "string" ? SPECIAL_NUMBERS.get(tag) : undefined;
    if (n === undefined) {
      return failAt([...path, NUMBER_TAG], `expected one of ${[...SPECIAL_NUMBERS.keys()].map((k) => JSON.stringify(k)).join(", ")}, got ${describeValue(tag)}`);
    }
    if (keys.length !== 1) return failAt(path, `a tagged number {"${NUMBER_TAG}": ...} has no other keys, got ${keys.length - 1} more`);
    return right(n);
  }
  const entries: [string, unknown][] = [];
  for (const k of keys) {
    const r = fromJsonValue(v[k], [...path, k], depth + 1);
    if (r._tag === "Left") return r;
    entries.push([k, r.right]);
  }
  return right(Object.fromEntries(entries));
}

/**
 * The path of an io-ts error below `base`, and what was expected there. A union's members add a
 * context entry of their own (key "0", "1", ...): those are skipped, and the union's name is
 * what was expected.
 */
export function ioTsErrorAt(base: readonly PathSegment[], error: t.ValidationError): GraphgradError {
  const ctx = error.context;
  const path: PathSegment[] = [...base];
  let expected = ctx[ctx.length - 1];
  for (let i = 1; i < ctx.length; i++) {
    const parent = ctx[i - 1] as t.ContextEntry;
    const entry = ctx[i] as t.ContextEntry;
    if (parent.type instanceof t.UnionType || parent.type instanceof t.IntersectionType) {
      expected = parent;
      break;
    }
    path.push(Array.isArray(parent.actual) ? Number(entry.key) : entry.key);
  }
  const what = expected === undefined ? "a valid value" : expected.type.name;
  const got = expected?.actual;
  const message = got === undefined ? `missing (expected ${what})` : `expected ${what}, got ${describeValue(got)}`;
  return new GraphgradError(formatPath(path), message);
}

/** Decodes with an io-ts codec; Left (the first error, with its path below `base`) on failure. */
export function decodeAt<A>(codec: t.Decoder<unknown, A>, v: unknown, base: readonly PathSegment[]): Either<GraphgradError, A> {
  const r = codec.decode(v);
  if (r._tag === "Right") return right(r.right);
  const first = r.left[0];
  return first === undefined ? failAt(base, "invalid value") : left(ioTsErrorAt(base, first));
}
