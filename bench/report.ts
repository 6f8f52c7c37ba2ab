import { checkFigure, type CheckOutcome, REFERENCE_IMPL, referenceFor } from "./checks.js";
import type { Figure } from "./protocol.js";
import { FIGURES, type WorkloadId } from "./workloads.js";

/**
 * The printed report: a table of figures (workload × implementation), a table of ratios
 * graphgrad/peer oriented so that > 1 means graphgrad is better, and the correctness guard.
 */

export interface ImplColumn {
  readonly id: string;
  readonly kind: "graphgrad" | "peer";
}

export interface Ratio {
  readonly workload: WorkloadId;
  readonly graphgrad: string;
  readonly peer: string;
  /** Which of the peer's figures the ratio is against ("workaround" when the peer fails as is). */
  readonly peerVariant: "as-is" | "workaround";
  /** > 1: graphgrad is better (faster, or more throughput). */
  readonly ratio: number;
}

/** Bytes in MiB (KiB below one MiB), three significant digits. */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${formatNumber(bytes / 2 ** 20)} MiB` : `${formatNumber(bytes / 2 ** 10)} KiB`;
}

/** Three significant digits, without exponents. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** graphgrad's advantage: time figures peer/gg, throughput figures gg/peer. */
export function orientedRatio(gg: Figure, peer: Figure): number | undefined {
  if (gg.value === undefined || peer.value === undefined || gg.status !== "ok" || peer.status !== "ok") return undefined;
  return gg.higherIsBetter === true ? gg.value / peer.value : peer.value / gg.value;
}

function find(figures: readonly Figure[], impl: string, w: WorkloadId, variant: Figure["variant"]): Figure | undefined {
  return figures.find((f) => f.impl === impl && f.workload === w && f.variant === variant);
}

/** The figure a ratio should use for a peer: as is when it ran, else its workaround. */
function peerFigure(figures: readonly Figure[], impl: string, w: WorkloadId): Figure | undefined {
  const asIs = find(figures, impl, w, "as-is");
  if (asIs?.status === "ok") return asIs;
  const wa = find(figures, impl, w, "workaround");
  return wa?.status === "ok" ? wa : asIs;
}

export function ratios(figures: readonly Figure[], impls: readonly ImplColumn[], workloads: readonly WorkloadId[]): Ratio[] {
  const out: Ratio[] = [];
  for (const w of workloads) {
    for (const g of impls.filter((i) => i.kind === "graphgrad")) {
      const gg = find(figures, g.id, w, "as-is");
      if (gg === undefined) continue;
      for (const p of impls.filter((i) => i.kind === "peer")) {
        const peer = peerFigure(figures, p.id, w);
        if (peer === undefined) continue;
        const r = orientedRatio(gg, peer);
        if (r !== undefined) out.push({ workload: w, graphgrad: g.id, peer: p.id, peerVariant: peer.variant, ratio: r });
      }
    }
  }
  return out;
}

/** Reasons too long for a cell become numbered notes under the table (the same text, one note). */
export class Notes {
  readonly texts: string[] = [];
  ref(text: string): string {
    const clean = text.replace(/\|/g, "/");
    if (clean.length <= 70) return clean;
    let i = this.texts.indexOf(clean);
    if (i < 0) i = this.texts.push(clean) - 1;
    return `[${i + 1}]`;
  }
}

/** The text of one cell: the figure, or why there is none; ⚠ when the correctness guard flags it. */
function cell(figures: readonly Figure[], impl: string, w: WorkloadId, flagged: (f: Figure) => boolean, notes: Notes): string {
  const asIs = find(figures, impl, w, "as-is");
  const wa = find(figures, impl, w, "workaround");
  const show = (f: Figure): string => {
    if (f.status === "ok") return f.value === undefined ? "—" : `${formatNumber(f.value)}${flagged(f) ? " ⚠" : ""}`;
    if (f.status === "not-yet") return "not yet";
    const what = f.status === "not-expressible" ? "not expressible" : f.status === "too-slow" ? "too slow" : "fails";
    return `${what}: ${notes.ref(f.reason ?? "")}`;
  };
  if (asIs === undefined) return wa === undefined ? "" : `${show(wa)} (workaround†)`;
  if (wa === undefined) return show(asIs);
  return asIs.status === "ok" ? `${show(asIs)}; ${show(wa)} with workaround†` : `as is ${show(asIs)}; ${show(wa)} with workaround†`;
}

/** A figure's peak memory: RSS, and the planned arena where the backend reports one. */
export function memoryText(f: Figure | undefined): string {
  if (f?.status !== "ok" || f.memory === undefined) return "—";
  const arena = f.memory.arenaBytes === undefined ? "" : ` (arena ${formatBytes(f.memory.arenaBytes)})`;
  return `${formatBytes(f.memory.peakRssBytes)}${arena}`;
}

/** The peak memory of each (workload, implementation): the figure shown in the table (workaround where as is did not run). */
function memoryCell(figures: readonly Figure[], impl: string, w: WorkloadId): string {
  const asIs = find(figures, impl, w, "as-is");
  if (asIs?.status === "ok") return memoryText(asIs);
  const wa = find(figures, impl, w, "workaround");
  if (wa?.status === "ok") return `${memoryText(wa)} †`;
  return asIs?.status === "not-yet" ? "not yet" : "—";
}

/** What an implementation's BLAS reported (the PyTorch worker: OpenBLAS's build and the kernels it picked), once per implementation. */
export function blasLines(figures: readonly Figure[]): string[] {
  const seen = new Map<string, string>();
  for (const f of figures) {
    const n = f.notes;
    if (n === undefined || n["blasCore"] === undefined || seen.has(f.impl)) continue;
    seen.set(f.impl, `${f.impl}: ${String(n["library"])}, ${String(n["threads"])} thread(s); ${String(n["blas"])}, running its ${String(n["blasCore"])} kernels on ${String(n["blasThreads"])} thread(s); PyTorch's own kernels at ${String(n["atenCapability"])}; OPENBLAS_CORETYPE ${String(n["OPENBLAS_CORETYPE"])}.`);
  }
  return [...seen.values()];
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

