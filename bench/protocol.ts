import type { W1Data, W2Data, W3Data, W4Data, W5Data, W6Data } from "./data/datasets.js";
import type { W1Config, W2Config, W3Config, W4Config, W5Config, W6Config, WorkloadId } from "./workloads.js";

/**
 * What an implementation (graphgrad on one backend, or a peer library) provides for each workload.
 * Every factory builds its model from the harness's data (same numbers for everyone), keeps the
 * data in its own tensors (created once, untimed) and compiles whatever it compiles; the returned
 * object is then timed.
 */

/** Seconds some steps took, timed where they ran, and the loss of the last one. */
export interface TimedSteps {
  readonly seconds: number;
  readonly lastLoss: number;
}

/** One full training step per call: forward, backward, update; resolves with the step's loss on the host. */
export interface Trainer {
  step(): Promise<number>;
  /**
   * Runs `steps` steps and times them itself: an implementation in another process (PyTorch)
   * times its steps there, so the pipe to it is not counted. Without it, the harness times `step`.
   */
  timeSteps?(steps: number): Promise<TimedSteps>;
}

/** A trainer that can start again from the initial parameters (W5 times whole training runs). */
export interface ResettableTrainer extends Trainer {
  reset(): Promise<void>;
}

/** W4: one product per call, resolved with C on the host. */
export interface Multiplier {
  multiply(): Promise<Float32Array>;
  /** Runs `count` products and returns the seconds they took, timed where they ran (see Trainer.timeSteps). */
  timeProducts?(count: number): Promise<number>;
}

/** Peak memory of a workload's run. */
export interface MemoryUse {
  /** Peak resident set size of the process that computed (the kernel's count, `ru_maxrss`). */
  readonly peakRssBytes: number;
  /** graphgrad's WASM backend: the largest planned buffer arena of the executables compiled. */
  readonly arenaBytes?: number;
}

export interface Implementation {
  readonly W1: (c: W1Config, d: W1Data) => Promise<Trainer>;
  readonly W2: (c: W2Config, d: W2Data) => Promise<Trainer>;
  readonly W3: (c: W3Config, d: W3Data) => Promise<Trainer>;
  readonly W4: (c: W4Config, d: W4Data) => Promise<Multiplier>;
  readonly W5: (c: W5Config, d: W5Data) => Promise<ResettableTrainer>;
  /** Absent: this implementation does not have W6 yet (reported "not yet", not as a failure). */
  readonly W6?: (c: W6Config, d: W6Data) => Promise<Trainer>;
  /** Alternative formulations of workloads the library cannot run as is (reported separately, labelled). */
  readonly workarounds?: Partial<Pick<Implementation, WorkloadId>>;
  /** Facts worth recording with the figures (threads, SIMD features, library versions). */
  readonly notes?: () => Readonly<Record<string, string | number | boolean>>;
  /** Memory figures the worker cannot see itself (another process's peak RSS, a backend's arena). */
  readonly memory?: () => Promise<Partial<MemoryUse>>;
  /** Where the time went, as text lines, when the implementation was loaded to profile (graphgrad's WASM backend). */
  readonly profile?: () => readonly string[];
}

/** Thrown by a factory for a workload the library has no way to express. */
export class NotExpressible extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "NotExpressible";
  }
}

/** Thrown for a workload the implementation does not have yet. */
export class NotYet extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "NotYet";
  }
}

/** What a worker process reports for one (implementation, workload, variant). */
export interface Figure {
  readonly impl: string;
  readonly workload: WorkloadId;
  /** "as-is", or "workaround" (a documented reformulation, reported separately). */
  readonly variant: "as-is" | "workaround";
  /**
   * "too-slow": no result within the time limit the harness gives this (implementation, workload);
   * "not-yet": the implementation does not have this workload yet.
   */
  readonly status: "ok" | "not-expressible" | "failed" | "too-slow" | "not-yet";
  /** Why it is not expressible, the error it failed with, or the limit it ran past. */
  readonly reason?: string;
  readonly value?: number;
  readonly unit?: string;
  readonly higherIsBetter?: boolean;
  /** Timed runs the median is over, steps (or products, or training runs) per run, and each run's figure. */
  readonly runs?: number;
  readonly stepsPerRun?: number;
  readonly samples?: readonly number[];
  readonly warmup?: number;
  readonly check?: Check;
  readonly memory?: MemoryUse;
  /** Sizes that differ from the workload's standard ones (the scaling runs). */
  readonly config?: Readonly<Record<string, number>>;
  readonly notes?: Readonly<Record<string, string | number | boolean>>;
  /** The machine's 1-minute load average when the worker started and ended (other work skews figures). */
  readonly load?: { readonly start: number; readonly end: number };
  /** Seconds the whole worker spent (setup, compile, warm-up and runs). */
  readonly wallSeconds?: number;
  /** `--profile`: where the time of the runs went (text lines, one executable after another). */
  readonly profile?: readonly string[];
}

/** Numbers that must agree across implementations (the correctness guard). */
export interface Check {
  /** Loss of the first and second training steps (the second one follows one update). */
  readonly firstLoss?: number;
  readonly secondLoss?: number;
  /** W5: loss of the last step of a full training run. */
  readonly finalLoss?: number;
  /** W4: Σ |C_k|·(1 + k/N) over the flat result, in float64. */
  readonly checksum?: number;
}
