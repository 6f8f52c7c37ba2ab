import { describe, isRecord } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import { Tensor } from "../../ir/tensor.js";
import type { TrainState } from "../train.js";
import type { IoOptions } from "./file-system.js";

/** Argument checks of the checkpoint functions (see `src/args.ts` for the general ones). */

export function checkPath(where: string, path: unknown): asserts path is string {
  if (typeof path !== "string" || path === "") throw new GraphgradError(where, `the path must be a non-empty string, got ${describe(path)}`);
}

const FS_METHODS = ["openExclusive", "rename", "remove", "syncDirectory", "readDirectory", "readFile", "openRead"] as const;

export function checkIoOptions(where: string, options: unknown): asserts options is IoOptions {
  if (!isRecord(options)) throw new GraphgradError(where, `the options must be an object, got ${describe(options)}`);
  const fs = options["fs"];
  if (fs === undefined) return;
  if (!isRecord(fs)) throw new GraphgradError(where, `options.fs must be a file system object, got ${describe(fs)}`);
  for (const m of FS_METHODS) if (typeof fs[m] !== "function") throw new GraphgradError(where, `options.fs.${m} must be a function, got ${describe(fs[m])}`);
}

/** Metadata: an object of string values. */
export function checkMetadata(where: string, metadata: unknown, what = "metadata"): asserts metadata is Readonly<Record<string, string>> {
  if (!isRecord(metadata)) throw new GraphgradError(where, `${what} must be an object of strings, got ${describe(metadata)}`);
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== "string") throw new GraphgradError(where, `${what} '${k}' must be a string, got ${describe(v)}`);
}

/** An object of named Tensors. */
export function checkTensors(where: string, tensors: unknown, what: string): asserts tensors is Readonly<Record<string, Tensor>> {
  if (!isRecord(tensors)) throw new GraphgradError(where, `${what} must be an object of named Tensors, got ${describe(tensors)}`);
  for (const [k, t] of Object.entries(tensors)) if (!(t instanceof Tensor)) throw new GraphgradError(where, `${what}['${k}'] must be a Tensor, got ${describe(t)}`);
}

/** A train state as `trainStep` makes them: params, opt, step, ema, emaMetrics. */
export function checkState(where: string, state: unknown, what = "the state"): asserts state is TrainState {
  if (!isRecord(state)) throw new GraphgradError(where, `${what} must be a train state (from step.init or step.run), got ${describe(state)}`);
  checkTensors(where, state["params"], `${what}.params`);
  checkTensors(where, state["ema"], `${what}.ema`);
  if (typeof state["step"] !== "number" || !Number.isSafeInteger(state["step"]) || state["step"] < 0) {
    throw new GraphgradError(where, `${what}.step must be a non-negative integer, got ${describe(state["step"])}`);
  }
  if (!isRecord(state["opt"])) throw new GraphgradError(where, `${what}.opt must be an optimizer state, got ${describe(state["opt"])}`);
  const emaMetrics = state["emaMetrics"];
  if (!isRecord(emaMetrics)) throw new GraphgradError(where, `${what}.emaMetrics must be an object of numbers, got ${describe(emaMetrics)}`);
  for (const [k, v] of Object.entries(emaMetrics)) if (typeof v !== "number") throw new GraphgradError(where, `${what}.emaMetrics['${k}'] must be a number, got ${describe(v)}`);
}

export function checkDecodeArgs(bytes: unknown, like: unknown, where: unknown): asserts where is string {
  if (typeof where !== "string") throw new GraphgradError("checkpoint.decodeCheckpoint", `where must be a string, got ${describe(where)}`);
  if (!(bytes instanceof Uint8Array)) throw new GraphgradError(where, `the bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (like !== undefined) checkState(where, like, "like");
}
