import * as gg from "../../../src/index.js";

/**
 * graphgrad's backends, found at run time: `gg.js()` always, and `gg.wasm()` / `gg.webgpu()` as
 * soon as src/index.ts exports them (no import of a module that may not exist yet, so the bench
 * type-checks and runs before and after those backends land).
 */
export const BACKEND_NAMES = ["js", "wasm", "webgpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

function isBackend(v: unknown): v is gg.Backend {
  if (typeof v !== "object" || v === null) return false;
  const b = v as { name?: unknown; compile?: unknown };
  return typeof b.name === "string" && typeof b.compile === "function";
}

/** Options a backend factory may take (e.g. `{ threads: 1 }` for gg.wasm). */
export type BackendOptions = Readonly<Record<string, unknown>>;

/** The factory `gg[name]` if the library exports one (a factory may return the backend or a promise of it, as gg.webgpu does). */
export function backendFactory(name: BackendName): ((options?: BackendOptions) => Promise<gg.Backend>) | undefined {
  const f = (gg as Record<string, unknown>)[name];
  if (typeof f !== "function") return undefined;
  return async (options) => {
    const b: unknown = await (options === undefined ? f() : f(options));
    if (!isBackend(b)) throw new Error(`gg.${name}() did not return a backend`);
    return b;
  };
}

/** The backends this build of graphgrad exports, in a fixed order. */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter((n) => backendFactory(n) !== undefined);
}
