import type { Executable } from "../../../backends/backend.js";
import type * as gg from "../../../src/index.js";

/**
 * A backend that keeps the executables it compiles, so the bench can read the WASM backend's
 * buffer arena sizes (its executables' `stats()`, one entry per feed-shape binding). Read by
 * shape, not by type, so the bench does not depend on the backend's internals.
 */
export interface WatchedBackend {
  readonly backend: gg.Backend;
  /** The largest planned arena of any program compiled so far; undefined where the backend reports none. */
  readonly arenaBytes: () => number | undefined;
}

function arenaOf(exe: Executable): number[] {
  const stats: unknown = (exe as { stats?: unknown }).stats;
  if (typeof stats !== "function") return [];
  const all: unknown = stats.call(exe);
  if (!Array.isArray(all)) return [];
  return all.flatMap((s: unknown) => (typeof s === "object" && s !== null && typeof (s as { arenaBytes?: unknown }).arenaBytes === "number" ? [(s as { arenaBytes: number }).arenaBytes] : []));
}

export function watched(backend: gg.Backend): WatchedBackend {
  const executables: Executable[] = [];
  return {
    backend: {
      ...backend,
      name: backend.name,
      compile: async (graph, hints) => {
        const exe = await backend.compile(graph, hints);
        executables.push(exe);
        return exe;
      },
    },
    arenaBytes: () => {
      const sizes = executables.flatMap(arenaOf);
      return sizes.length === 0 ? undefined : Math.max(...sizes);
    },
  };
}
