import { planBuffers } from "./buffer-plan.js";
import { lowerToKernels } from "./lower.js";
import { exprBuffers, exprLoads, kernelReads, kernelWrites, mapLoads } from "./program.js";
export {
  exprBuffers,
  exprLoads,
  kernelReads,
  kernelWrites,
  lowerToKernels,
  mapLoads,
  planBuffers
};
