/**
 * The kernel layer: what the compiled backends (WASM, WebGPU) receive. A graph with concrete
 * shapes is lowered to a kernel program (lower.ts, by the table of lowerings.ts, fusing by the
 * policy of fusion.ts, epilogues by epilogues.ts), and its buffers are laid out in one arena
 * (buffer-plan.ts).
 */
export { type BufferAlias, type BufferPlan, planBuffers } from "./buffer-plan.js";
export { type LowerOptions, lowerToKernels } from "./lower.js";
export { convKernelMatrix, type KernelMatrix } from "./lower-conv.js";
export { type Access, type BufferInfo, type CheckKernel, checkKernels, type ConvKernel, exprBuffers, failedCheck, exprLoads, exprPlacements, hasIndex, type Kernel, type KernelProgram, kernelReads, type MatmulTerm, kernelWrites, mapLoads, movePlacements, type Placement, type ScalarExpr, type StepCopy } from "./program.js";
