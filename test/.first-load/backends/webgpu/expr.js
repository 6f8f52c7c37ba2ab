import { gg_inf, gg_nan } from "./math.js";
import { ELEMENTWISE_WGSL, wgslType } from "./ops.js";
const ARENA_DECL = "@group(0) @binding(0) var<storage, read_write> m: array<u32>;";
function load(d, address) {
  if (d === "bool") return `(m[${address}] != 0u)`;
  return `bitcast<${wgslType(d)}>(m[${address}])`;
}
function storeWord(d, value) {
  return d === "bool" ? `select(0u, 1u, ${value})` : `bitcast<u32>(${value})`;
}
function literal(d, v, use) {
  switch (d) {
    case "bool":
      return v !== 0 ? "true" : "false";
    case "int32":
      return `i32(${v | 0})`;
    case "float32":
    case "float64": {
      const f = Math.fround(v);
      if (Number.isNaN(f)) return `${use(gg_nan)}()`;
      if (!Number.isFinite(f)) return f > 0 ? `${use(gg_inf)}()` : `(-${use(gg_inf)}())`;
      if (f !== 0 && Math.abs(f) < 2 ** -126) return `bitcast<f32>(${new Uint32Array(Float32Array.of(f).buffer)[0]}u)`;
      return Object.is(f, -0) ? "(-0.0)" : `f32(${String(f)})`;
    }
  }
}
function affine(base, offset, terms) {
  const parts = [base, ...offset !== 0 ? [`${offset}u`] : [], ...terms.filter(([, s]) => s !== 0).map(([c, s]) => s === 1 ? c : `${c} * ${s}u`)];
  return parts.join(" + ");
}
class IndexSpace {
  constructor(shape, flat, lines, prefix = "i") {
    this.shape = shape;
    this.flat = flat;
    this.lines = lines;
    this.prefix = prefix;
  }
  shape;
  flat;
  lines;
  prefix;
  declared = /* @__PURE__ */ new Set();
  coord(axis) {
    const name = `${this.prefix}${axis}`;
    if (!this.declared.has(axis)) {
      this.declared.add(axis);
      const inner = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const div = inner === 1 ? this.flat : `(${this.flat} / ${inner}u)`;
      const expr = axis === 0 ? div : `${div} % ${this.shape[axis]}u`;
      this.lines.push(`let ${name} = ${expr};`);
    }
    return name;
  }
  /** base + offset + Σ coord(axis)·strides[axis] over this space's axes (strides aligned to its shape). */
  address(base, offset, strides) {
    let contiguous = true;
    let expect = 1;
    for (let axis = this.shape.length - 1; axis >= 0; axis--) {
      const d = this.shape[axis];
      if (d !== 1 && strides[axis] !== expect) contiguous = false;
      expect *= d;
    }
    return affine(base, offset, contiguous ? [[this.flat, 1]] : this.terms(strides));
  }
  /** The terms coord(axis)·strides[axis] (axes of size 1 and zero strides dropped). */
  terms(strides) {
    return strides.flatMap((s, axis) => this.shape[axis] === 1 || s === 0 ? [] : [[this.coord(axis), s]]);
  }
}
function emitExpr(e, env, lines) {
  switch (e.kind) {
    case "load": {
      const name = `v${lines.length}`;
      lines.push(`let ${name} = ${load(e.dtype, env.address(e.access))};`);
      return name;
    }
    case "const":
      return literal(e.dtype, e.value, env.use);
    case "acc":
      if (env.acc === void 0) throw new Error("a matmul accumulator outside a matmul epilogue");
      return env.acc;
    case "op": {
      const args = e.args.map((a) => emitExpr(a, env, lines));
      const value = ELEMENTWISE_WGSL[e.op].emit({ args, argTypes: e.args.map((a) => a.dtype), dtype: e.dtype, use: env.use });
      const name = `v${lines.length}`;
      lines.push(`let ${name} = ${value};`);
      return name;
    }
  }
}
export {
  ARENA_DECL,
  IndexSpace,
  affine,
  emitExpr,
  literal,
  load,
  storeWord
};
