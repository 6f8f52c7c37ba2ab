/**
 * The workloads: their sizes (full, and tiny for the test), how each figure is computed from a
 * measured time, and the timing plan (warm-up, runs, time budget) per mode.
 */

export const WORKLOAD_IDS = ["W1", "W2", "W3", "W4", "W5", "W6"] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export function isWorkloadId(s: string): s is WorkloadId {
  return (WORKLOAD_IDS as readonly string[]).includes(s);
}

/** W1: the seed recipe y = A·x (x ~ N(1, 0.1), target 10), loss (A·x − y)², SGD. */
export interface W1Config {
  readonly samples: number;
  readonly lr: number;
}
/** W2: a ReLU MLP with softmax cross-entropy (mean over the batch), Adam. */
export interface W2Config {
  readonly sizes: readonly number[];
  readonly batch: number;
  readonly lr: number;
  /** How many distinct batches the steps cycle through. */
  readonly batches: number;
}
/** W3: the PTB "small" LSTM language model (TF's ptb_word_lm), one truncated-BPTT step. */
export interface W3Config {
  readonly vocab: number;
  readonly hidden: number;
  readonly layers: number;
  readonly numSteps: number;
  readonly batch: number;
  readonly lr: number;
  readonly maxGradNorm: number;
  /** Initial weights uniform in [-initScale, initScale] (the tutorial's init_scale). */
  readonly initScale: number;
  readonly batches: number;
}
/** W4: C = A·B, n×n×n float32, C read back to the host. */
export interface W4Config {
  readonly n: number;
}
/** W5: iris-shaped softmax regression, features→classes, fixed batches, plain SGD. */
export interface W5Config {
  readonly examples: number;
  readonly features: number;
  readonly classes: number;
  readonly batch: number;
  readonly epochs: number;
  readonly lr: number;
}

/**
 * W6: a small CNN train step: conv 3×3 (32 filters, valid padding) + ReLU, conv 3×3 (64) + ReLU,
 * 2×2 max pooling (stride 2), flatten, dense to the classes; mean softmax cross-entropy, Adam.
 * Images are NHWC [batch, height, width, channels], kernels HWIO [k, k, in, out] (TensorFlow's
 * layouts); the flatten is in (h, w, c) order, so the dense weights are [(h·w·c), classes].
 */
export interface W6Config {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Output channels of each conv layer. */
  readonly filters: readonly number[];
  readonly kernel: number;
  readonly pool: number;
  readonly classes: number;
  readonly lr: number;
  readonly batches: number;
}

/** W6's feature map after the convs (valid padding) and the pooling: [height, width, channels]. */
export function w6PooledShape(c: W6Config): [number, number, number] {
  const shrink = c.filters.length * (c.kernel - 1);
  return [Math.floor((c.height - shrink) / c.pool), Math.floor((c.width - shrink) / c.pool), c.filters[c.filters.length - 1] ?? c.channels];
}

export interface WorkloadConfigs {
  readonly W1: W1Config;
  readonly W2: W2Config;
  readonly W3: W3Config;
  readonly W4: W4Config;
  readonly W5: W5Config;
  readonly W6: W6Config;
}

/** The sizes issue 5 specifies. */
export const FULL: WorkloadConfigs = {
  W1: { samples: 100, lr: 0.02 },
  W2: { sizes: [784, 512, 512, 10], batch: 128, lr: 0.001, batches: 4 },
  W3: { vocab: 10000, hidden: 200, layers: 2, numSteps: 20, batch: 20, lr: 1.0, maxGradNorm: 5, initScale: 0.1, batches: 2 },
  W4: { n: 1024 },
  W5: { examples: 120, features: 4, classes: 3, batch: 32, epochs: 500, lr: 0.1 },
  W6: { batch: 64, height: 28, width: 28, channels: 1, filters: [32, 64], kernel: 3, pool: 2, classes: 10, lr: 0.001, batches: 2 },
};

/** Small sizes with the same structure, for the test that keeps the harness from rotting. */
export const TINY: WorkloadConfigs = {
  W1: { samples: 10, lr: 0.02 },
  W2: { sizes: [12, 8, 8, 3], batch: 4, lr: 0.001, batches: 2 },
  W3: { vocab: 17, hidden: 5, layers: 2, numSteps: 3, batch: 2, lr: 1.0, maxGradNorm: 5, initScale: 0.1, batches: 2 },
  W4: { n: 64 },
  W5: { examples: 20, features: 4, classes: 3, batch: 8, epochs: 2, lr: 0.1 },
  W6: { batch: 2, height: 8, width: 8, channels: 1, filters: [2, 3], kernel: 3, pool: 2, classes: 3, lr: 0.001, batches: 2 },
};

/**
 * The configs with one workload's sizes replaced (the scaling runs); every key must be one of the
 * workload's numeric fields.
 */
export function withOverride(configs: WorkloadConfigs, id: WorkloadId, override: Readonly<Record<string, number>> | undefined): WorkloadConfigs {
  if (override === undefined) return configs;
  const current: Readonly<Record<string, unknown>> = { ...configs[id] };
  for (const key of Object.keys(override)) {
    if (typeof current[key] !== "number") throw new Error(`${id} has no numeric size '${key}' (it has ${Object.keys(current).join(", ")})`);
  }
  return { ...configs, [id]: { ...configs[id], ...override } };
}

