class RunningMean {
  sums = /* @__PURE__ */ new Map();
  weights = /* @__PURE__ */ new Map();
  add(values, weight) {
    for (const [k, v] of Object.entries(values)) {
      this.sums.set(k, (this.sums.get(k) ?? 0) + v * weight);
      this.weights.set(k, (this.weights.get(k) ?? 0) + weight);
    }
  }
  /** The means; with `perplexity`, also exp(mean of that metric) as `perplexity`. */
  means(perplexity) {
    const out = {};
    for (const [k, s] of this.sums) out[k] = s / this.weights.get(k);
    if (perplexity !== void 0 && out[perplexity] !== void 0) out["perplexity"] = Math.exp(out[perplexity]);
    return out;
  }
}
export {
  RunningMean
};
