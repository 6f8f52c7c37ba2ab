import { buildSync } from "esbuild";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * Every library module can be loaded first, and the library has no import cycles. The modules
 * are compiled one to one (as tsc does: type-only imports erased, ES modules kept) into a
 * scratch folder; then each is imported first in a fresh worker thread (its own module graph,
 * as in a fresh process), and the value-import graph of the compiled files is checked acyclic.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "node_modules", ".cache", "graphgrad-modules");
const LIBRARY = ["src", "ir", "backends"];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(join(root, p)).isDirectory()) return sources(p);
    return f.endsWith(".ts") && !f.endsWith(".d.ts") ? [p] : [];
  });
}

const modules = LIBRARY.flatMap(sources);
const compiled = (m: string): string => join(out, m.replace(/\.ts$/, ".js"));

/** Imports `file` first in a fresh worker: undefined, or the error it threw while loading. */
function loadFirst(file: string): Promise<string | undefined> {
  const url = JSON.stringify(pathToFileURL(file).href);
  return new Promise((done) => {
    let message: string | undefined;
    const w = new Worker(`import(${url}).then(() => process.exit(0), (e) => { require("node:worker_threads").parentPort.postMessage(String(e && e.stack || e)); process.exit(1); });`, { eval: true });
    w.on("message", (m: string) => (message = m));
    w.on("error", (e) => (message = String(e)));
    w.on("exit", (code) => done(code === 0 ? undefined : (message ?? `exit code ${code}`)));
  });
}

/** Relative imports and re-exports of a compiled module (type-only ones are already erased). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|(?:^|\n)\s*import\s*"(\.[^"]+)"/g)].map((m) => (m[1] ?? m[2]) as string);
  return specs.map((s) => resolve(dirname(file), s));
}

describe("library modules", () => {
  beforeAll(() => {
    rmSync(out, { recursive: true, force: true });
    buildSync({ entryPoints: modules.map((m) => join(root, m)), outdir: out, outbase: root, format: "esm", platform: "node", logLevel: "error" });
  });

  it("each one loads first, in a module graph of its own", async () => {
    const failures: string[] = [];
    const queue = [...modules];
    const runner = async (): Promise<void> => {
      for (let m = queue.shift(); m !== undefined; m = queue.shift()) {
        const error = await loadFirst(compiled(m));
        if (error !== undefined) failures.push(`${m}: ${error.split("\n")[0] ?? ""}`);
      }
    };
    await Promise.all([runner(), runner(), runner()]);
    expect(failures).toEqual([]);
    expect(modules.length).toBeGreaterThan(100);
  }, 120_000);

  it("no import cycles: the graph of value imports between library modules is acyclic", () => {
    const graph = new Map(modules.map((m) => [compiled(m), relativeImports(compiled(m))] as const));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(out, p)).join(" -> "));
        return;
      }
      state.set(f, "open");
      for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, "done");
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
    // The check sees the imports (a module graph with no edges would pass trivially).
    expect([...graph.values()].reduce((a, deps) => a + deps.length, 0)).toBeGreaterThan(200);
  });
});
