import { defineConfig } from "vitest/config";
import { decideWebGpu, thisMachine } from "./test/support/webgpu-requirements.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The WebGPU suites skip, after one printed line, where the system packages they need are
    // missing; under GRAPHGRAD_REQUIRE_WEBGPU=1 that stops the run instead.
    provide: { webgpuSkip: decideWebGpu(thisMachine(), (line) => console.log(line)) },
  },
});
