import type { W1Data, W2Data, W3Data, W4Data, W5Data } from "./data/datasets.js";
import type { W1Config, W2Config, W3Config, W4Config, W5Config, WorkloadId } from "./workloads.js";

/**
 * What an implementation (graphgrad on one backend, or a peer library) provides for each workload.
 * Every factory builds its model from the harness's data (same numbers for everyone), keeps the
 * data in its own tensors (created once, untimed) and compiles whatever it compiles; the returned
 * object is then timed.
 */

/** One full training step per call: forward, backward, update; resolves with the step's loss on the host. */
export interface Trainer {
  step(): Promise<number>;
}

/** A trainer that can start again from the initial parameters (W5 times whole training runs). */
export interface ResettableTrainer extends Trainer {
  reset(): Promise<void>;
}

/** W4: one product per call, resolved with C on the host. */
export interface Multiplier {
  multiply(): Promise<Float32Array>;
}

export interface Implementation {
  readonly W1: (c: W1Config, d: W1Data) => Promise<Trainer>;
  readonly W2: (c: W2Config, d: W2Data) => Promise<Trainer>;
  readonly W3: (c: W3Config, d: W3Data) => Promise<Trainer>;
  readonly W4: (c: W4Config, d: W4Data) => Promise<Multiplier>;
  readonly W5: (c: W5Config, d: W5Data) => Promise<ResettableTrainer>;
  /** Alternative formulations of workloads the library cannot run as is (reported separately, labelled). */
  readonly workarounds?: Partial<Pick<Implementation, "W1" | "W2" | "W3" | "W4" | "W5">>;
  /** Facts worth recording with the figures (threads, SIMD features, library versions). */
  readonly notes?: () => Readonly<Record<string, string | number | boolean>>;
}

/** Thrown by a factory for a workload the library has no way to express. */
export class NotExpressible extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "NotExpressible";
  }
}

/** What a worker process reports for one (implementation, workload, variant). */
export interface Figure {
  readonly impl: string;
  readonly workload: WorkloadId;
  /** "as-is", or "workaround" (a documented reformulation, reported separately). */
  readonly variant: "as-is" | "workaround";
  /** "too-slow": no result within the time limit the harness gives this (implementation, workload). */
  readonly status: "ok" | "not-expressible" | "failed" | "too-slow";
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
  readonly notes?: Readonly<Record<string, string | number | boolean>>;
  /** The machine's 1-minute load average when the worker started and ended (other work skews figures). */
  readonly load?: { readonly start: number; readonly end: number };
  /** Seconds the whole worker spent (setup, compile, warm-up and runs). */
  readonly wallSeconds?: number;
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
