import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { MnistConfig } from "./config.js";
import type { MnistEpoch, MnistResult } from "./train.js";

/**
 * A run's figures as `npm run mnist -- --json FILE` writes them: the configuration, the test
 * accuracy, the time, every epoch's figures and every step's training loss, with where and when it
 * ran. `FULL_RUN` is the full run the README reports, kept in the repository so that the report
 * `npm start` writes can show it without spending minutes on it.
 */
export const FULL_RUN = fileURLToPath(new URL("./full-run.json", import.meta.url));

export interface MnistRecord {
  readonly config: MnistConfig;
  readonly backend: string;
  readonly trainSize: number;
  readonly testSize: number;
  readonly testAccuracy: number;
  /** Training and test passes (not loading the data), seconds. */
  readonly seconds: number;
  readonly history: readonly MnistEpoch[];
  readonly stepLosses: readonly number[];
  /** ISO date, Node version, CPU model and count, 1-minute load average before and after. */
  readonly machine: { readonly date: string; readonly node: string; readonly cpu: string; readonly cpus: number; readonly loadBefore: number; readonly loadAfter: number };
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export function recordOf(r: MnistResult, loadBefore: number): MnistRecord {
  return {
    config: r.config,
    backend: r.backend,
    trainSize: r.trainSize,
    testSize: r.testSize,
    testAccuracy: r.testAccuracy,
    seconds: round(r.seconds, 1),
    history: r.history.map((e) => ({ ...e, seconds: round(e.seconds, 1) })),
    stepLosses: r.stepLosses.map((l) => round(l, 5)),
    machine: { date: new Date().toISOString().slice(0, 10), node: process.version, cpu: cpus()[0]?.model ?? "unknown", cpus: cpus().length, loadBefore: round(loadBefore, 2), loadAfter: round(loadavg()[0] ?? 0, 2) },
  };
}

function fail(path: string, what: string): never {
  throw new Error(`${path}: ${what}`);
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === "object" && v !== null && !Array.isArray(v);
const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));

/** Reads and checks a record written by `--json`. */
export function readRecord(path: string = FULL_RUN): MnistRecord {
  const json: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (!isRecord(json)) fail(path, "not a JSON object");
  for (const k of ["trainSize", "testSize", "testAccuracy", "seconds"]) if (typeof json[k] !== "number") fail(path, `'${k}' must be a number`);
  if (!isRecord(json["config"]) || typeof json["config"]["epochs"] !== "number") fail(path, "'config' must hold the configuration");
  if (!isRecord(json["machine"]) || typeof json["machine"]["date"] !== "string") fail(path, "'machine' must say where and when the run was");
  if (!numbers(json["stepLosses"])) fail(path, "'stepLosses' must be a list of numbers");
  const history = json["history"];
  const fields = ["epoch", "loss", "accuracy", "testLoss", "testAccuracy", "seconds"];
  if (!Array.isArray(history) || history.length !== json["config"]["epochs"] || !history.every((e) => isRecord(e) && fields.every((f) => typeof e[f] === "number"))) {
    fail(path, `'history' must have one record per epoch with ${fields.join(", ")}`);
  }
  return json as unknown as MnistRecord;
}
