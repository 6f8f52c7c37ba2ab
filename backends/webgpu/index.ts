import { describe, isRecord } from "../../ir/check.js";
import { GraphgradError } from "../../ir/errors.js";
import type { Backend } from "../backend.js";
import { acquireDevice, type AdapterOptions } from "./adapter.js";
import { DeviceState } from "./device.js";
import { compileWebGpu, type WebGpuExecutable } from "./executable.js";
import { GPU_TUNING, type KernelTuning, SOFTWARE_TUNING } from "./shader.js";

/**
 * The WebGPU backend: WGSL compute shaders generated at run time from the fused kernel program,
 * in the browser (`navigator.gpu`) and in Node (the `webgpu` package, Dawn). Chosen by value:
 * `backend: await webgpu()`. Numerics: see accuracy.ts (float32 only; WGSL has no float64).
 */

export interface WebGpuOptions extends AdapterOptions {
  /** Kernel shapes (default: chosen from the adapter, see shader.ts). */
  readonly tuning?: KernelTuning;
}

export interface WebGpuBackend extends Backend {
  readonly name: "webgpu";
  /** Where the device came from and what it is (e.g. "Dawn (npm webgpu) (google, swiftshader, ...)"). */
  readonly description: string;
  /** Pipelines compiled on this backend's device so far (equal kernels share one). */
  pipelinesCompiled(): number;
  compile(graph: Parameters<Backend["compile"]>[0]): Promise<WebGpuExecutable>;
}

/** A WebGPU backend on a device found as described in adapter.ts (or the one given). */
export async function webgpu(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  checkOptions(options);
  const context = await acquireDevice(options);
  const state = new DeviceState(context, options.tuning ?? (context.software ? SOFTWARE_TUNING : GPU_TUNING));
  return {
    name: "webgpu",
    description: context.description,
    pipelinesCompiled: () => state.compiled,
    compile: (graph) => compileWebGpu(graph, state),
  };
}

export type { DeviceTensor, DeviceRun, WebGpuExecutable, WebGpuProgramStats } from "./executable.js";
export { WEBGPU_ACCURACY } from "./accuracy.js";
export { GPU_TUNING, SOFTWARE_TUNING, type KernelTuning } from "./shader.js";

const OPTION_NAMES = ["device", "powerPreference", "dawnFlags", "tuning"];

function checkOptions(options: unknown): void {
  const fail = (message: string): never => {
    throw new GraphgradError("webgpu", message);
  };
  if (!isRecord(options)) return fail(`the options must be an object ({ ${OPTION_NAMES.join("?, ")}? }), got ${describe(options)}`);
  for (const k of Object.keys(options)) if (!OPTION_NAMES.includes(k)) fail(`unknown option '${k}' (options: ${OPTION_NAMES.join(", ")})`);
  const { device, powerPreference, dawnFlags, tuning } = options;
  if (device !== undefined && !(isRecord(device) && typeof device["createBuffer"] === "function")) fail(`device must be a GPUDevice, got ${describe(device)}`);
  if (powerPreference !== undefined && powerPreference !== "low-power" && powerPreference !== "high-performance") {
    fail(`powerPreference must be 'low-power' or 'high-performance', got ${describe(powerPreference)}`);
  }
  if (dawnFlags !== undefined && !(Array.isArray(dawnFlags) && dawnFlags.every((f) => typeof f === "string"))) fail(`dawnFlags must be an array of strings, got ${describe(dawnFlags)}`);
  if (tuning !== undefined && !isRecord(tuning)) fail(`tuning must be an object, got ${describe(tuning)}`);
}
