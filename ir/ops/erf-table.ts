/**
 * The coefficients of graphgrad's float64 erf (`ir/ops/erf.ts`), computed when the module loads
 * from their series with exact integer arithmetic (BigInt fixed point with 320 fraction bits),
 * each then rounded once to the nearest double. Nothing here is a copied constant: π comes from
 * Machin's formula, e^y and erf from their Taylor series, and the derivatives of erf from the
 * Hermite recurrence.
 *
 * - `small`: R(u) = erf(√u)/√u − 1 = (2/√π)·Σₙ (−u)ⁿ/(n!(2n+1)) − 1, its Taylor coefficients in u
 *   (used for |x| < ERF_SMALL, as erf(x) = x + x·R(x²), where |R| <= 0.13 damps its rounding).
 * - `rows[i]`: the Taylor expansion of erf about the centre cᵢ = ERF_START + (i + ½)·ERF_STEP,
 *   [a₀ high, a₀ low, a₁, a₂, ...] with a₀ = erf(cᵢ) as a sum of two doubles and
 *   aₙ = erf⁽ⁿ⁾(cᵢ)/n! = (2/√π)·e^(−cᵢ²)·(−1)ⁿ⁻¹·Hₙ₋₁(cᵢ)/n!, as many terms as reach 2⁻⁶⁴·a₀ over
 *   the half-width of the interval.
 */

/** Where the tables of erf start, their interval width, and the |x| from which erf(x) = ±1 in float64. */
export const ERF_SMALL = 0.5;
export const ERF_STEP = 0.25;
export const ERF_ONE = 6;

export interface ErfTable {
  readonly start: number;
  readonly step: number;
  readonly one: number;
  /** Coefficients of R(u), u = x², from u⁰ on. */
  readonly small: readonly number[];
  /** Per interval: [erf(c) high, erf(c) low, a₁, a₂, ...] (Taylor coefficients in x − c). */
  readonly rows: readonly (readonly number[])[];
}

const Q = 320n;
const ONE = 1n << Q;

/** atan(1/x)·2^Q by its alternating series. */
function atanInverse(x: bigint): bigint {
  let sum = 0n;
  let term = ONE / x;
  for (let k = 0n; term !== 0n; k++) {
    sum += (k % 2n === 0n ? term : -term) / (2n * k + 1n);
    term /= x * x;
  }
  return sum;
}

function integerSqrt(n: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** e^(p/q)·2^Q for p/q >= 0 by its Taylor series (all terms positive). */
function expFixed(p: bigint, q: bigint): bigint {
  let sum = ONE;
  let term = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * p) / (q * n);
    sum += term;
  }
  return sum;
}

/** erf(p/q)·2^Q·√π/2 by its Taylor series Σ (−1)ⁿ x²ⁿ⁺¹/(n!(2n+1)) (the 320 bits absorb the cancellation). */
function erfTimesHalfSqrtPi(p: bigint, q: bigint): bigint {
  let power = (ONE * p) / q; // x²ⁿ⁺¹/n!
  let sum = power;
  for (let n = 1n; power !== 0n; n++) {
    power = (power * p * p) / (q * q * n);
    const term = power / (2n * n + 1n);
    sum += n % 2n === 1n ? -term : term;
  }
  return sum;
}

/** The double nearest to v·2^−Q (ties to even). */
function toDouble(v: bigint): number {
  if (v === 0n) return 0;
  const negative = v < 0n;
  const m = negative ? -v : v;
  const shift = BigInt(m.toString(2).length - 53);
  let top = shift > 0n ? m >> shift : m << -shift;
  if (shift > 0n) {
    const rest = m - (top << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (top & 1n) === 1n)) top += 1n;
  }
  const value = Number(top) * 2 ** Number(shift - Q);
  return negative ? -value : value;
}

/** The exact value of a double, times 2^Q (for the doubles used here, all above 2^−Q). */
function fromDouble(d: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const exponent = (view.getUint32(0) >>> 20) & 0x7ff;
  const mantissa = ((BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4))) | (1n << 52n);
  const shift = BigInt(exponent - 1075) + Q;
  const v = shift >= 0n ? mantissa << shift : mantissa >> -shift;
  return d < 0 ? -v : v;
}

export function erfTable(): ErfTable {
  const pi = 4n * (4n * atanInverse(5n) - atanInverse(239n));
  const twoOverSqrtPi = (2n * ONE * ONE) / integerSqrt(pi << Q);

  const small: number[] = [];
  let factorial = 1n;
  for (let n = 0n; n <= 16n; n++) {
    if (n > 0n) factorial *= n;
    const c = twoOverSqrtPi / (factorial * (2n * n + 1n));
    small.push(toDouble((n % 2n === 1n ? -c : c) - (n === 0n ? ONE : 0n)));
  }

  // Centres c = k/8 (exact rationals): the Hermite values Hₙ(c)·8ⁿ are integers.
  const rows: number[][] = [];
  const halfWidth = ERF_STEP / 2;
  for (let i = 0; ERF_SMALL + i * ERF_STEP < ERF_ONE; i++) {
    const k = BigInt((ERF_SMALL + (i + 0.5) * ERF_STEP) * 8);
    const a0 = (twoOverSqrtPi * erfTimesHalfSqrtPi(k, 8n)) / ONE;
    const a0High = toDouble(a0);
    const row = [a0High, toDouble(a0 - fromDouble(a0High))];
    const scale = (twoOverSqrtPi * ONE) / expFixed(k * k, 64n); // (2/√π)·e^(−c²)·2^Q
    let hPrevious = 0n; // H₋₁·8⁻¹ (unused: H₁ = 2c·H₀)
    let h = 1n; // Hₙ₋₁(c)·8ⁿ⁻¹, from n = 1
    let factorialN = 1n;
    let negligible = 0;
    for (let n = 1; n <= 40; n++) {
      factorialN *= BigInt(n);
      const an = (scale * h) / (8n ** BigInt(n - 1) * factorialN);
      const coefficient = toDouble(n % 2 === 1 ? an : -an);
      row.push(coefficient);
      // Stop after two terms in a row below 2⁻⁶⁴·a₀ over the half-width (one alone may sit near a zero of Hₙ).
      negligible = Math.abs(coefficient) * halfWidth ** n < 2 ** -64 * a0High ? negligible + 1 : 0;
      if (negligible === 2) break;
      // H_n = 2c·H_{n-1} − 2(n−1)·H_{n-2}, scaled by 8ⁿ: N_n = 2k·N_{n−1} − 128(n−1)·N_{n−2}.
      const next = 2n * k * h - 128n * BigInt(n - 1) * hPrevious;
      hPrevious = h;
      h = next;
    }
    rows.push(row);
  }
  return { start: ERF_SMALL, step: ERF_STEP, one: ERF_ONE, small, rows };
}