export interface Report {
  readonly lines: string[];
  readonly ratios: Ratio[];
  readonly checks: { impl: string; workload: WorkloadId; variant: string; outcome: CheckOutcome }[];
}

export function report(
  figures: readonly Figure[],
  references: readonly Figure[],
  impls: readonly ImplColumn[],
  workloads: readonly WorkloadId[],
  workaroundNotes: Readonly<Record<string, Partial<Record<WorkloadId, string>>>>,
): Report {
  const checks = figures
    .filter((f) => f.status === "ok")
    .map((f) => ({ impl: f.impl, workload: f.workload, variant: f.variant, outcome: checkFigure(f, references) }));
  const flagged = (f: Figure): boolean => checks.some((c) => c.impl === f.impl && c.workload === f.workload && c.variant === f.variant && !c.outcome.ok);
  const lines: string[] = [];
  const notes = new Notes();

  lines.push(
    ...table(
      ["workload", "unit", ...impls.map((i) => i.id)],
      workloads.map((w) => [FIGURES[w].title, `${FIGURES[w].unit} (${FIGURES[w].higherIsBetter ? "higher" : "lower"} is better)`, ...impls.map((i) => cell(figures, i.id, w, flagged, notes))]),
    ),
  );
  notes.texts.forEach((t, i) => lines.push(`[${i + 1}] ${t}`));
  for (const [impl, notes] of Object.entries(workaroundNotes)) {
    for (const [w, note] of Object.entries(notes)) {
      if (workloads.includes(w as WorkloadId) && impls.some((i) => i.id === impl)) lines.push(`† ${impl} ${w} workaround: ${note}.`);
    }
  }

  lines.push("Each figure is the median of its timed runs (warm-up excluded; run counts in the progress lines and in results.json).");
  lines.push(...blasLines(figures));

  lines.push(
    "",
    "Peak memory of each run: the peak resident set size (ru_maxrss) of the process that computed (the Node worker; for PyTorch its Python worker), and for graphgrad's WASM backend the largest planned buffer arena:",
    "",
    ...table(
      ["workload", ...impls.map((i) => i.id)],
      workloads.map((w) => [w, ...impls.map((i) => memoryCell(figures, i.id, w))]),
    ),
  );

  const rs = ratios(figures, impls, workloads);
  const peers = impls.filter((i) => i.kind === "peer");
  if (rs.length > 0) {
    lines.push("", "Ratios graphgrad/peer (> 1: graphgrad is better; time figures peer ÷ graphgrad, throughput graphgrad ÷ peer):", "");
    const rows: string[][] = [];
    for (const w of workloads) {
      for (const g of impls.filter((i) => i.kind === "graphgrad")) {
        const mine = rs.filter((x) => x.workload === w && x.graphgrad === g.id);
        if (mine.length === 0) continue;
        rows.push([
          w,
          g.id,
          ...peers.map((p) => {
            const r = mine.find((x) => x.peer === p.id);
            return r === undefined ? "—" : `${formatNumber(r.ratio)}×${r.peerVariant === "workaround" ? " †" : ""}`;
          }),
        ]);
      }
    }
    lines.push(...table(["workload", "graphgrad", ...peers.map((p) => `vs ${p.id}`)], rows));
  }

  lines.push("", "Correctness guard (first-step losses, W4 checksum) against gg-js, or where graphgrad lacks the workload against the first peer that ran it:", "");
  const checkRows = checks.map((c) => {
    const f = figures.find((x) => x.impl === c.impl && x.workload === c.workload && x.variant === c.variant);
    const values = Object.entries(f?.check ?? {})
      .map(([k, v]) => `${k} ${typeof v === "number" ? v.toPrecision(8) : String(v)}`)
      .join(", ");
    const worst = c.outcome.compared.reduce((m, x) => Math.max(m, x.relative / x.tolerance), 0);
    const ref = f === undefined ? undefined : referenceFor(f, references);
    const isReference = ref !== undefined && ref.impl === c.impl && c.variant === "as-is";
    const against = ref === undefined || ref.impl === REFERENCE_IMPL ? "" : ` vs ${ref.impl}`;
    const verdict = isReference
      ? "reference"
      : c.outcome.note ?? (c.outcome.ok ? `ok (worst ${(worst * 100).toFixed(0)}% of tolerance)${against}` : `⚠ DISAGREES${against}: ${c.outcome.compared.filter((x) => !x.ok).map((x) => `${x.key} rel ${x.relative.toExponential(1)} > ${x.tolerance}`).join(", ")}`);
    return [c.workload, c.variant === "as-is" ? c.impl : `${c.impl} (workaround)`, values, verdict];
  });
  lines.push(...table(["workload", "implementation", "values", "vs reference"], checkRows));
  return { lines, ratios: rs, checks };
}
