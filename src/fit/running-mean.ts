import type { MetricValues } from "./types.js";

/** Weighted means of named values (metrics averaged over batches, weighted by their rows). */
export class RunningMean {
  private readonly sums = new Map<string, number>();
  private readonly weights = new Map<string, number>();

  add(values: MetricValues, weight: number): void {
    for (const [k, v] of Object.entries(values)) {
      this.sums.set(k, (this.sums.get(k) ?? 0) + v * weight);
      this.weights.set(k, (this.weights.get(k) ?? 0) + weight);
    }
  }

  /** The means; with `perplexity`, also exp(mean of that metric) as `perplexity`. */
  means(perplexity?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / (this.weights.get(k) as number);
    if (perplexity !== undefined && out[perplexity] !== undefined) out["perplexity"] = Math.exp(out[perplexity]);
    return out;
  }
}
