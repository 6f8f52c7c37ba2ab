import { allocate, roundTo } from "../dtype.js";
import { emit } from "../build.js";
import { isConcrete, sizeOf } from "../shape.js";
import { iotaAt } from "../view.js";
const MAX_FOLD_ELEMENTS = 4096;
const splat = (value) => ({ kind: "splat", value });
function stored(d, v) {
  if (d !== "bool") return roundTo(d, v);
  const cell = allocate(d, 1);
  cell[0] = v;
  return cell[0];
}
const cache = /* @__PURE__ */ new WeakMap();
function constOf(n) {
  const hit = cache.get(n);
  if (hit !== void 0) return hit ?? void 0;
  const c = readConst(n) ?? null;
  cache.set(n, c);
  return c ?? void 0;
}
function readConst(n) {
  switch (n.op) {
    case "fill":
      return splat(stored(n.dtype, n.attrs.value));
    case "literal":
      return compact(
        n.attrs.shape,
        n.attrs.values.map((v) => stored(n.dtype, v))
      );
    case "iota": {
      const { shape, axis } = n.attrs;
      if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return void 0;
      const at = iotaAt(shape, axis);
      const values = Array.from({ length: sizeOf(shape) }, (_, i) => stored(n.dtype, at(i)));
      return compact(shape, values);
    }
    default:
      return void 0;
  }
}
function compact(shape, values) {
  const first = values[0];
  if (first !== void 0 && values.every((v) => Object.is(v, first))) return splat(first);
  return { kind: "dense", shape, values };
}
function splatValue(n) {
  const c = constOf(n);
  return c?.kind === "splat" ? c.value : void 0;
}
function constNode(c, shape, dtype) {
  if (c.kind === "splat") return emit("fill", [], { shape, dtype, value: c.value });
  return emit("literal", [], { shape: c.shape, dtype, values: c.values });
}
function denseValues(c, shape) {
  if (c.kind === "dense") return c.values;
  if (!isConcrete(shape) || sizeOf(shape) > MAX_FOLD_ELEMENTS) return void 0;
  return new Array(sizeOf(shape)).fill(c.value);
}
export {
  MAX_FOLD_ELEMENTS,
  compact,
  constNode,
  constOf,
  denseValues,
  splat,
  splatValue,
  stored
};
