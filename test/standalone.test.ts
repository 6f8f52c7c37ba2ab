import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The repository stands alone: a clone anywhere runs, so no source, test, example or benchmark
 * may reach for files beside the repository (a `../shared` folder) or at this machine's absolute
 * paths (/work/...). Data the code needs lives in the repository, with a note of where it came from.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = ["src", "ir", "backends", "examples", "bench", "test"];
const OUTSIDE = [/\.\.[\\/]+shared(?=[\\/"'`\s]|$)/, /(^|[^\w.~-])\/work\//];
/** This file names the patterns, and is the one file allowed to. */
const SELF = fileURLToPath(import.meta.url);

/** Every file under a folder, skipping dot-folders (caches) and node_modules. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith(".") || e.name === "node_modules" ? [] : filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

/** `path:line: text` for each line that refers outside the repository. */
function outsideReferences(path: string): string[] {
  if (statSync(path).size > 8 * 1024 * 1024) return [];
  const text = readFileSync(path, "utf8");
  return text.split("\n").flatMap((line, i) => (OUTSIDE.some((re) => re.test(line)) ? [`${relative(ROOT, path)}:${i + 1}: ${line.trim()}`] : []));
}

describe("the repository stands alone", () => {
  it("the patterns catch what they are for, and not ordinary relative paths", () => {
    const hits = (line: string): boolean => OUTSIDE.some((re) => re.test(line));
    for (const bad of ['new URL("../../../shared/data/dot.csv", import.meta.url)', "readFileSync('../shared/x')", '"/work/main/examples/data.csv"', "..\\shared\\data", "cp ../shared"]) expect(hits(bad), bad).toBe(true);
    for (const good of ['import { x } from "../shared.js"', "bench/worker.ts", "./data/dot.csv", "a shared folder", "https://example.org/network/"]) expect(hits(good), good).toBe(false);
  });

  it(`no file under ${FOLDERS.join(" ")} refers to ../shared or to /work paths`, () => {
    const files = FOLDERS.flatMap((f) => filesUnder(join(ROOT, f))).filter((f) => f !== SELF);
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap(outsideReferences)).toEqual([]);
  });
});
