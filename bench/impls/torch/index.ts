import { fileURLToPath } from "node:url";
import type { Implementation, ResettableTrainer, TimedSteps } from "../../protocol.js";
import type { WorkloadId } from "../../workloads.js";
import { encodeData } from "./encode.js";
import { type PythonPipe, type Reply, startPython } from "./pipe.js";
import { pythonEnv, pythonPath } from "./python.js";

/**
 * PyTorch (CPU) as a peer: the workloads are written in Python (bench/impls/torch/w*.py) and run in
 * a Python worker this process starts; the data crosses the pipe as raw float32 bytes, and steps
 * are timed inside Python (so the pipe is not counted), with the same plans as everyone else.
 */
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCRIPT = "bench/impls/torch/worker.py";

function numberField(r: Reply, field: string): number {
  const v = r.message[field];
  if (typeof v !== "number") throw new Error(`torch worker: reply without a number '${field}': ${JSON.stringify(r.message)}`);
  return v;
}

/** The worker's notes (what it runs on), keeping the plain values. */
function primitives(v: unknown): Record<string, string | number | boolean> {
  if (typeof v !== "object" || v === null) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string | number | boolean] => ["string", "number", "boolean"].includes(typeof e[1])));
}

/** Sends a request; a reply carrying "error" becomes an exception. */
async function ask(pipe: PythonPipe, message: Readonly<Record<string, unknown>>, payload?: readonly Uint8Array[]): Promise<Reply> {
  const r = await pipe.request(message, payload);
  const error = r.message["error"];
  if (typeof error === "string") throw new Error(`torch: ${error}`);
  return r;
}

/** A loss; the worker sends a non-finite one (a diverged run) as null, since JSON has no NaN. */
function lossField(r: Reply, field: string): number {
  const v = r.message[field];
  return v === null ? Number.NaN : numberField(r, field);
}

function trainer(pipe: PythonPipe): ResettableTrainer {
  return {
    step: async () => lossField(await ask(pipe, { op: "step" }), "loss"),
    timeSteps: async (steps): Promise<TimedSteps> => {
      const r = await ask(pipe, { op: "time", steps });
      return { seconds: numberField(r, "seconds"), lastLoss: lossField(r, "lastLoss") };
    },
    reset: async () => {
      await ask(pipe, { op: "reset" });
    },
  };
}

export async function torch(threads: number): Promise<Implementation> {
  const pipe = await startPython(pythonPath(), SCRIPT, [`${threads}`], pythonEnv(threads), ROOT);
  const notes = primitives(pipe.hello.message["notes"]);
  const load = async (workload: WorkloadId, config: unknown, data: unknown): Promise<void> => {
    const { skeleton, payload } = encodeData(data);
    await ask(pipe, { op: "load", workload, config, data: skeleton }, payload);
  };
  const train = async (workload: WorkloadId, config: unknown, data: unknown): Promise<ResettableTrainer> => {
    await load(workload, config, data);
    return trainer(pipe);
  };
  return {
    W1: (c, d) => train("W1", c, d),
    W2: (c, d) => train("W2", c, d),
    W3: (c, d) => train("W3", c, d),
    W4: async (c, d) => {
      await load("W4", c, d);
      return {
        multiply: async () => {
          const { bytes } = await ask(pipe, { op: "multiply" });
          if (bytes === undefined) throw new Error("torch: W4 product came back empty");
          return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        },
        timeProducts: async (count) => numberField(await ask(pipe, { op: "timeProducts", count }), "seconds"),
      };
    },
    W5: (c, d) => train("W5", c, d),
    W6: (c, d) => train("W6", c, d),
    notes: () => notes,
    memory: async () => ({ peakRssBytes: numberField(await ask(pipe, { op: "memory" }), "peakRssBytes") }),
  };
}
