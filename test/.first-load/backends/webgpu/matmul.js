import { affine, emitExpr, load, storeWord } from "./expr.js";
import { wgslType } from "./ops.js";
import { Bases, Helpers, shader } from "./shader.js";
const MAX_GROUPS = 65535;
function matmulDispatch(k, T = 16, R = 2) {
  const L = T / R;
  const { m, n, k: depth } = k;
  const batch = k.aOffsets.length;
  if (m === 0 || n === 0 || batch === 0) return void 0;
  const groups = [Math.ceil(n / T), Math.ceil(m / T), batch];
  if (groups.some((g) => g > MAX_GROUPS)) throw new Error(`matmul of [${batch}, ${m}, ${n}] exceeds the WebGPU dispatch limit (${MAX_GROUPS} workgroups per axis)`);
  const h = new Helpers();
  const b = new Bases();
  const t = wgslType(k.dtype);
  const outType = k.outDtype ?? k.dtype;
  const zero = t === "f32" ? "0.0" : "0";
  const aAt = (i, p) => k.transA ? `${i} + ${p} * ${m}u` : `${i} * ${depth}u + ${p}`;
  const bAt = (p, j) => k.transB ? `${p} + ${j} * ${depth}u` : `${p} * ${n}u + ${j}`;
  const offsets = (name, xs) => `var<private> ${name}: array<u32, ${xs.length}> = array<u32, ${xs.length}>(${xs.map((x) => `${x}u`).join(", ")});`;
  const decls = [`var<workgroup> ta: array<${t}, ${T * T}>;`, `var<workgroup> tb: array<${t}, ${T * T}>;`];
  let aBase;
  let bBase;
  if (batch === 1) {
    aBase = affine(b.of(k.a), k.aOffsets[0], []);
    bBase = affine(b.of(k.b), k.bOffsets[0], []);
  } else {
    decls.push(offsets("AOFF", k.aOffsets), offsets("BOFF", k.bOffsets));
    aBase = `${b.of(k.a)} + AOFF[wg.z]`;
    bBase = `${b.of(k.b)} + BOFF[wg.z]`;
  }
  const cells = Array.from({ length: R * R }, (_, x) => ({ i: Math.floor(x / R), j: x % R, acc: `acc${x}` }));
  const fill = (tile, e, inRange, address) => `if (${inRange}) { ${tile}[${e}] = ${load(k.dtype, address)}; } else { ${tile}[${e}] = ${zero}; }`;
  const loads = [];
  for (let f = 0; f < T * T / (L * L); f++) {
    const e = `e${f}`;
    loads.push(
      `let ${e} = li + ${f * L * L}u;`,
      fill("ta", e, `wg.y * ${T}u + ${e} / ${T}u < ${m}u && s + ${e} % ${T}u < ${depth}u`, `ao + ${aAt(`(wg.y * ${T}u + ${e} / ${T}u)`, `(s + ${e} % ${T}u)`)}`),
      fill("tb", e, `s + ${e} / ${T}u < ${depth}u && wg.x * ${T}u + ${e} % ${T}u < ${n}u`, `bo + ${bAt(`(s + ${e} / ${T}u)`, `(wg.x * ${T}u + ${e} % ${T}u)`)}`)
    );
  }
  const stores = [];
  for (const c of cells) {
    const lines = [];
    const at = (a) => affine(b.of(a.buffer), a.offset, [
      [`(r0 + ${c.i}u)`, a.strides[0] ?? 0],
      [`(c0 + ${c.j}u)`, a.strides[1] ?? 0]
    ]);
    const value = k.epilogue === void 0 ? c.acc : emitExpr(k.epilogue, { address: at, acc: c.acc, use: h.use }, lines);
    stores.push(
      `if (r0 + ${c.i}u < ${m}u && c0 + ${c.j}u < ${n}u) {`,
      ...lines.map((l) => `  ${l}`),
      `  m[${b.of(k.out)} + wg.z * ${m * n}u + (r0 + ${c.i}u) * ${n}u + c0 + ${c.j}u] = ${storeWord(outType, value)};`,
      "}"
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
    ...stores
  ];
  return { label: "matmul", code: shader({ helpers: h, bases: b, decls, workgroupSize: `${L}, ${L}`, body }), groups, buffers: b.ids };
}
export {
  matmulDispatch
};
