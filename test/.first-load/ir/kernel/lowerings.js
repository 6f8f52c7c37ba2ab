import { ELEMENTWISE_OPS } from "../ops/elementwise.js";
import { sizeOf } from "../shape.js";
import { walk } from "../loops.js";
import { broadcastStridesOf, broadcastView, concatRegions, padRegion, reshapeView, sliceView, transposeView } from "../view.js";
import { place, treeOf } from "./values.js";
const arg = (c, i = 0) => c.args[i];
const argShape = (c, i = 0) => c.argShapes[i];
const elementwise = (n, c) => {
  const tree = { kind: "op", op: n.op, dtype: n.dtype, args: c.args.map(treeOf) };
  const e = { kind: "expr", tree, shape: c.shape, dtype: n.dtype };
  return c.fusible(tree) ? e : c.materialize(e);
};
function layout(f) {
  return (n, c) => {
    const x = arg(c);
    if (x.kind === "const") return { ...x, shape: c.shape };
    return f(x.kind === "view" ? x : c.materialize(x), n, c);
  };
}
const reduction = (n, c) => {
  const inShape = argShape(c);
  const axes = n.attrs.axes;
  const kept = inShape.map((_, i) => i).filter((i) => !axes.includes(i));
  const red = inShape.map((_, i) => i).filter((i) => axes.includes(i));
  const perm = [...kept, ...red];
  const placed = place(treeOf(arg(c)), inShape);
  const expr = perm.length === 0 ? placed : permuteAccesses(placed, perm);
  const out = c.output(n.dtype);
  c.emit({
    kind: "reduce",
    op: n.op === "reduceSum" ? "sum" : "max",
    outShape: kept.map((i) => inShape[i]),
    redShape: red.map((i) => inShape[i]),
    out: out.buffer,
    expr,
    dtype: n.dtype
  });
  return out;
};
function permuteAccesses(e, perm) {
  if (e.kind === "load") return { ...e, access: { ...e.access, strides: perm.map((p) => e.access.strides[p]) } };
  return e.kind === "op" ? { ...e, args: e.args.map((a) => permuteAccesses(a, perm)) } : e;
}
const matmul = (n, c) => {
  const [a, ta] = c.matrixOperand(arg(c, 0));
  const [b, tb] = c.matrixOperand(arg(c, 1));
  const r = c.shape.length;
  const batch = c.shape.slice(0, r - 2);
  const offsets = (v) => {
    const st = broadcastStridesOf({ shape: v.shape.slice(0, -2), strides: v.strides.slice(0, -2) }, batch);
    const out2 = [];
    walk(batch, [st], [v.offset], (o) => out2.push(o[0]));
    return out2;
  };
  const out = c.output(n.dtype);
  c.emit({
    kind: "matmul",
    a: a.buffer,
    b: b.buffer,
    out: out.buffer,
    m: c.shape[r - 2],
    n: c.shape[r - 1],
    k: a.shape[a.shape.length - 1],
    aOffsets: offsets(a),
    bOffsets: offsets(b),
    transA: ta,
    transB: tb,
    dtype: n.dtype
  });
  return out;
};
function writeRegion(c, out, region, v) {
  if (sizeOf(region.shape) === 0) return;
  c.emit({ kind: "map", shape: region.shape, out: { buffer: out.buffer, offset: region.offset, strides: region.strides }, expr: place(treeOf(v), region.shape), dtype: out.dtype });
}
const ELEMENTWISE_LOWERINGS = Object.fromEntries(ELEMENTWISE_OPS.map((op) => [op, elementwise]));
const LOWERINGS = {
  ...ELEMENTWISE_LOWERINGS,
  reduceSum: reduction,
  reduceMax: reduction,
  matmul,
  // A reshape is a view of a contiguous buffer; a strided one is copied first.
  reshape: layout((base, _n, c) => {
    const src = reshapeView(base, c.shape) === void 0 ? c.materialize(base) : base;
    return { ...src, ...reshapeView(src, c.shape) };
  }),
  transpose: layout((base, n) => ({ ...base, ...transposeView(base, n.attrs.perm) })),
  broadcast: layout((base, _n, c) => ({ ...base, ...broadcastView(base, c.shape) })),
  slice: layout((base, n, c) => ({ ...base, ...sliceView(base, n.attrs.begin, c.shape) })),
  pad: (n, c) => {
    const out = c.output(n.dtype);
    writeRegion(c, out, out, { kind: "const", value: 0, shape: c.shape, dtype: n.dtype });
    writeRegion(c, out, padRegion(c.shape, argShape(c), n.attrs.lo), arg(c));
    return out;
  },
  concat: (n, c) => {
    const out = c.output(n.dtype);
    concatRegions(c.shape, c.argShapes, n.attrs.axis).forEach((region, i) => writeRegion(c, out, region, arg(c, i)));
    return out;
  },
  gather: (n, c) => {
    const [p, idx] = [c.materialize(arg(c, 0)), c.materialize(arg(c, 1))];
    const out = c.output(n.dtype);
    c.emit({ kind: "gather", params: p.buffer, indices: idx.buffer, out: out.buffer, rows: p.shape[0], width: sizeOf(p.shape.slice(1)), count: sizeOf(idx.shape), dtype: n.dtype });
    return out;
  },
  scatterAdd: (n, c) => {
    const [u, idx] = [c.materialize(arg(c, 0)), c.materialize(arg(c, 1))];
    const out = c.output(n.dtype);
    c.emit({ kind: "scatterAdd", updates: u.buffer, indices: idx.buffer, out: out.buffer, rows: c.shape[0], width: sizeOf(c.shape.slice(1)), count: sizeOf(idx.shape), dtype: n.dtype });
    return out;
  },
  input: (n, c) => c.source(n.dtype, "input", { name: n.attrs.name }),
  fill: (n, c) => ({ kind: "const", value: n.attrs.value, shape: c.shape, dtype: n.dtype }),
  literal: (n, c) => c.source(n.dtype, "const", { data: n.attrs.values }),
  iota: (n, c) => {
    const out = c.output(n.dtype);
    c.emit({ kind: "iota", out: out.buffer, shape: c.shape, axis: n.attrs.axis, dtype: n.dtype });
    return out;
  },
  random: (n, c) => {
    const key = c.materialize(arg(c));
    const out = c.output(n.dtype);
    c.emit({ kind: "random", key: key.buffer, out: out.buffer, size: sizeOf(c.shape), dist: n.attrs.dist, dtype: n.dtype });
    return out;
  }
};
export {
  LOWERINGS
};
