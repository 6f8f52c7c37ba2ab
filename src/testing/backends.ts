import type { Backend } from "../../backends/backend.js";
import { js } from "../../backends/js/index.js";
import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { formatShape } from "../../ir/shape.js";
import type { Tensor } from "../../ir/tensor.js";
import { type BackendFeeds, type BackendSubject, feedTensors, subjectGraph } from "./backend-subject.js";
import { CheckFailure } from "./failure.js";
import { ulpDistance } from "./ulps.js";

/** A backend's results, by output name. */
export type Results = Readonly<Record<string, Tensor>>;

export interface CheckBackendsOptions {
  /** The backends to check (`gg.wasm()`, `await gg.webgpu()`, yours). */
  readonly backends: readonly Backend[];
  /** What they are compared with; default the JS reference backend, `gg.js()`. */
  readonly reference?: Backend;
  /**
   * The most ULPs (representable values) an element may be from the reference's: one number for
   * every output, or one per output name (others: 0). Default 0, bit for bit (+0 and −0 count as
   * equal, as do two NaNs). For int32 and bool outputs a ULP is 1.
   */
  readonly ulps?: number | Readonly<Record<string, number>>;
  /**
   * An absolute difference accepted besides the ULPs: one number, or per output name a number or
   * a bound per element computed from the reference's results (a sum's error bound from a sum of
   * magnitudes the graph also outputs, say) and the index of the feed set (0 for a single set).
   * Default 0.
   */
  readonly atol?: number | Readonly<Record<string, number | ((element: number, reference: Results, run: number) => number)>>;
  /**
   * A run the reference rejects (an index out of range, say): `"throw"` (the default) throws the
   * reference's error; `"compare"` requires every backend to reject the same feeds with the same
   * message, and to run the other feed sets as usual on the same executable afterwards.
   */
  readonly rejections?: "throw" | "compare";
}

/** The worst element of one output on one backend: its distance in ULPs and both values. */
export interface OutputDifference {
  readonly ulps: number;
  readonly element: number;
  readonly got: number;
  readonly want: number;
  readonly dtype: DType;
  /** Which of the feeds (0 for a single set). */
  readonly run: number;
}

export interface BackendReport {
  readonly backend: string;
  readonly outputs: Readonly<Record<string, OutputDifference>>;
}

/**
 * Runs one graph on several backends and on the reference, with the same feeds (one set, or a
 * list run in turn on one executable per backend), and measures per output the worst difference
 * in ULPs from the reference. Returns the report; throws a `CheckFailure` listing every output
 * beyond its bound (`ulps`, or `atol` where given), and with `rejections: "compare"` every run
 * a backend rejects differently from the reference. The graph is compiled as given, without
 * `gg.compile`'s passes, so each backend lowers the same ops.
 */
export async function checkBackends<K extends string>(subject: BackendSubject<K>, feeds: BackendFeeds<K> | readonly BackendFeeds<K>[], options: CheckBackendsOptions): Promise<BackendReport[]> {
  const feedSets: readonly BackendFeeds<K>[] = Array.isArray(feeds) ? feeds : [feeds as BackendFeeds<K>];
  if (feedSets.length === 0) throw new GraphgradError("checkBackends", "feeds must be one set of feeds or a non-empty list of them");
  if (!Array.isArray(options?.backends) || options.backends.length === 0) throw new GraphgradError("checkBackends", "options.backends must list at least one backend");
  const rejections = options.rejections ?? "throw";
  if (rejections !== "throw" && rejections !== "compare") throw new GraphgradError("checkBackends", `options.rejections must be "throw" or "compare", got ${JSON.stringify(rejections)}`);
  const g = subjectGraph(subject, feedSets);
  const runs = feedSets.map((f) => feedTensors(g, f));
  const reference = await (options.reference ?? js()).compile(g);
  const want: Outcome[] = [];
  for (const f of runs) want.push(rejections === "compare" ? await outcome(reference.run(f)) : await reference.run(f));
  const names = uniqueNames(options.backends);
  const reports: BackendReport[] = [];
  const failures: string[] = [];
  for (const [b, backend] of options.backends.entries()) {
    const exe = await backend.compile(g);
    const outputs: Record<string, OutputDifference> = {};
    for (const [r, f] of runs.entries()) {
      const expected = want[r] as Outcome;
      const got = rejections === "compare" ? await outcome(exe.run(f)) : await exe.run(f);
      const mismatch = sameRejection(got, expected);
      if (mismatch !== undefined) failures.push(`${names[b]}: feeds ${r}: ${mismatch}`);
      if (got instanceof Rejection || expected instanceof Rejection) continue;
      for (const [name, w] of Object.entries(expected)) {
        const bound = ulpsOf(options.ulps, name);
        const diff = compareOutput(got[name], w, { name, run: r, backend: names[b] as string, ulps: bound, atol: (i) => atolOf(options.atol, name, i, expected, r) });
        if (typeof diff === "string") {
          failures.push(diff);
          continue;
        }
        const { worst, beyond } = diff;
        if (beyond !== undefined) {
          failures.push(`${names[b]}: output '${name}'${runs.length > 1 ? ` (feeds ${r})` : ""} element ${beyond.element} is ${beyond.got}, the reference gives ${beyond.want}: ${beyond.ulps} ULPs (${beyond.dtype}) > ${bound}`);
        }
        const seen = outputs[name];
        if (seen === undefined || worst.ulps > seen.ulps) outputs[name] = worst;
      }
    }
    reports.push({ backend: names[b] as string, outputs });
  }
  if (failures.length > 0) throw new CheckFailure("checkBackends", failures.join("\n"));
  return reports;
}

