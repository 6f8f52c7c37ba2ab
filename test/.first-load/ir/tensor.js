import { allocate } from "./dtype.js";
import { GraphgradError } from "./errors.js";
import { formatShape, sizeOf } from "./shape.js";
class Tensor {
  dtype;
  shape;
  data;
  constructor(dtype, shape, data) {
    if (data.length !== sizeOf(shape)) {
      throw new GraphgradError("tensor", `${data.length} values do not fill shape ${formatShape(shape)}`);
    }
    this.dtype = dtype;
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.data = data;
  }
  get size() {
    return this.data.length;
  }
  get rank() {
    return this.shape.length;
  }
  /** The single value of a tensor with one element. */
  item() {
    if (this.data.length !== 1) throw new GraphgradError("item", `tensor of shape ${formatShape(this.shape)} has ${this.data.length} elements, not 1`);
    return this.data[0];
  }
  /** The data as nested arrays (numbers; booleans for bool tensors). */
  toArray() {
    const flat = Array.from(this.data, (v) => this.dtype === "bool" ? v !== 0 : v);
    const build = (axis, offset) => {
      if (axis === this.shape.length) return flat[offset];
      const n = this.shape[axis];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: n }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  toString() {
    return `Tensor(${this.dtype}${formatShape(this.shape)} ${JSON.stringify(this.toArray())})`;
  }
}
function nestedShape(v, where = "tensor") {
  if (!Array.isArray(v)) return [];
  const first = v[0];
  if (first === void 0) return [0];
  const inner = nestedShape(first, where);
  v.forEach((x, i) => {
    const s = nestedShape(x, where);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new GraphgradError(where, `ragged nested array: element ${i} has shape ${formatShape(s)}, element 0 has ${formatShape(inner)}`);
    }
  });
  return [v.length, ...inner];
}
function tensorFrom(v, dtype, shape, where = "tensor") {
  if (ArrayBuffer.isView(v)) {
    const s2 = shape ?? [v.length];
    const data2 = allocate(dtype, v.length);
    if (dtype === "bool") data2.set(Array.from(v, (x) => x !== 0 ? 1 : 0));
    else data2.set(v);
    return new Tensor(dtype, s2, data2);
  }
  const s = nestedShape(v, where);
  if (shape !== void 0 && (shape.length !== s.length || shape.some((d, i) => d !== s[i]))) {
    throw new GraphgradError(where, `data of shape ${formatShape(s)} given for shape ${formatShape(shape)}`);
  }
  const flat = [];
  const walk = (x) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === "number" || typeof x === "boolean") flat.push(x);
    else throw new GraphgradError(where, `${x === null ? "null" : typeof x} found where a number or boolean was expected`);
  };
  walk(v);
  const data = allocate(dtype, flat.length);
  flat.forEach((x, i) => data[i] = typeof x === "boolean" ? x ? 1 : 0 : dtype === "bool" ? x !== 0 ? 1 : 0 : x);
  return new Tensor(dtype, s, data);
}
export {
  Tensor,
  nestedShape,
  tensorFrom
};
