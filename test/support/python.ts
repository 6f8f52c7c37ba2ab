import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The Python interpreter for tests that read graphgrad's files with another tool's own reader:
 * `GRAPHGRAD_PYTHON`, else the repository's `.venv/bin/python` (what `.ci/run` sets up). Without it,
 * or without the module, the tests are skipped with one printed line; with GRAPHGRAD_REQUIRE_PYTHON=1
 * (set by `.ci/run`) they fail instead.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const REQUIRE_PYTHON = process.env["GRAPHGRAD_REQUIRE_PYTHON"] === "1";

export interface PythonCheck {
  /** The interpreter, when it imports `module`. */
  readonly python: string | undefined;
  /** Why not, with how to set it up. */
  readonly missing: string | undefined;
}

export function pythonWith(module: string, setup: string): PythonCheck {
  const python = process.env["GRAPHGRAD_PYTHON"] ?? join(ROOT, ".venv", "bin", "python");
  if (!existsSync(python)) return { python: undefined, missing: `${python} not found; set up with: ${setup}` };
  const r = spawnSync(python, ["-c", `import ${module}`], { encoding: "utf8" });
  if (r.status !== 0) return { python: undefined, missing: `${python} cannot import ${module} (${(r.stderr || r.error?.message || "").trim().split("\n").pop()}); set up with: ${setup}` };
  return { python, missing: undefined };
}
