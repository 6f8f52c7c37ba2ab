import { left, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { GraphgradError } from "./errors.js";
const NUMBER_TAG = "$f";
const SPECIAL_NUMBERS = /* @__PURE__ */ new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-0", -0]
]);
const MAX_DEPTH = 32;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
function formatPath(path) {
  let s = "";
  for (const seg of path) {
    if (typeof seg === "number") s += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) s += s === "" ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s === "" ? "(root)" : s;
}
function failAt(path, message) {
  return left(new GraphgradError(formatPath(path), message));
}
function describeValue(v) {
  if (v === void 0) return "nothing";
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}\u2026` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}
function encodeNumber(v) {
  if (Number.isNaN(v)) return { [NUMBER_TAG]: "NaN" };
  if (v === Infinity) return { [NUMBER_TAG]: "Infinity" };
  if (v === -Infinity) return { [NUMBER_TAG]: "-Infinity" };
  if (Object.is(v, -0)) return { [NUMBER_TAG]: "-0" };
  return v;
}
function toJsonValue(v) {
  if (typeof v === "number") return encodeNumber(v);
  if (typeof v === "string" || typeof v === "boolean" || v === null) return v;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (ArrayBuffer.isView(v)) return Array.from(v, encodeNumber);
  if (typeof v === "object") {
    const o = v;
    return Object.fromEntries(
      Object.keys(o).sort().filter((k) => o[k] !== void 0).map((k) => [k, toJsonValue(o[k])])
    );
  }
  return null;
}
function fromJsonValue(v, path, depth = 0) {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null) return right(v);
  if (depth >= MAX_DEPTH) return failAt(path, `nested more than ${MAX_DEPTH} levels deep (or cyclic)`);
  if (Array.isArray(v)) {
    const out = [];
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
    const n = typeof tag === "string" ? SPECIAL_NUMBERS.get(tag) : void 0;
    if (n === void 0) {
      return failAt([...path, NUMBER_TAG], `expected one of ${[...SPECIAL_NUMBERS.keys()].map((k) => JSON.stringify(k)).join(", ")}, got ${describeValue(tag)}`);
    }
    if (keys.length !== 1) return failAt(path, `a tagged number {"${NUMBER_TAG}": ...} has no other keys, got ${keys.length - 1} more`);
    return right(n);
  }
  const entries = [];
  for (const k of keys) {
    const r = fromJsonValue(v[k], [...path, k], depth + 1);
    if (r._tag === "Left") return r;
    entries.push([k, r.right]);
  }
  return right(Object.fromEntries(entries));
}
function ioTsErrorAt(base, error) {
  const ctx = error.context;
  const path = [...base];
  let expected = ctx[ctx.length - 1];
  for (let i = 1; i < ctx.length; i++) {
    const parent = ctx[i - 1];
    const entry = ctx[i];
    if (parent.type instanceof t.UnionType || parent.type instanceof t.IntersectionType) {
      expected = parent;
      break;
    }
    path.push(Array.isArray(parent.actual) ? Number(entry.key) : entry.key);
  }
  const what = expected === void 0 ? "a valid value" : expected.type.name;
  const got = expected?.actual;
  const message = got === void 0 ? `missing (expected ${what})` : `expected ${what}, got ${describeValue(got)}`;
  return new GraphgradError(formatPath(path), message);
}
function decodeAt(codec, v, base) {
  const r = codec.decode(v);
  if (r._tag === "Right") return right(r.right);
  const first = r.left[0];
  return first === void 0 ? failAt(base, "invalid value") : left(ioTsErrorAt(base, first));
}
export {
  NUMBER_TAG,
  decodeAt,
  describeValue,
  encodeNumber,
  failAt,
  formatPath,
  fromJsonValue,
  ioTsErrorAt,
  toJsonValue
};
