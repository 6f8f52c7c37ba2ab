import { w1Data, w2Data, w3Data, w4Data, w5Data, w6Data } from "./data/datasets.js";
import { type Check, type Implementation, type Multiplier, NotYet, type ResettableTrainer, type TimedSteps, type Trainer } from "./protocol.js";
import type { TimingPlan, WorkloadConfigs, WorkloadId } from "./workloads.js";

/**
 * Timing: warm-up first (never timed), then runs until the plan says stop; each run's time is
 * divided by its number of steps. The figure is the median of those per-step times (W5: of whole
 * training runs). The correctness check is taken from the first steps, before any timing.
 */

export interface Measurement {
  /** Seconds per step (W4: per product; W5: per training run), one entry per timed run. */
  readonly seconds: readonly number[];
  readonly check: Check;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error("median of nothing");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Σ |C_k|·(1 + k/N) over the flat result, in float64. The weight grows with the position, so a
 * transposed or shuffled C changes it (a periodic weight such as k mod 3 would not see a
 * transposition when n ≡ 1 mod 3, as for n = 1024).
 */
export function checksum(c: Float32Array): number {
  let s = 0;
  for (let k = 0; k < c.length; k++) s += Math.abs(c[k] as number) * (1 + k / c.length);
  return s;
}

/** Repeats `run` (which returns its own duration in seconds) as the plan allows. */
async function timedRuns(plan: TimingPlan, run: () => Promise<number>): Promise<number[]> {
  const seconds: number[] = [];
  let spent = 0;
  while (seconds.length < plan.maxRuns && (seconds.length < plan.minRuns || spent < plan.budgetSeconds)) {
    const s = await run();
    seconds.push(s / plan.stepsPerRun);
    spent += s;
  }
  return seconds;
}

/** Runs `step` until `plan.warmup` have run in all (`done` already) and `plan.warmupSeconds` have passed since `start`. */
async function warmUp(plan: TimingPlan, done: number, start: number, step: () => Promise<unknown>): Promise<void> {
  for (let i = done; i < plan.warmup || (performance.now() - start) / 1000 < plan.warmupSeconds; i++) await step();
}

/** Runs `steps` steps, timed by the trainer itself where it can (another process), else here. */
async function timeSteps(t: Trainer, steps: number): Promise<TimedSteps> {
  if (t.timeSteps !== undefined) return t.timeSteps(steps);
  const start = performance.now();
  let lastLoss = Number.NaN;
  for (let i = 0; i < steps; i++) lastLoss = await t.step();
  return { seconds: (performance.now() - start) / 1000, lastLoss };
}

const secondsOf = async (timed: Promise<TimedSteps>): Promise<number> => (await timed).seconds;

/**
 * Two checked steps and the rest of the warm-up, then timed runs of steps. A slow implementation
 * (one step per run, and the first step took longer than the whole time budget) is not warmed up
 * further: its second step is already its first timed run, so it stays bounded (the first step,
 * with compilation and first-touch allocation, is still excluded).
 */
export async function measureTrainer(t: Trainer, plan: TimingPlan): Promise<Measurement> {
  const start = performance.now();
  const firstLoss = await t.step();
  const slow = plan.stepsPerRun === 1 && plan.maxRuns > 0 && (performance.now() - start) / 1000 > plan.budgetSeconds;
  if (slow) {
    const second = await timeSteps(t, 1);
    const s = second.seconds;
    const rest = await timedRuns({ ...plan, maxRuns: plan.maxRuns - 1, minRuns: plan.minRuns - 1, budgetSeconds: plan.budgetSeconds - s }, () =>
      secondsOf(timeSteps(t, 1)),
    );
    return { seconds: [s, ...rest], check: { firstLoss, secondLoss: second.lastLoss } };
  }
  const secondLoss = await t.step();
  await warmUp(plan, 2, start, () => t.step());
  const seconds = await timedRuns(plan, () => secondsOf(timeSteps(t, plan.stepsPerRun)));
  return { seconds, check: { firstLoss, secondLoss } };
}

/** W5: a warm-up from the initial parameters, then complete training runs (reset is not timed). */
export async function measureTraining(t: ResettableTrainer, plan: TimingPlan): Promise<Measurement> {
  const start = performance.now();
  const firstLoss = await t.step();
  const secondLoss = await t.step();
  await warmUp(plan, 2, start, () => t.step());
  let finalLoss = Number.NaN;
  const seconds = await timedRuns(plan, async () => {
    await t.reset();
    const run = await timeSteps(t, plan.stepsPerRun);
    finalLoss = run.lastLoss;
    return run.seconds;
  });
  // timedRuns divides by stepsPerRun; W5's figure is per training run.
  return { seconds: seconds.map((s) => s * plan.stepsPerRun), check: { firstLoss, secondLoss, finalLoss } };
}

export async function measureMultiplier(m: Multiplier, plan: TimingPlan): Promise<Measurement> {
  const start = performance.now();
  const first = await m.multiply();
  const sum = checksum(first);
  await warmUp(plan, 1, start, () => m.multiply());
  const seconds = await timedRuns(plan, async () => {
    if (m.timeProducts !== undefined) return m.timeProducts(plan.stepsPerRun);
    const start = performance.now();
    for (let i = 0; i < plan.stepsPerRun; i++) await m.multiply();
    return (performance.now() - start) / 1000;
  });
  return { seconds, check: { checksum: sum } };
}

type Factories = Pick<Implementation, WorkloadId>;

/** Builds the workload's data, hands it to the implementation, and measures what it returns. */
export async function measureWorkload(impl: Factories, id: WorkloadId, configs: WorkloadConfigs, plan: TimingPlan): Promise<Measurement> {
  switch (id) {
    case "W1":
      return measureTrainer(await impl.W1(configs.W1, w1Data(configs.W1)), plan);
    case "W2":
      return measureTrainer(await impl.W2(configs.W2, w2Data(configs.W2)), plan);
    case "W3":
      return measureTrainer(await impl.W3(configs.W3, w3Data(configs.W3)), plan);
    case "W4":
      return measureMultiplier(await impl.W4(configs.W4, w4Data(configs.W4)), plan);
    case "W5":
      return measureTraining(await impl.W5(configs.W5, w5Data(configs.W5)), plan);
    case "W6":
      if (impl.W6 === undefined) throw new NotYet("W6 is not implemented here yet");
      return measureTrainer(await impl.W6(configs.W6, w6Data(configs.W6)), plan);
  }
}
