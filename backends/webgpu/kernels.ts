import { gg_f2b, gg_f2i, gg_i2f, gg_max, gg_normal, gg_threefry } from "./math.js";
import type { DType } from "../../ir/dtype.js";
import type { Kernel, StepCopy } from "../../ir/kernel/index.js";
import { sizeOf } from "../../ir/shape.js";
import { affine, emitExpr, IndexSpace, literal, load, storeWord } from "./expr.js";
import { matmulDispatch } from "./matmul.js";
import { convDispatch } from "./conv.js";
import { wgslType } from "./ops.js";
import { Bases, type Dispatch, grid, Helpers, type KernelTuning, shader, WG } from "./shader.js";

/**
 * WGSL for each kind of kernel (`ir/kernel.ts`). A buffer's first word in the arena is read from the
 * kernel's uniform (`Bases`), so the code depends only on the kernel's form.
 * One invocation per output element, except: reductions over more than WG elements (a workgroup per
 * output, partial sums in workgroup memory, a tree at the end), matmul (matmul.ts), and scatterAdd
 * (a workgroup per output row block, walking the indices in order: deterministic, no float atomics).
 */

/** A one-dimensional kernel of `n` invocations: `gid` is the flat index, past-the-end ones return. */
function flatKernel(label: string, n: number, helpers: Helpers, bases: Bases, body: readonly string[]): Dispatch | undefined {
  if (n === 0) return undefined;
  const { groups, gx } = grid(Math.ceil(n / WG));
  const code = shader({
    helpers,
    bases,
    workgroupSize: String(WG),
    body: [`let gid = (wg.y * ${gx}u + wg.x) * ${WG}u + li;`, `if (gid >= ${n}u) { return; }`, ...body],
  });
  return { label, code, groups, buffers: bases.ids };
}

/** The reduction's identity, and its step on (acc, value). */
function reducer(op: "sum" | "max", d: DType, h: Helpers): { init: string; step: (a: string, v: string) => string; empty: string } {
  if (op === "sum") return { init: literal(d, 0, h.use), step: (a, v) => `${a} + ${v}`, empty: literal(d, 0, h.use) };
  if (d === "float32") return { init: literal(d, -Infinity, h.use), step: (a, v) => `${h.use(gg_max)}(${a}, ${v})`, empty: literal(d, -Infinity, h.use) };
  // int32: the reference's -Infinity start stores as 0 when nothing is reduced.
  return { init: "bitcast<i32>(0x80000000u)", step: (a, v) => `max(${a}, ${v})`, empty: literal(d, 0, h.use) };
}

function reduceKernel(k: Extract<Kernel, { kind: "reduce" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const outCount = sizeOf(k.outShape);
  const redCount = sizeOf(k.redShape);
  const r = reducer(k.op, k.dtype, h);
  const out = b.of(k.out);
  const t = wgslType(k.dtype);
  if (redCount === 0) return flatKernel("reduce (empty)", outCount, h, b, [`m[${out} + gid] = ${storeWord(k.dtype, r.empty)};`]);
  // The value at output coordinates (flat `o`) and reduction coordinates (flat `r`).
  const valueLines = (o: string): { pre: string[]; loop: string[]; value: string } => {
    const pre: string[] = [];
    const loop: string[] = [];
    const outer = new IndexSpace(k.outShape, o, pre, "o");
    const inner = new IndexSpace(k.redShape, "r", loop, "r");
    const rank = k.outShape.length;
    const value = emitExpr(
      k.expr,
      {
        address: (a) => affine(b.of(a.buffer), a.offset, [...outer.terms(a.strides.slice(0, rank)), ...inner.terms(a.strides.slice(rank))]),
        index: (p) => affine("0u", p.offset, [...outer.terms(p.strides.slice(0, rank)), ...inner.terms(p.strides.slice(rank))]),
        use: h.use,
      },
      loop,
    );
    return { pre, loop, value };
  };
  if (redCount <= WG) {
    // One invocation per output, the reduction in row-major order.
    const { pre, loop, value } = valueLines("gid");
    return flatKernel("reduce", outCount, h, b, [
      ...pre,
      `var acc: ${t} = ${r.init};`,
      `for (var r = 0u; r < ${redCount}u; r = r + 1u) {`,
      ...loop.map((l) => `  ${l}`),
      `  acc = ${r.step("acc", value)};`,
      "}",
      `m[${out} + gid] = ${storeWord(k.dtype, "acc")};`,
    ]);
  }
  // A workgroup per output: strided partial reductions, then a tree in workgroup memory.
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
      `if (li == 0u) { m[${out} + o] = ${storeWord(k.dtype, "part[0]")}; }`,
    ],
  });
  return { label: "reduce (workgroup)", code, groups, buffers: b.ids };
}

