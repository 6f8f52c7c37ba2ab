import type { Kernel } from "../../ir/kernel/index.js";
import { dilatedSize } from "../../ir/ops/conv-geometry.js";
import { literal, load, storeWord } from "./expr.js";
import { wgslType } from "./ops.js";
import { Bases, type Dispatch, grid, Helpers, shader, WG } from "./shader.js";

/**
 * The direct convolution: one invocation per output element, accumulating over the kernel taps
 * (row-major) and then the group's input channels in order, as the reference does (float32: a
 * sequential dot product, within the matmul's bound; int32 wraps). Zeros of padding and dilation
 * holes are multiplied too (0·∞ is NaN, as in the reference). Addresses are computed in i32, as
 * the operands' views may have negative strides (a reversed kernel).
 */
/** A signed integer literal, parenthesized when negative. */
const int = (v: number): string => (v < 0 ? `(${v})` : String(v));

export function convDispatch(k: Extract<Kernel, { kind: "conv" }>): Dispatch | undefined {
  const h = new Helpers();
  const b = new Bases();
  const g = k.geometry;
  const d = k.inSpatial.length;
  const nb = k.batch.length;
  const O = k.outChannels;
  const [cg, og] = [k.channels / g.groups, O / g.groups];
  const total = [...k.batch, k.n, ...k.outSpatial, O].reduce((a, c) => a * c, 1);
  if (total === 0) return undefined;
  const t = wgslType(k.dtype);
  const [xs, ws] = [k.x.strides, k.w.strides];
  const lines: string[] = ["var q = gid;", `let o = i32(q % ${O}u);`, `q = q / ${O}u;`];
  for (let i = d - 1; i >= 0; i--) lines.push(`let t${i} = i32(q % ${k.outSpatial[i]}u);`, `q = q / ${k.outSpatial[i]}u;`);
  lines.push(`let n = i32(q % ${k.n}u);`, `q = q / ${k.n}u;`);
  lines.push(`var xa = i32(${b.of(k.x.buffer)}) + ${int(k.x.offset)} + n * ${int(xs[nb] as number)} + (o / ${og}) * ${int(cg * (xs[nb + 1 + d] as number))};`);
  lines.push(`var wa = i32(${b.of(k.w.buffer)}) + ${int(k.w.offset)} + o * ${int(ws[nb + d + 1] as number)};`);
  for (let j = nb - 1; j >= 0; j--) {
    lines.push(`let b${j} = i32(q % ${k.batch[j]}u);`, `q = q / ${k.batch[j]}u;`);
    lines.push(`xa = xa + b${j} * ${int(xs[j] as number)};`, `wa = wa + b${j} * ${int(ws[j] as number)};`);
  }
  lines.push(`var acc: ${t} = ${literal(k.dtype, 0, h.use)};`);
  // One loop per spatial axis: position p, whether it is an input element (v), its address (x), the tap's kernel address (w).
  const open: string[] = [];
  let [valid, xAddr, wAddr] = ["true", "xa", "wa"];
  for (let i = 0; i < d; i++) {
    const a = g.lhsDilation[i] as number;
    const extent = dilatedSize(k.inSpatial[i] as number, a);
    const pad = "  ".repeat(i);
    open.push(
      `${pad}for (var k${i} = 0; k${i} < ${k.kernelSpatial[i]}; k${i} = k${i} + 1) {`,
      `${pad}  let p${i} = t${i} * ${g.strides[i]} + k${i} * ${g.rhsDilation[i]} - ${int(g.lo[i] as number)};`,
      `${pad}  let v${i} = ${valid} && p${i} >= 0 && p${i} < ${extent}${a > 1 ? ` && p${i} % ${a} == 0` : ""};`,
      `${pad}  let x${i} = ${xAddr} + (p${i}${a > 1 ? ` / ${a}` : ""}) * ${int(xs[nb + 1 + i] as number)};`,
      `${pad}  let w${i} = ${wAddr} + k${i} * ${int(ws[nb + i] as number)};`,
    );
    [valid, xAddr, wAddr] = [`v${i}`, `x${i}`, `w${i}`];
  }
  const pad = "  ".repeat(d);
  const body = [
    `${pad}for (var c = 0; c < ${cg}; c = c + 1) {`,
    `${pad}  var xv: ${t} = ${literal(k.dtype, 0, h.use)};`,
    `${pad}  if (${valid}) { xv = ${load(k.dtype, `u32(${xAddr} + c * ${int(xs[nb + 1 + d] as number)})`)}; }`,
    `${pad}  acc = acc + xv * ${load(k.dtype, `u32(${wAddr} + c * ${int(ws[nb + d] as number)})`)};`,
    `${pad}}`,
  ];
  const close = Array.from({ length: d }, (_, i) => `${"  ".repeat(d - 1 - i)}}`);
  const { groups, gx } = grid(Math.ceil(total / WG));
  const code = shader({
    helpers: h,
    bases: b,
    workgroupSize: String(WG),
    body: [
      `let gid = (wg.y * ${gx}u + wg.x) * ${WG}u + li;`,
      `if (gid >= ${total}u) { return; }`,
      ...lines,
      ...open,
      ...body,
      ...close,
      `m[${b.of(k.out)} + gid] = ${storeWord(k.dtype, "acc")};`,
    ],
  });
  return { label: "conv", code, groups, buffers: b.ids };
}
