import { acquireDevice } from "./adapter.js";
import { DeviceState } from "./device.js";
import { compileWebGpu } from "./executable.js";
import { GPU_TUNING, SOFTWARE_TUNING } from "./shader.js";
async function webgpu(options = {}) {
  const context = await acquireDevice(options);
  const state = new DeviceState(context, options.tuning ?? (context.software ? SOFTWARE_TUNING : GPU_TUNING));
  return {
    name: "webgpu",
    description: context.description,
    pipelinesCompiled: () => state.compiled,
    compile: (graph) => compileWebGpu(graph, state)
  };
}
import { WEBGPU_ACCURACY } from "./accuracy.js";
import { GPU_TUNING as GPU_TUNING2, SOFTWARE_TUNING as SOFTWARE_TUNING2 } from "./shader.js";
export {
  GPU_TUNING2 as GPU_TUNING,
  SOFTWARE_TUNING2 as SOFTWARE_TUNING,
  WEBGPU_ACCURACY,
  webgpu
};
