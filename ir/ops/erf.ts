import { erfTable, type ErfTable } from "./erf-table.js";

/**
 * A scalar function that another JavaScript realm (a worker thread) can rebuild from its source
 * text: `source` is an expression free of imports and free variables that evaluates to a function
 * giving exactly `fn`'s results.
 */
export interface PortableFunction {
  readonly fn: (x: number) => number;
  readonly source: string;
}

/**
 * erf over its coefficient table (see erf-table.ts), in float64:
 * - |x| < 0.5: x + x·R(x²), R by Horner (|R| <= 0.13, so its rounding barely reaches the result);
 * - 0.5 <= |x| < 6: the Taylor expansion about the centre c of x's interval of width 1/4,
 *   erf(c) + Σ aₙ·(|x| − c)ⁿ with erf(c) carried in two doubles, so the only large rounding is the
 *   final addition (|x| − c is exact);
 * - |x| >= 6: ±1 (1 − erf(6) < 2⁻⁵⁴, below half a unit in the last place of 1); erf(NaN) = NaN.
 * Measured against 1400-bit values (test/ir/erf.test.ts): within 0.6 units in the last place.
 *
 * Self-contained: the function reads only its argument, the table and the global Math, so a
 * worker rebuilds it from `erfOf`'s source text applied to the table's JSON (`ERF.source`).
 */
export function erfOf(table: ErfTable): (x: number) => number {
  const { small, rows, start, step, one } = table;
  return (x) => {
    if (x !== x || x === 0) return x; // NaN, ±0
    const a = Math.abs(x);
    if (a < start) {
      // x + x·(R₀ + u·R'(u)): R₀ kept apart so that its product with x is rounded once.
      const u = x * x;
      let r = 0;
      for (let n = small.length - 1; n >= 1; n--) r = r * u + (small[n] as number);
      return x + (x * (small[0] as number) + x * (u * r));
    }
    if (a >= one) return x < 0 ? -1 : 1;
    const i = Math.floor((a - start) / step);
    const row = rows[i] as readonly number[];
    const h = a - (start + (i + 0.5) * step);
    let p = 0;
    for (let n = row.length - 1; n >= 2; n--) p = (p + (row[n] as number)) * h;
    const r = (row[0] as number) + ((row[1] as number) + p);
    return x < 0 ? -r : r;
  };
}

/** The coefficients erf evaluates (also written into exported ONNX graphs for float64 erf). */
export const ERF_TABLE = erfTable();

/** The error function erf(x) = (2/√π)·∫₀ˣ e^(−t²) dt in float64: the semantics of the primitive `erf`. */
export const erf: (x: number) => number = erfOf(ERF_TABLE);

/** erf and the source text a worker rebuilds it from. */
export const ERF: PortableFunction = { fn: erf, source: `(${erfOf.toString()})(${JSON.stringify(ERF_TABLE)})` };
