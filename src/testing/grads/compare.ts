import { CheckFailure } from "../failure.js";

/** The tolerances of a comparison: |analytic − numeric| <= atol + rtol·max(|analytic|, |numeric|). */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** One comparison of a derivative with central differences. */
export interface GradComparison {
  readonly mode: "rev" | "fwd";
  readonly order: number;
  /** The differentiated input (its position among all inputs) and the element moved (flat and as an index). */
  readonly input: number;
  readonly element: number;
  readonly index: readonly number[];
  /** Forward mode: the output element compared (flat and as an index). */
  readonly output?: { readonly element: number; readonly index: readonly number[] };
  readonly analytic: number;
  readonly numeric: number;
  readonly error: number;
  readonly tolerance: number;
}

/** The element at flat position `flat` of a row-major tensor of `shape`, as an index. */
export function indexOf(shape: readonly number[], flat: number): number[] {
  const index = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a] as number;
    index[a] = flat % d;
    flat = Math.floor(flat / d);
  }
  return index;
}

/** Counts comparisons, keeps the one nearest its tolerance, and throws on the first failure. */
export class Comparisons {
  checked = 0;
  worst: GradComparison | undefined = undefined;

  constructor(
    private readonly tol: Tolerance,
    private readonly describe: (c: GradComparison) => string,
  ) {}

  add(c: Omit<GradComparison, "error" | "tolerance">): void {
    const error = Math.abs(c.analytic - c.numeric);
    const tolerance = this.tol.atol + this.tol.rtol * Math.max(Math.abs(c.analytic), Math.abs(c.numeric));
    const full = { ...c, error, tolerance };
    this.checked++;
    if (!(error <= tolerance)) {
      throw new CheckFailure(
        "checkGrads",
        `${this.describe(full)}: analytic ${c.analytic}, central differences ${c.numeric}; error ${error} > tolerance ${tolerance} (atol ${this.tol.atol} + rtol ${this.tol.rtol} × ${Math.max(Math.abs(c.analytic), Math.abs(c.numeric))})`,
      );
    }
    if (this.worst === undefined || ratio(full) > ratio(this.worst)) this.worst = full;
  }
}

/** How much of its tolerance a comparison uses (0 when exact). */
const ratio = (c: GradComparison): number => (c.error === 0 ? 0 : c.error / c.tolerance);
