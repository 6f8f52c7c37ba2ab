import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The written report: `<dir>/README.md` (what the run printed, as Markdown, with the scaling SVGs
 * embedded) and the SVG files next to it. Returns the paths written.
 */
export function writeReport(dir: string, o: { heading: string; main: readonly string[]; scaling: readonly string[]; svgs: ReadonlyMap<string, string> }): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, svg] of o.svgs) {
    const file = path.join(dir, name);
    writeFileSync(file, svg);
    written.push(file);
  }
  const parts = [`# graphgrad bench report`, "", o.heading, ""];
  if (o.main.length > 0) parts.push("## Workloads", "", ...o.main, "");
  if (o.scaling.length > 0) {
    parts.push("## How cost grows", "", ...[...o.svgs.keys()].map((name) => `![${name}](${name})`), ...o.scaling, "");
  }
  const readme = path.join(dir, "README.md");
  writeFileSync(readme, `${parts.join("\n")}\n`);
  written.push(readme);
  return written;
}