function mapKernel(k: Extract<Kernel, { kind: "map" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const lines: string[] = [];
  const space = new IndexSpace(k.shape, "gid", lines);
  const value = emitExpr(k.expr, { address: (a) => space.address(b.of(a.buffer), a.offset, a.strides), index: (p) => space.address("0u", p.offset, p.strides), use: h.use }, lines);
  const dst = space.address(b.of(k.out.buffer), k.out.offset, k.out.strides);
  return flatKernel("map", sizeOf(k.shape), h, b, [...lines, `m[${dst}] = ${storeWord(k.dtype, value)};`]);
}

/** Clamp of an index into [0, rows) (the reference's gather/scatterAdd rule). */
const clampRow = (idx: string, rows: number): string => `u32(clamp(${idx}, 0, ${rows - 1}))`;

function gatherKernel(k: Extract<Kernel, { kind: "gather" }>): Dispatch | undefined {
  // No row to copy: every index fails the check in front of the gather, which fails the run.
  if (k.rows === 0) return undefined;
  const h = new Helpers();
  const b = new Bases();
  // Words are copied as they are: the dtype does not matter.
  return flatKernel("gather", k.count * k.width, h, b, [
    `let r = gid / ${k.width}u;`,
    `let j = gid % ${k.width}u;`,
    `let row = ${clampRow(load("int32", `${b.of(k.indices)} + r`), k.rows)};`,
    `m[${b.of(k.out)} + gid] = m[${b.of(k.params)} + row * ${k.width}u + j];`,
  ]);
}

const CHUNK = 64;

function scatterAddKernel(k: Extract<Kernel, { kind: "scatterAdd" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const blocks = Math.ceil(k.width / WG);
  const total = k.rows * blocks;
  if (total === 0) return undefined;
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
      `if (j < ${k.width}u) { m[${b.of(k.out)} + row * ${k.width}u + j] = ${storeWord(k.dtype, "acc")}; }`,
    ],
  });
  return { label: "scatterAdd", code, groups, buffers: b.ids };
}

/**
 * One workgroup: each invocation finds the first bad index among positions li, li + WG, ...; a
 * tree in workgroup memory keeps the smallest position; invocation 0 writes the status words
 * ([1 + position, value]) when there is one and they hold no failure yet.
 */
