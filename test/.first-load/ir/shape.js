import * as t from "io-ts";
import { left, right } from "fp-ts/lib/Either.js";
const DimCodec = t.union([t.number, t.string], "Dim");
const ShapeCodec = t.readonlyArray(DimCodec, "Shape");
function isConcrete(s) {
  return s.every((d) => typeof d === "number");
}
function formatDim(d) {
  return String(d);
}
function formatShape(s) {
  return `[${s.map(formatDim).join(",")}]`;
}
function shapesEqual(a, b) {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
function sizeOf(s) {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}
function stridesOf(s) {
  const st = new Array(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}
function broadcastDim(a, b) {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === "string") return b;
  if (typeof b === "string") return a;
  return void 0;
}
function broadcastShapes(shapes) {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const next = broadcastDim(d, s[k]);
      if (next === void 0) {
        return left(`shapes do not broadcast: ${shapes.map(formatShape).join(" vs ")} (axis ${i - rank})`);
      }
      d = next;
    }
    out.push(d);
  }
  return right(out);
}
function normalizeAxis(axis, rank) {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    return left(`axis ${axis} is out of range for rank ${rank}`);
  }
  return right(axis < 0 ? axis + rank : axis);
}
function substitute(s, env) {
  const out = [];
  for (const d of s) {
    if (typeof d === "number") out.push(d);
    else {
      const v = env.get(d);
      if (v === void 0) return void 0;
      out.push(v);
    }
  }
  return out;
}
export {
  DimCodec,
  ShapeCodec,
  broadcastShapes,
  formatDim,
  formatShape,
  isConcrete,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
  substitute
};
