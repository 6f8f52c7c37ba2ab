import type { ImplInfo } from "./impls/registry.js";
import type { Figure } from "./protocol.js";
import { SCALING, SCALING_LIMIT_SECONDS, type ScalingSeries } from "./scaling.js";
import { runWorker } from "./spawn.js";

/**
 * Runs the scaling cells, size by size (so the implementations at one size run close together in
 * time), each in its own worker with the scaling plan and the cell limit. An implementation with a
 * documented workaround for the workload runs that (its as-is form fails or is too slow at the
 * standard size already). Once an implementation is too slow (or fails) at a size, its larger
 * sizes are not run but reported the same way.
 */
export type Runner = typeof runWorker;

export async function runScaling(
  impls: readonly Pick<ImplInfo, "id" | "workarounds">[],
  progress: (f: Figure) => void,
  series: readonly ScalingSeries[] = SCALING,
  run: Runner = runWorker,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const s of series) {
    const stoppedAt = new Map<string, Figure & { at: string }>();
    for (const point of s.points) {
      for (const impl of impls) {
        const workaround = impl.workarounds[s.workload] !== undefined;
        const variant = workaround ? "workaround" : "as-is";
        const stopped = stoppedAt.get(impl.id);
        if (stopped !== undefined) {
          // The same status and reason as where it stopped (one note in the report), marked as not run.
          const reason = stopped.status === "too-slow" ? `too slow at ${s.parameter} ${stopped.at} already` : (stopped.reason ?? "");
          figures.push({ impl: impl.id, workload: s.workload, variant, status: stopped.status, reason, config: point.config, notes: { notRun: `stopped at ${s.parameter} ${stopped.at}` } });
          continue;
        }
        const flags = ["--scaling", ...(workaround ? ["--workaround"] : []), "--config", JSON.stringify(point.config)];
        const f: Figure = { ...(await run(impl.id, s.workload, flags, SCALING_LIMIT_SECONDS)), config: point.config };
        figures.push(f);
        progress(f);
        if (f.status !== "ok") stoppedAt.set(impl.id, { ...f, at: point.label });
      }
    }
  }
  return figures;
}
