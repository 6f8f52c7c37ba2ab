/**
 * Printing as the seed's Python does: numpy shows a float32 with the fewest digits that read back
 * as the same float32, and an array as nested brackets ("[6.234022]", "[[0.00126199]]").
 */

/** The shortest decimal that rounds to the same float32 as `v`. */
export function formatFloat32(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  for (let digits = 1; digits <= 9; digits++) {
    const s = Number(f.toPrecision(digits));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** A one-element tensor value wrapped in `depth` brackets, as numpy prints an array of shape [1, ..., 1]. */
export function formatNested(v: number, depth: number): string {
  return "[".repeat(depth) + formatFloat32(v) + "]".repeat(depth);
}
