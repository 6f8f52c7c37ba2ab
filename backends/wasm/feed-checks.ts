import type { GraphgradError } from "../../ir/errors.js";
import { type CheckKernel, checkKernels, failedCheck, type KernelProgram } from "../../ir/kernel/index.js";

/**
 * A program's index checks when each reads a feed (an input buffer) and none is inside a loop:
 * the host can then validate the fed indices before the run, so a run that would fail fails
 * before it writes anything. Undefined when a check reads a computed buffer.
 */
export function feedChecks(program: KernelProgram): readonly CheckKernel[] | undefined {
  const top = program.kernels.filter((k): k is CheckKernel => k.kind === "checkIndex");
  if (top.length !== checkKernels(program.kernels).length) return undefined;
  return top.every((k) => program.buffers[k.indices]?.role === "input") ? top : undefined;
}

/** The error `failedCheck` would give after the run, from the fed indices (`indices(check)`), or undefined when all lie in range. */
export function checkFeeds(checks: readonly CheckKernel[], indices: (k: CheckKernel) => Int32Array): GraphgradError | undefined {
  for (const k of checks) {
    const ix = indices(k);
    for (let i = 0; i < ix.length; i++) {
      const v = ix[i] as number;
      if (v < 0 || v >= k.size) return failedCheck([k], () => [i + 1, v]);
    }
  }
  return undefined;
}
