import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A project of a user's own, outside the repository, depending on graphgrad as npm installs it:
 * `npm pack` of this repository (which runs the `prepare` script, the dist/ build), the tarball
 * installed offline into a new folder under the system's temporary folder, together with
 * graphgrad's dependencies and the packages the project asks for, each packed from this
 * repository's node_modules (the versions its lockfile pinned). Tools the project only runs
 * (vitest, typescript) are linked to this repository's copies rather than packed with their
 * dependency trees.
 */

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Manifest {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Runs a command; on failure the error carries its output. */
export function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, [...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}

/** The named packages and everything they depend on, as this repository installed them. */
function closure(names: readonly string[], seen = new Set<string>()): string[] {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    closure(Object.keys(manifest(join(ROOT, "node_modules", name)).dependencies ?? {}), seen);
  }
  return [...seen];
}

export interface ConsumerProject {
  /** The project's folder (package.json, node_modules). */
  readonly dir: string;
  /** Removes the project and its scratch folders. */
  readonly remove: () => void;
}

/**
 * A new project with graphgrad and `packages` installed (offline, from tarballs) and `tools`
 * linked into its node_modules.
 */
export function consumerProject(options: { readonly packages?: readonly string[]; readonly tools?: readonly string[] } = {}): ConsumerProject {
  const work = mkdtempSync(join(tmpdir(), "graphgrad-consumer-"));
  const tarballs = join(work, "tarballs");
  const dir = join(work, "app");
  mkdirSync(tarballs);
  mkdirSync(dir);
  const pack = (folders: readonly string[], scripts: boolean): string[] =>
    run(NPM, ["pack", "--silent", "--pack-destination", tarballs, ...(scripts ? [] : ["--ignore-scripts"]), ...folders], ROOT)
      .trim()
      .split("\n")
      .map((f) => join(tarballs, f.trim()));
  const [graphgrad] = pack([ROOT], true) as [string];
  const deps = closure([...Object.keys(manifest(ROOT).dependencies ?? {}), ...(options.packages ?? [])]);
  const depTarballs = pack(deps.map((d) => join(ROOT, "node_modules", d)), false);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-model", private: true, type: "module" }));
  run(NPM, ["install", "--offline", "--no-audit", "--no-fund", "--silent", "--omit=optional", graphgrad, ...depTarballs], dir);
  for (const tool of options.tools ?? []) symlinkSync(join(ROOT, "node_modules", tool), join(dir, "node_modules", tool), "dir");
  return { dir, remove: () => rmSync(work, { recursive: true, force: true }) };
}
