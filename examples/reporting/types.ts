import type * as gg from "../../src/index.js";

/** What every demo of the report gets. */
export interface DemoContext {
  /** The small configuration (seconds instead of minutes), for tests. */
  readonly quick: boolean;
  /** The report folder (exists). */
  readonly outDir: string;
  readonly backend: gg.Backend;
  readonly log: (line: string) => void;
  /** Writes a file into the report folder; returns its name relative to the page. */
  readonly write: (name: string, content: string) => string;
}

/** What a demo returns: the HTML of its section and one line for the printed summary. */
export interface DemoOutput {
  readonly body: readonly string[];
  readonly summary: string;
}

export interface Demo {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly run: (ctx: DemoContext) => Promise<DemoOutput>;
}