/** A run's error, kept to be compared (`rejections: "compare"`). */
class Rejection {
  constructor(readonly message: string) {}
}

type Outcome = Results | Rejection;

async function outcome(run: Promise<Results>): Promise<Outcome> {
  return run.then(
    (r) => r,
    (e: unknown) => new Rejection(e instanceof Error ? e.message : String(e)),
  );
}

/** What differs between a backend's outcome and the reference's when either rejected the run. */
function sameRejection(got: Outcome, want: Outcome): string | undefined {
  if (want instanceof Rejection) {
    if (!(got instanceof Rejection)) return `the reference rejects them ("${want.message}"), the backend runs them`;
    return got.message === want.message ? undefined : `rejected with "${got.message}", the reference with "${want.message}"`;
  }
  return got instanceof Rejection ? `rejected with "${got.message}", the reference runs them` : undefined;
}

interface Where {
  readonly name: string;
  readonly run: number;
  readonly backend: string;
  readonly ulps: number;
  readonly atol: (element: number) => number;
}

/** The element furthest (in ULPs) from the reference's, and the furthest beyond both bounds; a message when dtype or shape differ. */
function compareOutput(got: Tensor | undefined, want: Tensor, at: Where): { worst: OutputDifference; beyond: OutputDifference | undefined } | string {
  if (got === undefined) return `${at.backend}: no output '${at.name}'`;
  if (got.dtype !== want.dtype || got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return `${at.backend}: output '${at.name}' is ${got.dtype}${formatShape(got.shape)}, the reference's is ${want.dtype}${formatShape(want.shape)}`;
  }
  const element = (i: number, ulps: number): OutputDifference => ({ ulps, element: i, got: got.data[i] ?? Number.NaN, want: want.data[i] ?? Number.NaN, dtype: want.dtype, run: at.run });
  let worst = element(0, 0);
  let beyond: OutputDifference | undefined;
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i] as number;
    const w = want.data[i] as number;
    const ulps = ulpDistance(g, w, want.dtype);
    if (ulps > worst.ulps) worst = element(i, ulps);
    if (ulps > at.ulps && ulps > (beyond?.ulps ?? 0) && !(Math.abs(g - w) <= at.atol(i))) beyond = element(i, ulps);
  }
  return { worst, beyond };
}

function ulpsOf(ulps: CheckBackendsOptions["ulps"], name: string): number {
  if (ulps === undefined) return 0;
  return typeof ulps === "number" ? ulps : (ulps[name] ?? 0);
}

function atolOf(atol: CheckBackendsOptions["atol"], name: string, element: number, reference: Results, run: number): number {
  if (atol === undefined) return 0;
  if (typeof atol === "number") return atol;
  const a = atol[name];
  return a === undefined ? 0 : typeof a === "number" ? a : a(element, reference, run);
}

/** Backend names, numbered where two share one (`wasm`, `wasm#2`). */
function uniqueNames(backends: readonly Backend[]): string[] {
  const seen = new Map<string, number>();
  return backends.map((b) => {
    const n = (seen.get(b.name) ?? 0) + 1;
    seen.set(b.name, n);
    return n === 1 ? b.name : `${b.name}#${n}`;
  });
}
