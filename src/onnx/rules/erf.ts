import { ERF_TABLE } from "../../../ir/ops/erf.js";
import type { OnnxContext } from "../context.js";
import { cast, nanMask, where } from "./helpers.js";

/**
 * erf in ONNX. float32: ONNX's Erf, NaN passed through (ONNX Runtime's Erf gives 1 for NaN).
 * float64: ONNX Runtime has no float64 Erf kernel, so graphgrad's own erf (ir/ops/erf.ts) is
 * written out with the same table and the same operations in the same order — the coefficients of
 * |x|'s interval gathered per element, Horner's rule, erf(c) added last — so the exported graph
 * gives graphgrad's float64 results exactly.
 */
export function erfOnnx(x: string, dtype: "float32" | "float64", cx: OnnxContext): string {
  if (dtype === "float32") return where(cx, nanMask(cx, x), x, cx.op("Erf", [x]));
  const { small, rows, start, step, one } = ERF_TABLE;
  const f = (v: number): string => cx.scalar(v, "float64");
  const a = cx.op("Abs", [x]);

  // |x| < start: x + (x·small₀ + x·(u·R'(u))), u = x².
  const u = cx.op("Mul", [x, x]);
  let r = f(small[small.length - 1] as number);
  for (let n = small.length - 2; n >= 1; n--) r = cx.op("Add", [cx.op("Mul", [r, u]), f(small[n] as number)]);
  const near0 = cx.op("Add", [x, cx.op("Add", [cx.op("Mul", [x, f(small[0] as number)]), cx.op("Mul", [x, cx.op("Mul", [u, r])])])]);

  // start <= |x| < one: the Taylor expansion about the centre of |x|'s interval (row i), rows padded with zeros.
  const width = Math.max(...rows.map((row) => row.length));
  const i = cx.op("Clip", [cast(cx, cx.op("Floor", [cx.op("Div", [cx.op("Sub", [a, f(start)]), f(step)])]), "int32"), cx.scalar(0, "int32"), cx.scalar(rows.length - 1, "int32")]);
  const column = (n: number): string => cx.op("Gather", [cx.constant("float64", [rows.length], rows.map((row) => row[n] ?? 0)), i]);
  const centre = cx.op("Add", [f(start), cx.op("Mul", [cx.op("Add", [cast(cx, i, "float64"), f(0.5)]), f(step)])]);
  const h = cx.op("Sub", [a, centre]);
  let p = f(0);
  for (let n = width - 1; n >= 2; n--) p = cx.op("Mul", [cx.op("Add", [p, column(n)]), h]);
  const magnitude = cx.op("Where", [cx.op("Less", [a, f(one)]), cx.op("Add", [column(0), cx.op("Add", [column(1), p])]), f(1)]);
  const table = where(cx, cx.op("Less", [x, f(0)]), cx.op("Neg", [magnitude]), magnitude);

  // NaN and ±0 are returned as they are (isNaN or x == 0), |x| < start by the series.
  const keep = cx.op("Or", [nanMask(cx, x), cx.op("Equal", [x, f(0)])]);
  return where(cx, keep, x, where(cx, cx.op("Less", [a, f(start)]), near0, table));
}
