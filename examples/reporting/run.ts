import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import * as gg from "../../src/index.js";
import { htmlPage, type Section } from "./html.js";
import { charTransformerDemo } from "./sections/char-transformer.js";
import { dotDemo } from "./sections/dot.js";
import { irisDemo } from "./sections/iris.js";
import { mnistDemo } from "./sections/mnist.js";
import { ptbDemo } from "./sections/ptb.js";
import { recipesDemo } from "./sections/recipes.js";
import { seq2seqDemo } from "./sections/seq2seq.js";
import type { Demo } from "./types.js";

/**
 * The main demo (`npm start`): the example programs one after the other, each printing its progress,
 * then a report folder with `index.html` (tables and inline SVG plots, the SVGs also written as
 * files beside it).
 */
export const DEMOS: readonly Demo[] = [recipesDemo, irisDemo, dotDemo, ptbDemo(), seq2seqDemo, mnistDemo, charTransformerDemo];

export interface ReportOptions {
  /** Small configurations of every demo (seconds in all), for tests. */
  readonly quick?: boolean;
  /** Default "report" (relative to the working directory). */
  readonly outDir?: string;
  /** Default: WebAssembly. */
  readonly backend?: gg.Backend;
  readonly log?: (line: string) => void;
  readonly demos?: readonly Demo[];
}

export interface ReportResult {
  /** The page's absolute path. */
  readonly page: string;
  readonly files: readonly string[];
  readonly sections: readonly Section[];
  readonly summary: readonly string[];
  readonly seconds: number;
}

export async function runReport(options: ReportOptions = {}): Promise<ReportResult> {
  const { quick = false, log = console.log, demos = DEMOS } = options;
  const outDir = resolve(options.outDir ?? "report");
  const backend = options.backend ?? gg.wasm();
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, content: string): string => {
    writeFileSync(join(outDir, name), content);
    files.push(name);
    return name;
  };
  const start = performance.now();
  log(`graphgrad demos: machine-learning models as pure, immutable expression graphs (backend ${backend.name}${quick ? ", quick configurations" : ""}).`);
  const sections: Section[] = [];
  const summary: string[] = [];
  for (const [i, demo] of demos.entries()) {
    log("");
    log(`== ${i + 1}/${demos.length}. ${demo.title} ==`);
    log(demo.description);
    log("");
    const t = performance.now();
    const out = await demo.run({ quick, outDir, backend, log, write });
    const seconds = (performance.now() - t) / 1000;
    log(`(${seconds.toFixed(1)} s)`);
    sections.push({ id: demo.id, title: demo.title, description: demo.description, body: out.body, seconds });
    summary.push(`${out.summary} (${seconds.toFixed(1)} s)`);
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const page = write(
    "index.html",
    htmlPage({
      title: "graphgrad demos",
      intro: [
        "Each model below is a pure expression graph; every training step (forward, gradient, clipping, optimizer update) is one compiled graph run by the " +
          `${backend.name} backend.${quick ? " Quick configurations (fewer epochs and steps), as the tests run them." : ""}`,
        `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}; ${seconds.toFixed(1)} s in all.`,
      ],
      sections,
      footer: "Written by npm start (examples/main.ts).",
    }),
  );
  return { page: join(outDir, page), files, sections, summary, seconds };
}