function checkIndexKernel(k: Extract<Kernel, { kind: "checkIndex" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const count = sizeOf(k.shape);
  const idx = b.of(k.indices);
  const st = b.of(k.status);
  const none = "0xffffffffu";
  const code = shader({
    helpers: h,
    bases: b,
    decls: [`var<workgroup> first: array<u32, ${WG}>;`],
    workgroupSize: String(WG),
    body: [
      `var best = ${none};`,
      `for (var r = li; r < ${count}u; r = r + ${WG}u) {`,
      // Unsigned: a negative index reads as 2³² + v >= size.
      `  if (m[${idx} + r] >= ${Math.min(k.size, 2 ** 32 - 1)}u) { best = r; break; }`,
      "}",
      "first[li] = best;",
      "workgroupBarrier();",
      `for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {`,
      "  if (li < s) { first[li] = min(first[li], first[li + s]); }",
      "  workgroupBarrier();",
      "}",
      // The status words are zeroed before the run; in a loop, the first step that fails keeps them.
      `if (li == 0u && first[0] != ${none} && m[${st}] == 0u) {`,
      `  m[${st}] = first[0] + 1u;`,
      `  m[${st} + 1u] = m[${idx} + first[0]];`,
      "}",
    ],
  });
  return { label: "checkIndex", code, groups: [1, 1, 1], buffers: b.ids };
}

function iotaKernel(k: Extract<Kernel, { kind: "iota" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const stride = sizeOf(k.shape.slice(k.axis + 1));
  const n = k.shape[k.axis] as number;
  const v = `i32((gid / ${stride}u) % ${n}u)`;
  const value = k.dtype === "int32" ? v : k.dtype === "bool" ? `(${v} != 0)` : `f32(${v})`;
  return flatKernel("iota", sizeOf(k.shape), h, b, [`m[${b.of(k.out)} + gid] = ${storeWord(k.dtype, value)};`]);
}

function randomKernel(k: Extract<Kernel, { kind: "random" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const key = b.of(k.key);
  // The natural value (bits: int32, uniform and normal: float32), stored as the dtype (as a typed array would).
  const natural =
    k.dist === "bits"
      ? { d: "int32" as DType, v: "bitcast<i32>(w.x)" }
      : k.dist === "uniform"
        ? { d: "float32" as DType, v: "f32(w.x >> 8u) * 5.9604644775390625e-8" }
        : { d: "float32" as DType, v: `${h.use(gg_normal)}(w.x, w.y)` };
  let value = natural.v;
  if (k.dtype !== natural.d) {
    if (k.dtype === "bool") value = natural.d === "int32" ? `(${value} != 0)` : `${h.use(gg_f2b)}(${value})`;
    else value = k.dtype === "int32" ? `${h.use(gg_f2i)}(${value})` : `${h.use(gg_i2f)}(${value})`;
  }
  // Block gid / size, element gid % size of it: one block per key.
  const per = Math.max(1, k.size);
  return flatKernel(`random ${k.dist}`, k.size * k.keys, h, b, [
    `let kb = ${key} + 2u * (gid / ${per}u);`,
    `let w = ${h.use(gg_threefry)}(m[kb], m[kb + 1u], gid % ${per}u, 0u);`,
    `m[${b.of(k.out)} + gid] = ${storeWord(k.dtype, value)};`,
  ]);
}

/** The dispatch computing kernel k (undefined when it has nothing to compute). */
/** Each kernel kind's dispatch, keyed by kind (a kind without one is a type error); undefined: nothing to dispatch. */
const DISPATCH: { readonly [K in Exclude<Kernel["kind"], "loop">]: (k: Extract<Kernel, { kind: K }>, tuning: KernelTuning) => Dispatch | undefined } = {
  map: mapKernel,
  reduce: reduceKernel,
  matmul: (k, tuning) => matmulDispatch(k, tuning.matmul.block, tuning.matmul.perThread),
  conv: convDispatch,
  gather: gatherKernel,
  scatterAdd: scatterAddKernel,
  checkIndex: checkIndexKernel,
  iota: iotaKernel,
  random: randomKernel,
};

/** A kernel's dispatches, in order. */
export function kernelDispatches(k: Kernel, tuning: KernelTuning): Dispatch[] {
  if (k.kind === "loop") return loopDispatches(k, tuning);
  const d = (DISPATCH[k.kind] as (k: Kernel, tuning: KernelTuning) => Dispatch | undefined)(k, tuning);
  return d === undefined ? [] : [d];
}

/**
 * A loop (a scan), unrolled into its dispatches: WGSL compute passes have no loop over dispatches
 * (and a dispatch cannot change its own buffer bases), so every step's copies and body kernels are
 * recorded, step after step, in one command encoder. The graph is not unrolled, and the shaders
 * are shared: the body's are the same at every step, and each copy's step offset is a shift of
 * its buffer bases, not part of its code.
 */
function loopDispatches(k: Extract<Kernel, { kind: "loop" }>, tuning: KernelTuning): Dispatch[] {
  const body = k.body.flatMap((kk) => kernelDispatches(kk, tuning));
  const copy = (c: StepCopy, i: number): Dispatch[] => {
    if (c.size === 0) return [];
    const d = mapKernel({ kind: "map", shape: [c.size], out: { buffer: c.dst, offset: 0, strides: [1] }, expr: { kind: "load", dtype: c.dtype, access: { buffer: c.src, offset: 0, strides: [1] } }, dtype: c.dtype });
    if (d === undefined) return [];
    // Slot 0 is the source (read first), slot 1 the destination.
    return [{ ...d, shifts: [c.srcOffset + i * c.srcStep, c.dstOffset + i * c.dstStep] }];
  };
  return Array.from({ length: k.count }, (_, i) => [...k.before.flatMap((c) => copy(c, i)), ...body, ...k.after.flatMap((c) => copy(c, i))]).flat();
}