/** Batches of W5 per epoch: ⌈examples / batch⌉ (the last one smaller when batch does not divide). */
export function w5BatchesPerEpoch(c: W5Config): number {
  return Math.ceil(c.examples / c.batch);
}

/** W5 steps in one training run (500 epochs × 4 batches = 2000 at full size). */
export function w5Steps(c: W5Config): number {
  return c.epochs * w5BatchesPerEpoch(c);
}

/**
 * How a workload is timed. Training workloads (W1–W3) run warm-up steps first (compilation, JIT
 * tier-up and caches; the first two steps also give the correctness check), then runs of
 * `stepsPerRun` steps; W4 warms up with products, then times one product per run; W5 warms up
 * with steps of a training run, then each run is a complete training run from the initial
 * parameters. Warm-up lasts `warmup` steps and at least `warmupSeconds` (V8 keeps optimizing hot
 * code for a while: graphgrad's W1 step on the JS backend goes from 150 to 20 µs over its first
 * 3000 steps). Runs stop at `maxRuns`, or once `budgetSeconds` of timed runs have passed and at
 * least `minRuns` are done. The figure is the median over the runs.
 */
export interface TimingPlan {
  readonly warmup: number;
  readonly warmupSeconds: number;
  readonly stepsPerRun: number;
  readonly maxRuns: number;
  readonly minRuns: number;
  readonly budgetSeconds: number;
}

export type Mode = "full" | "quick";

export function timingPlan(id: WorkloadId, mode: Mode, configs: WorkloadConfigs = FULL): TimingPlan {
  const quick = mode === "quick";
  switch (id) {
    case "W1":
      return quick
        ? { warmup: 2000, warmupSeconds: 1, stepsPerRun: 1000, maxRuns: 5, minRuns: 3, budgetSeconds: 2 }
        : { warmup: 3000, warmupSeconds: 2, stepsPerRun: 1000, maxRuns: 15, minRuns: 5, budgetSeconds: 6 };
    case "W2":
      return quick
        ? { warmup: 2, warmupSeconds: 0.5, stepsPerRun: 1, maxRuns: 5, minRuns: 2, budgetSeconds: 4 }
        : { warmup: 3, warmupSeconds: 1, stepsPerRun: 1, maxRuns: 20, minRuns: 3, budgetSeconds: 12 };
    case "W3":
      return quick
        ? { warmup: 2, warmupSeconds: 1, stepsPerRun: 1, maxRuns: 3, minRuns: 1, budgetSeconds: 6 }
        : { warmup: 2, warmupSeconds: 2, stepsPerRun: 1, maxRuns: 10, minRuns: 2, budgetSeconds: 25 };
    case "W4":
      return quick
        ? { warmup: 1, warmupSeconds: 0.5, stepsPerRun: 1, maxRuns: 5, minRuns: 2, budgetSeconds: 4 }
        : { warmup: 1, warmupSeconds: 1, stepsPerRun: 1, maxRuns: 15, minRuns: 2, budgetSeconds: 12 };
    case "W5":
      return quick
        ? { warmup: 100, warmupSeconds: 0.5, stepsPerRun: w5Steps(configs.W5), maxRuns: 3, minRuns: 1, budgetSeconds: 4 }
        : { warmup: 100, warmupSeconds: 1, stepsPerRun: w5Steps(configs.W5), maxRuns: 7, minRuns: 2, budgetSeconds: 15 };
    case "W6":
      return quick
        ? { warmup: 2, warmupSeconds: 0.5, stepsPerRun: 1, maxRuns: 3, minRuns: 1, budgetSeconds: 4 }
        : { warmup: 3, warmupSeconds: 1, stepsPerRun: 1, maxRuns: 15, minRuns: 2, budgetSeconds: 12 };
  }
}

/** What the figure of a workload is, and which way is better. */
export interface FigureSpec {
  readonly title: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  /** The figure from the median seconds per step (W5: per training run). */
  readonly fromSeconds: (seconds: number, configs: WorkloadConfigs) => number;
}

export const FIGURES: Readonly<Record<WorkloadId, FigureSpec>> = {
  W1: { title: "W1 tiny (y = A·x, SGD)", unit: "µs/step", higherIsBetter: false, fromSeconds: (s) => s * 1e6 },
  W2: { title: "W2 mlp 784-512-512-10, Adam", unit: "ms/step", higherIsBetter: false, fromSeconds: (s) => s * 1e3 },
  W3: {
    title: "W3 lstm PTB small",
    unit: "words/s",
    higherIsBetter: true,
    fromSeconds: (s, c) => (c.W3.numSteps * c.W3.batch) / s,
  },
  W4: { title: "W4 matmul 1024³ f32", unit: "GFLOP/s", higherIsBetter: true, fromSeconds: (s, c) => (2 * c.W4.n ** 3) / s / 1e9 },
  W5: { title: "W5 iris 500 epochs", unit: "s total", higherIsBetter: false, fromSeconds: (s) => s },
  W6: { title: "W6 cnn conv32-conv64-pool-dense10, batch 64, Adam", unit: "ms/step", higherIsBetter: false, fromSeconds: (s) => s * 1e3 },
};
