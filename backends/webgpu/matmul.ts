import { GraphgradError } from "../../ir/errors.js";
import type { Kernel } from "../../ir/kernel/index.js";
import { affine, emitExpr, load, storeWord } from "./expr.js";
import { wgslType } from "./ops.js";
import { Bases, type Dispatch, Helpers, shader } from "./shader.js";

/**
 * The tiled matmul: an 8×8 workgroup computes a 16×16 block of the product, each invocation a 2×2
 * block of it (register blocking); 16×16 tiles of A and B pass through workgroup memory one
 * 16-wide slice of k at a time. Each element accumulates over k in order (float32: the error of a
 * sequential dot product, |err| <= k·2⁻²⁴·Σ|a||b|). A fused epilogue (bias add, activation) is
 * applied to each product element before it is stored.
 */

const MAX_GROUPS = 65535;

/** T: the block (and k-slice) edge; R: each invocation's block edge. */
export function matmulDispatch(k: Extract<Kernel, { kind: "matmul" }>, T = 16, R = 2): Dispatch | undefined {
  const L = T / R; // the workgroup's edge
  const { m, n, k: depth } = k;
  const batch = k.aOffsets.length;
  if (m === 0 || n === 0 || batch === 0) return undefined;
  const groups: [number, number, number] = [Math.ceil(n / T), Math.ceil(m / T), batch];
  if (groups.some((g) => g > MAX_GROUPS)) throw new GraphgradError("matmul", `[${batch}, ${m}, ${n}] (batch, rows, columns) needs [${groups.join(", ")}] workgroups, more than the WebGPU dispatch limit (${MAX_GROUPS} per dimension)`);
  const h = new Helpers();
  const b = new Bases();
  const t = wgslType(k.dtype);
  const outType = k.outDtype ?? k.dtype;
  const zero = t === "f32" ? "0.0" : "0";
  // A[i, p] and B[p, j] relative to the batch's matrix (transposed operands are column-major).
  const aAt = (i: string, p: string): string => (k.transA ? `${i} + ${p} * ${m}u` : `${i} * ${depth}u + ${p}`);
  const bAt = (p: string, j: string): string => (k.transB ? `${p} + ${j} * ${depth}u` : `${p} * ${n}u + ${j}`);
  const offsets = (name: string, xs: readonly number[]): string =>
    `var<private> ${name}: array<u32, ${xs.length}> = array<u32, ${xs.length}>(${xs.map((x) => `${x}u`).join(", ")});`;
  const decls = [`var<workgroup> ta: array<${t}, ${T * T}>;`, `var<workgroup> tb: array<${t}, ${T * T}>;`];
  let aBase: string;
  let bBase: string;
  if (batch === 1) {
    aBase = affine(b.of(k.a), k.aOffsets[0] as number, []);
    bBase = affine(b.of(k.b), k.bOffsets[0] as number, []);
  } else {
    decls.push(offsets("AOFF", k.aOffsets), offsets("BOFF", k.bOffsets));
    aBase = `${b.of(k.a)} + AOFF[wg.z]`;
    bBase = `${b.of(k.b)} + BOFF[wg.z]`;
  }
  const cells = Array.from({ length: R * R }, (_, x) => ({ i: Math.floor(x / R), j: x % R, acc: `acc${x}` }));
  const fill = (tile: "ta" | "tb", e: string, inRange: string, address: string): string =>
    `if (${inRange}) { ${tile}[${e}] = ${load(k.dtype, address)}; } else { ${tile}[${e}] = ${zero}; }`;
  const loads: string[] = [];
  for (let f = 0; f < (T * T) / (L * L); f++) {
    // Element e of each tile: ta row e / T, k = s + e % T; tb k = s + e / T, column e % T.
    const e = `e${f}`;
    loads.push(
      `let ${e} = li + ${f * L * L}u;`,
      fill("ta", e, `wg.y * ${T}u + ${e} / ${T}u < ${m}u && s + ${e} % ${T}u < ${depth}u`, `ao + ${aAt(`(wg.y * ${T}u + ${e} / ${T}u)`, `(s + ${e} % ${T}u)`)}`),
      fill("tb", e, `s + ${e} / ${T}u < ${depth}u && wg.x * ${T}u + ${e} % ${T}u < ${n}u`, `bo + ${bAt(`(s + ${e} / ${T}u)`, `(wg.x * ${T}u + ${e} % ${T}u)`)}`),
    );
  }
  const stores: string[] = [];
  for (const c of cells) {
    const lines: string[] = [];
    const at = (a: { buffer: number; offset: number; strides: readonly number[] }): string =>
      affine(b.of(a.buffer), a.offset, [
        [`(r0 + ${c.i}u)`, a.strides[0] ?? 0],
        [`(c0 + ${c.j}u)`, a.strides[1] ?? 0],
      ]);
    const value = k.epilogue === undefined ? c.acc : emitExpr(k.epilogue, { address: at, acc: c.acc, use: h.use }, lines);
    stores.push(
      `if (r0 + ${c.i}u < ${m}u && c0 + ${c.j}u < ${n}u) {`,
      ...lines.map((l) => `  ${l}`),
      `  m[${b.of(k.out)} + wg.z * ${m * n}u + (r0 + ${c.i}u) * ${n}u + c0 + ${c.j}u] = ${storeWord(outType, value)};`,
      "}",
    );
  }
  const body = [
    `let r0 = wg.y * ${T}u + lid.y * ${R}u;`,
    `let c0 = wg.x * ${T}u + lid.x * ${R}u;`,
    `let ao = ${aBase};`,
    `let bo = ${bBase};`,
    ...cells.map((c) => `var ${c.acc}: ${t} = ${zero};`),
    `for (var s = 0u; s < ${depth}u; s = s + ${T}u) {`,
    ...loads.map((l) => `  ${l}`),
    "  workgroupBarrier();",
    `  for (var q = 0u; q < ${T}u; q = q + 1u) {`,
    ...Array.from({ length: R }, (_, i) => `    let a${i} = ta[(lid.y * ${R}u + ${i}u) * ${T}u + q];`),
    ...Array.from({ length: R }, (_, j) => `    let b${j} = tb[q * ${T}u + lid.x * ${R}u + ${j}u];`),
    ...cells.map((c) => `    ${c.acc} = ${c.acc} + a${c.i} * b${c.j};`),
    "  }",
    "  workgroupBarrier();",
    "}",
    ...stores,
  ];
  return { label: "matmul", code: shader({ helpers: h, bases: b, decls, workgroupSize: `${L}, ${L}`, body }), groups, buffers: b.ids };
}
