import type { Executable } from "../../../backends/backend.js";
import { formatProfile, type WasmProfile } from "../../../backends/wasm/profile.js";
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
  /** The profiles of the programs that ran (a WASM backend made with `profile: true`), as text lines; empty otherwise. */
  readonly profiles: () => string[];
}

/** An executable's stats() entries (one per program), or none. */
function statsOf(exe: Executable): object[] {
  const stats: unknown = (exe as { stats?: unknown }).stats;
  if (typeof stats !== "function") return [];
  const all: unknown = stats.call(exe);
  return Array.isArray(all) ? all.filter((s: unknown): s is object => typeof s === "object" && s !== null) : [];
}

function arenaOf(exe: Executable): number[] {
  return statsOf(exe).flatMap((s) => (typeof (s as { arenaBytes?: unknown }).arenaBytes === "number" ? [(s as { arenaBytes: number }).arenaBytes] : []));
}

function profilesOf(exe: Executable): WasmProfile[] {
  return statsOf(exe).flatMap((s) => {
    const p: unknown = (s as { profile?: unknown }).profile;
    return typeof p === "object" && p !== null && typeof (p as { runs?: unknown }).runs === "number" && Array.isArray((p as { entries?: unknown }).entries) ? [p as WasmProfile] : [];
  });
}

/** Labels shown per program's profile (most time first). */
const PROFILE_LINES = 25;

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
    profiles: () =>
      executables
        .flatMap(profilesOf)
        .filter((p) => p.runs > 0)
        .flatMap((p, i) => [`program ${i + 1}: ${formatProfile(p, PROFILE_LINES)[0] as string}`, ...formatProfile(p, PROFILE_LINES).slice(1)]),
  };
}
