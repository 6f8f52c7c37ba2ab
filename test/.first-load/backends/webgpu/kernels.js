import { gg_f2b, gg_f2i, gg_i2f, gg_max, gg_normal, gg_threefry } from "./math.js";
import { sizeOf } from "../../ir/shape.js";
import { affine, emitExpr, IndexSpace, literal, load, storeWord } from "./expr.js";
import { matmulDispatch } from "./matmul.js";
import { wgslType } from "./ops.js";
import { Bases, grid, Helpers, shader, WG } from "./shader.js";
function flatKernel(label, n, helpers, bases, body) {
  if (n === 0) return void 0;
  const { groups, gx } = grid(Math.ceil(n / WG));
  const code = shader({
    helpers,
    bases,
    workgroupSize: String(WG),
    body: [`let gid = (wg.y * ${gx}u + wg.x) * ${WG}u + li;`, `if (gid >= ${n}u) { return; }`, ...body]
  });
  return { label, code, groups, buffers: bases.ids };
}
function reducer(op, d, h) {
  if (op === "sum") return { init: literal(d, 0, h.use), step: (a, v) => `${a} + ${v}`, empty: literal(d, 0, h.use) };
  if (d === "float32") return { init: literal(d, -Infinity, h.use), step: (a, v) => `${h.use(gg_max)}(${a}, ${v})`, empty: literal(d, -Infinity, h.use) };
  return { init: "bitcast<i32>(0x80000000u)", step: (a, v) => `max(${a}, ${v})`, empty: literal(d, 0, h.use) };
}
function reduceKernel(k) {
  const h = new Helpers();
  const b = new Bases();
  const outCount = sizeOf(k.outShape);
  const redCount = sizeOf(k.redShape);
  const r = reducer(k.op, k.dtype, h);
  const out = b.of(k.out);
  const t = wgslType(k.dtype);
  if (redCount === 0) return flatKernel("reduce (empty)", outCount, h, b, [`m[${out} + gid] = ${storeWord(k.dtype, r.empty)};`]);
  const valueLines = (o) => {
    const pre2 = [];
    const loop2 = [];
    const outer = new IndexSpace(k.outShape, o, pre2, "o");
    const inner = new IndexSpace(k.redShape, "r", loop2, "r");
    const rank = k.outShape.length;
    const value2 = emitExpr(
      k.expr,
      {
        address: (a) => affine(b.of(a.buffer), a.offset, [...outer.terms(a.strides.slice(0, rank)), ...inner.terms(a.strides.slice(rank))]),
        use: h.use
      },
      loop2
    );
    return { pre: pre2, loop: loop2, value: value2 };
  };
  if (redCount <= WG) {
    const { pre: pre2, loop: loop2, value: value2 } = valueLines("gid");
    return flatKernel("reduce", outCount, h, b, [
      ...pre2,
      `var acc: ${t} = ${r.init};`,
      `for (var r = 0u; r < ${redCount}u; r = r + 1u) {`,
      ...loop2.map((l) => `  ${l}`),
      `  acc = ${r.step("acc", value2)};`,
      "}",
      `m[${out} + gid] = ${storeWord(k.dtype, "acc")};`
    ]);
  }
  const { groups, gx } = grid(outCount);
  const { pre, loop, value } = valueLines("o");
  const code = shader({
    helpers: h,
    bases: b,
    decls: [`var<workgroup> part: array<${t}, ${WG}>;`],
    workgroupSize: String(WG),
    body: [
      `let o = wg.y * ${gx}u + wg.x;`,
      `if (o >= ${outCount}u) { return; }`,
      ...pre,
      `var acc: ${t} = ${r.init};`,
      `for (var r = li; r < ${redCount}u; r = r + ${WG}u) {`,
      ...loop.map((l) => `  ${l}`),
      `  acc = ${r.step("acc", value)};`,
      "}",
      "part[li] = acc;",
      "workgroupBarrier();",
      `for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`,
      `  if (li < s) { part[li] = ${r.step("part[li]", "part[li + s]")}; }`,
      "  workgroupBarrier();",
      "}",
      `if (li == 0u) { m[${out} + o] = ${storeWord(k.dtype, "part[0]")}; }`
    ]
  });
  return { label: "reduce (workgroup)", code, groups, buffers: b.ids };
}
function mapKernel(k) {
  const h = new Helpers();
  const b = new Bases();
  const lines = [];
  const space = new IndexSpace(k.shape, "gid", lines);
  const value = emitExpr(k.expr, { address: (a) => space.address(b.of(a.buffer), a.offset, a.strides), use: h.use }, lines);
  const dst = space.address(b.of(k.out.buffer), k.out.offset, k.out.strides);
  return flatKernel("map", sizeOf(k.shape), h, b, [...lines, `m[${dst}] = ${storeWord(k.dtype, value)};`]);
}
const clampRow = (idx, rows) => `u32(clamp(${idx}, 0, ${rows - 1}))`;
function gatherKernel(k) {
  if (k.rows === 0 && k.count * k.width > 0) throw new Error("gather from an empty table");
  const h = new Helpers();
  const b = new Bases();
  return flatKernel("gather", k.count * k.width, h, b, [
    `let r = gid / ${k.width}u;`,
    `let j = gid % ${k.width}u;`,
    `let row = ${clampRow(load("int32", `${b.of(k.indices)} + r`), k.rows)};`,
    `m[${b.of(k.out)} + gid] = m[${b.of(k.params)} + row * ${k.width}u + j];`
  ]);
}
const CHUNK = 64;
function scatterAddKernel(k) {
  const h = new Helpers();
  const b = new Bases();
  const blocks = Math.ceil(k.width / WG);
  const total = k.rows * blocks;
  if (total === 0) return void 0;
  const t = wgslType(k.dtype);
  const { groups, gx } = grid(total);
  const code = shader({
    helpers: h,
    bases: b,
    decls: [`var<workgroup> rows: array<u32, ${CHUNK}>;`],
    workgroupSize: String(WG),
    body: [
      `let g = wg.y * ${gx}u + wg.x;`,
      `if (g >= ${total}u) { return; }`,
      `let row = g / ${blocks}u;`,
      `let j = (g % ${blocks}u) * ${WG}u + li;`,
      `var acc: ${t} = ${literal(k.dtype, 0, h.use)};`,
      `for (var c = 0u; c < ${k.count}u; c = c + ${CHUNK}u) {`,
      `  if (c + li < ${k.count}u) { rows[li] = ${clampRow(load("int32", `${b.of(k.indices)} + c + li`), k.rows)}; }`,
      "  workgroupBarrier();",
      `  let n = min(${CHUNK}u, ${k.count}u - c);`,
      `  if (j < ${k.width}u) {`,
      "    for (var q = 0u; q < n; q = q + 1u) {",
      `      if (rows[q] == row) { acc = acc + ${load(k.dtype, `${b.of(k.updates)} + (c + q) * ${k.width}u + j`)}; }`,
      "    }",
      "  }",
      "  workgroupBarrier();",
      "}",
      `if (j < ${k.width}u) { m[${b.of(k.out)} + row * ${k.width}u + j] = ${storeWord(k.dtype, "acc")}; }`
    ]
  });
  return { label: "scatterAdd", code, groups, buffers: b.ids };
}
function iotaKernel(k) {
  const h = new Helpers();
  const b = new Bases();
  const stride = sizeOf(k.shape.slice(k.axis + 1));
  const n = k.shape[k.axis];
  const v = `i32((gid / ${stride}u) % ${n}u)`;
  const value = k.dtype === "int32" ? v : k.dtype === "bool" ? `(${v} != 0)` : `f32(${v})`;
  return flatKernel("iota", sizeOf(k.shape), h, b, [`m[${b.of(k.out)} + gid] = ${storeWord(k.dtype, value)};`]);
}
function randomKernel(k) {
  const h = new Helpers();
  const b = new Bases();
  const key = b.of(k.key);
  const natural = k.dist === "bits" ? { d: "int32", v: "bitcast<i32>(w.x)" } : k.dist === "uniform" ? { d: "float32", v: "f32(w.x >> 8u) * 5.9604644775390625e-8" } : { d: "float32", v: `${h.use(gg_normal)}(w.x, w.y)` };
  let value = natural.v;
  if (k.dtype !== natural.d) {
    if (k.dtype === "bool") value = natural.d === "int32" ? `(${value} != 0)` : `${h.use(gg_f2b)}(${value})`;
    else value = k.dtype === "int32" ? `${h.use(gg_f2i)}(${value})` : `${h.use(gg_i2f)}(${value})`;
  }
  return flatKernel(`random ${k.dist}`, k.size, h, b, [
    `let w = ${h.use(gg_threefry)}(m[${key}], m[${key} + 1u], gid, 0u);`,
    `m[${b.of(k.out)} + gid] = ${storeWord(k.dtype, value)};`
  ]);
}
function kernelDispatch(k, tuning) {
  switch (k.kind) {
    case "map":
      return mapKernel(k);
    case "reduce":
      return reduceKernel(k);
    case "matmul":
      return matmulDispatch(k, tuning.matmul.block, tuning.matmul.perThread);
    case "gather":
      return gatherKernel(k);
    case "scatterAdd":
      return scatterAddKernel(k);
    case "iota":
      return iotaKernel(k);
    case "random":
      return randomKernel(k);
  }
}
export {
  kernelDispatch
};
