import { allImpls, type ImplInfo } from "./impls/registry.js";
import { isWorkloadId, type Mode, WORKLOAD_IDS, type WorkloadId } from "./workloads.js";

/**
 * `npm run bench -- [--workloads W1,W4] [--impls gg-js,jax-wasm] [--quick] [--out file]
 *  [--report dir] [--timeout seconds] [--no-reference] [--scaling | --no-scaling]`
 * --impls takes ids, or `gg` (every graphgrad backend) and `peers`. The full run has the main
 * table and the scaling section; --quick only the main table; --scaling only the scaling section.
 * --profile: graphgrad's WASM backend times every kernel (`wasm({ profile: true })`) and each of
 * its figures is followed by where the time went (its figures then include the profiling's cost).
 */
export interface Options {
  readonly workloads: WorkloadId[];
  readonly impls: ImplInfo[];
  readonly mode: Mode;
  readonly out: string;
  /** Seconds a worker may take before it is stopped and reported as failed. */
  readonly timeoutSeconds: number;
  /** Run gg-js for the correctness numbers when it is not among the timed implementations. */
  readonly reference: boolean;
  /** The sections to run: the workloads table, and how cost grows (bench/scaling.ts). */
  readonly main: boolean;
  readonly scaling: boolean;
  /** Where the report (README.md and the scaling SVGs) is written. */
  readonly reportDir: string;
  /** Time every kernel of graphgrad's WASM backend and print where each run's time goes (`wasm({ profile: true })`). */
  readonly profile: boolean;
}

export const USAGE =
  "usage: npm run bench -- [--workloads W1,W2,...] [--impls gg-js,gg-wasm,tfjs-cpu,tfjs-wasm,jax-wasm,torch,torch-1t|gg|peers] [--quick] [--out bench/results.json] [--report bench/report] [--timeout 420] [--no-reference] [--scaling | --no-scaling] [--profile]";

function list(v: string | undefined, flag: string): string[] {
  if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a comma-separated list\n${USAGE}`);
  return v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

export function parseArgs(argv: readonly string[]): Options {
  const known = allImpls();
  let workloads: WorkloadId[] = [...WORKLOAD_IDS];
  let impls = known;
  let mode: Mode = "full";
  let out = "bench/results.json";
  let timeoutSeconds = 420;
  let reference = true;
  let scaling: "default" | "only" | "skip" = "default";
  let reportDir = "bench/report";
  let profile = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") mode = "quick";
    else if (a === "--no-reference") reference = false;
    else if (a === "--scaling") scaling = "only";
    else if (a === "--no-scaling") scaling = "skip";
    else if (a === "--profile") profile = true;
    else if (a === "--report") {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--report needs a directory\n${USAGE}`);
      reportDir = v;
    }
    else if (a === "--workloads") {
      const ws = list(argv[++i], a);
      const bad = ws.filter((w) => !isWorkloadId(w));
      if (bad.length > 0) throw new Error(`unknown workload(s) ${bad.join(", ")}; known: ${WORKLOAD_IDS.join(", ")}`);
      workloads = WORKLOAD_IDS.filter((w) => ws.includes(w));
    } else if (a === "--impls") {
      const ids = list(argv[++i], a);
      const pick = (id: string): ImplInfo[] => {
        if (id === "gg") return known.filter((k) => k.kind === "graphgrad");
        if (id === "peers") return known.filter((k) => k.kind === "peer");
        const found = known.find((k) => k.id === id);
        if (found === undefined) throw new Error(`unknown or unavailable implementation '${id}'; available: ${known.map((k) => k.id).join(", ")}`);
        return [found];
      };
      const chosen = new Set(ids.flatMap(pick).map((k) => k.id));
      impls = known.filter((k) => chosen.has(k.id));
    } else if (a === "--out") {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--out needs a path\n${USAGE}`);
      out = v;
    } else if (a === "--timeout") {
      timeoutSeconds = Number(argv[++i]);
      if (!(timeoutSeconds > 0)) throw new Error(`--timeout needs a positive number of seconds\n${USAGE}`);
    } else if (a === "--help" || a === "-h") {
      throw new Error(USAGE);
    } else {
      throw new Error(`unknown argument '${a}'\n${USAGE}`);
    }
  }
  const withScaling = scaling === "only" || (scaling === "default" && mode === "full");
  return { workloads, impls, mode, out, timeoutSeconds, reference, main: scaling !== "only", scaling: withScaling, reportDir, profile };
}
