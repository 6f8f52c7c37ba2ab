import type { TimingPlan } from "./workloads.js";

/**
 * How cost grows: W2 over batch sizes, and W3 over ptb_word_lm's small, medium and large configs
 * (hidden 200 / 650 / 1500, with the tutorial's 20 / 35 / 35 unrolled steps and init scales 0.1 /
 * 0.05 / 0.04). Each cell is one worker with a short plan and a time limit; an implementation that
 * runs past the limit is "too slow" there and is not tried on the larger sizes of that series.
 */
export interface ScalingPoint {
  /** The value plotted on the x axis (batch size, hidden units). */
  readonly x: number;
  readonly label: string;
  /** Sizes replacing the workload's standard ones. */
  readonly config: Readonly<Record<string, number>>;
}

export interface ScalingSeries {
  readonly workload: "W2" | "W3";
  readonly title: string;
  readonly parameter: string;
  readonly points: readonly ScalingPoint[];
}

export const SCALING: readonly ScalingSeries[] = [
  {
    workload: "W2",
    title: "W2 mlp 784-512-512-10, Adam, by batch size",
    parameter: "batch",
    points: [32, 64, 128, 256, 512, 1024].map((b) => ({ x: b, label: `${b}`, config: { batch: b } })),
  },
  {
    workload: "W3",
    title: "W3 lstm PTB small / medium / large",
    parameter: "hidden",
    points: [
      { x: 200, label: "200 (small, 20 steps)", config: { hidden: 200, numSteps: 20, initScale: 0.1 } },
      { x: 650, label: "650 (medium, 35 steps)", config: { hidden: 650, numSteps: 35, initScale: 0.05 } },
      { x: 1500, label: "1500 (large, 35 steps)", config: { hidden: 1500, numSteps: 35, initScale: 0.04 } },
    ],
  },
];

/** Seconds a scaling cell may take (setup, compilation, the checked steps and the timed runs). */
export const SCALING_LIMIT_SECONDS = 60;

/**
 * The scaling cells' plan: the two checked steps and a warm-up of 2 s (as the main table's W3: V8
 * compiles a WASM module first with its baseline compiler and swaps in the optimized code while it
 * runs; with 2 steps of warm-up only, graphgrad's W3 small cell measured 3441–3519 words/s against
 * 4108–4233 after 2 s, 2026-12-07), then a few single-step runs within a few seconds.
 */
export const SCALING_PLAN: TimingPlan = { warmup: 2, warmupSeconds: 2, stepsPerRun: 1, maxRuns: 5, minRuns: 1, budgetSeconds: 6 };
