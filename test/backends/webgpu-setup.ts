import { existsSync } from "node:fs";
import { beforeEach, inject } from "vitest";
import type { Backend } from "../../backends/backend.js";
import { webgpu, type WebGpuBackend } from "../../backends/webgpu/index.js";
import { SWIFTSHADER_ICD } from "../support/webgpu-requirements.js";

/**
 * The WebGPU tests run on whatever adapter Dawn finds; without a GPU, on SwiftShader (Chromium's
 * software Vulkan driver, from Debian's chromium package): its ICD is selected here, for the test
 * process only, when the file exists and no ICD was chosen already.
 */
if (process.env["VK_ICD_FILENAMES"] === undefined && existsSync(SWIFTSHADER_ICD)) process.env["VK_ICD_FILENAMES"] = SWIFTSHADER_ICD;

let shared: Promise<WebGpuBackend> | undefined;

/** One backend (one device) for the test file, created on first use. */
export const sharedWebGpu = (): Promise<WebGpuBackend> => (shared ??= webgpu());

/** The shared backend as a synchronous value (the conformance suite takes one). */
export const lazyWebGpu: Backend = { name: "webgpu", compile: async (g) => (await sharedWebGpu()).compile(g) };

/**
 * Call at the top of a test file that needs WebGPU in Node: without libvulkan1 or a Vulkan driver
 * (or the npm package webgpu) its tests skip (vitest.config.ts prints what is missing); with them,
 * no adapter is a failure.
 */
export function skipWithoutWebGpu(): void {
  beforeEach(({ skip }) => {
    if (inject("webgpuSkip").node) skip();
  });
}

/** Whether this run skips WebGPU in Node (for files where WebGPU is one backend among others). */
export const webGpuSkipped = (): boolean => inject("webgpuSkip").node;
