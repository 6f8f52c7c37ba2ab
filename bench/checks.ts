import type { Check, Figure } from "./protocol.js";
import type { WorkloadId } from "./workloads.js";

/**
 * The correctness guard: every implementation's first numbers are compared with graphgrad's JS
 * backend (the reference semantics; see FALLBACK_REFERENCES for a workload it lacks), at relative tolerances set by what float32 arithmetic in a
 * different order can explain. A figure whose numbers disagree is flagged, never dropped.
 */
/** graphgrad's JS backend: the reference every other implementation is checked against. */
export const REFERENCE_IMPL = "gg-js";

/**
 * Where graphgrad's JS backend did not run a workload (or has none), the others are checked
 * against the first of these that ran, so they are still checked against each other.
 */
export const FALLBACK_REFERENCES: readonly string[] = ["torch-1t", "torch", "tfjs-cpu", "tfjs-wasm", "jax-wasm"];

/** The reference figure of a workload among `figures`: gg-js's, else the first fallback that ran. */
export function pickReference(figures: readonly Figure[], workload: WorkloadId): Figure | undefined {
  const usable = (impl: string): Figure | undefined =>
    figures.find((f) => f.impl === impl && f.workload === workload && f.variant === "as-is" && f.status === "ok" && f.check !== undefined);
  return [REFERENCE_IMPL, ...FALLBACK_REFERENCES].map(usable).find((f) => f !== undefined);
}

export const TOLERANCES: Readonly<Record<WorkloadId, Readonly<Partial<Record<keyof Check, number>>>>> = {
  W1: { firstLoss: 1e-5, secondLoss: 1e-5 },
  // TF.js's Adam adds ε to √v̂ (the paper's form), TF and graphgrad to √v (ε̂ = ε·√(1 − β2ᵗ)):
  // at step 1 that moves the second loss by about 5e-5 relative.
  W2: { firstLoss: 1e-5, secondLoss: 2e-4 },
  W3: { firstLoss: 1e-5, secondLoss: 1e-4 },
  W4: { checksum: 1e-5 },
  // The final loss follows 2000 float32 SGD steps, so it may drift further than the first two.
  W5: { firstLoss: 1e-5, secondLoss: 1e-5, finalLoss: 1e-3 },
  // Adam again (see W2); the convolutions sum 288 products per output, in each library's own order.
  W6: { firstLoss: 1e-5, secondLoss: 2e-4 },
};

export interface CheckOutcome {
  readonly ok: boolean;
  /** One entry per compared number: name, value, reference, relative difference, tolerance. */
  readonly compared: readonly { key: keyof Check; value: number; reference: number; relative: number; tolerance: number; ok: boolean }[];
  /** Why nothing could be compared (no reference, no check values). */
  readonly note?: string;
}

export function relativeDifference(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
}

/** Compares a figure's check values with the reference's; non-finite values always disagree. */
export function compareCheck(workload: WorkloadId, check: Check | undefined, reference: Check | undefined): CheckOutcome {
  if (check === undefined) return { ok: true, compared: [], note: "no check values" };
  if (reference === undefined) return { ok: true, compared: [], note: "no reference values" };
  const compared = [];
  for (const [key, tolerance] of Object.entries(TOLERANCES[workload]) as [keyof Check, number][]) {
    const value = check[key];
    const ref = reference[key];
    if (value === undefined || ref === undefined) continue;
    const relative = Number.isFinite(value) && Number.isFinite(ref) ? relativeDifference(value, ref) : Number.POSITIVE_INFINITY;
    compared.push({ key, value, reference: ref, relative, tolerance, ok: relative <= tolerance });
  }
  return { ok: compared.every((c) => c.ok), compared };
}

/** The reference a figure is checked against (one per workload; see pickReference). */
export function referenceFor(f: Pick<Figure, "workload">, references: readonly Figure[]): Figure | undefined {
  return references.find((r) => r.workload === f.workload && r.status === "ok" && r.check !== undefined);
}

/** The outcome for a figure, against the reference figures (check-only or timed). */
export function checkFigure(f: Figure, references: readonly Figure[]): CheckOutcome {
  return compareCheck(f.workload, f.check, referenceFor(f, references)?.check);
}
