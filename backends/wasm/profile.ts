import type { Kernel } from "../../ir/kernel/index.js";
import { convMacs } from "./conv.js";

/**
 * The per-kernel profile of the WASM backend (`wasm({ profile: true })`): every kernel of a
 * program is its own step, timed on the calling thread around the call (a split kernel: until
 * every thread has finished its part), and the time is summed per kernel description (kind and
 * shapes). The host's copies of feeds in and results out are timed too. Profiling adds a call
 * and two clock reads per kernel, so the total is slightly above an unprofiled run.
 */

/** What one line of a profile says: a kernel kind at given shapes (or a host copy), summed over runs. */
export interface WasmProfileEntry {
  /** A kernel kind, or "copy in" / "copy out" for the host's copies of feeds and results. */
  readonly kind: Kernel["kind"] | "copy in" | "copy out";
  /** The kind with its shapes, e.g. "matmul [400,200]·[200,10000] +epilogue". */
  readonly label: string;
  /** Kernels of the program with this label. */
  readonly kernels: number;
  /** Calls of those kernels so far (kernels × runs). */
  readonly calls: number;
  readonly seconds: number;
  /** Floating-point operations per call of the label's kernels together (matmul, conv: 2 per multiply-add). */
  readonly flops?: number;
  /** flops·calls / kernels / seconds, in 10⁹ per second. */
  readonly gflops?: number;
}

export interface WasmProfile {
  /** Runs timed so far. */
  readonly runs: number;
  /** Seconds of those runs, kernels and host copies together. */
  readonly seconds: number;
  /** One entry per label, most time first. */
  readonly entries: readonly WasmProfileEntry[];
}

const dims = (s: readonly number[]): string => `[${s.join(",")}]`;

/** A kernel's profile label and its floating-point operations (matmul, conv). */
export function describeKernel(k: Kernel): { readonly label: string; readonly flops?: number } {
  switch (k.kind) {
    case "matmul": {
      const batch = k.aOffsets.length;
      const a = k.transA ? `${dims([k.m, k.k])}ᵀ` : dims([k.m, k.k]);
      const b = k.transB ? `${dims([k.k, k.n])}ᵀ` : dims([k.k, k.n]);
      const terms = k.terms ?? [];
      const reduction = terms.reduce((s, t) => s + t.k, k.k);
      const sum = terms.length === 0 ? "" : ` + ${terms.length} more products (k ${reduction} in all)`;
      const label = `matmul ${k.dtype} ${batch > 1 ? `${batch}× ` : ""}${a}·${b}${sum}${k.epilogue === undefined ? "" : " +epilogue"}`;
      return { label, flops: 2 * batch * k.m * k.n * reduction };
    }
    case "conv":
      return { label: `conv ${k.dtype} x ${dims([k.n, ...k.inSpatial, k.channels])} → ${dims([k.n, ...k.outSpatial, k.outChannels])}`, flops: 2 * convMacs(k) };
    case "reduce":
      return { label: `reduce ${k.op} ${k.dtype} ${dims(k.outShape)} over ${dims(k.redShape)}` };
    case "map":
      return { label: `map ${k.dtype} ${dims(k.shape)}` };
    case "gather":
    case "scatterAdd":
      return { label: `${k.kind} ${k.dtype} ${k.count} rows of ${k.width} (of ${k.rows})` };
    case "checkIndex":
      return { label: `checkIndex ${dims(k.shape)}` };
    case "iota":
      return { label: `iota ${k.dtype} ${dims(k.shape)}` };
    case "random":
      return { label: `random ${k.dist} ${k.dtype} ${k.keys}×${k.size}` };
    case "loop":
      return { label: `loop ×${k.count} of ${k.body.length} kernels` };
  }
}

/** The running sums of one profile label. */
export interface ProfileLine {
  readonly kind: WasmProfileEntry["kind"];
  readonly label: string;
  kernels: number;
  calls: number;
  seconds: number;
  flops: number | undefined;
}

/** Sums of time per label, for one compiled binding. */
export class ProfileRecorder {
  private readonly lines = new Map<string, ProfileLine>();
  private runs = 0;
  private total = 0;

  /**
   * The accumulator for a kernel (or host copy) label, counting one more kernel of it; or, for a
   * step that is part of a kernel counted already (`part`: a product's packing), only its line.
   */
  line(kind: WasmProfileEntry["kind"], label: string, flops?: number, part = false): ProfileLine {
    let line = this.lines.get(label);
    if (line === undefined) {
      line = { kind, label, kernels: 0, calls: 0, seconds: 0, flops: undefined };
      this.lines.set(label, line);
    }
    if (part) return line;
    line.kernels++;
    if (flops !== undefined) line.flops = (line.flops ?? 0) + flops;
    return line;
  }

  /** Wraps `step` so that each call adds its time to `line` (and counts a call, unless `part`). */
  timed(line: ProfileLine, step: () => void, part = false): () => void {
    return (): void => {
      const start = performance.now();
      step();
      this.add(line, (performance.now() - start) / 1000, part);
    };
  }

  /** Adds `seconds` to `line`, and one call unless `part`. */
  add(line: ProfileLine, seconds: number, part = false): void {
    line.seconds += seconds;
    if (!part) line.calls++;
  }

  /** Counts one run of `seconds`. */
  run(seconds: number): void {
    this.runs++;
    this.total += seconds;
  }

  snapshot(): WasmProfile {
    const entries = [...this.lines.values()]
      .filter((l) => l.calls > 0)
      .sort((a, b) => b.seconds - a.seconds)
      .map((l): WasmProfileEntry => {
        const base = { kind: l.kind, label: l.label, kernels: l.kernels, calls: l.calls, seconds: l.seconds };
        if (l.flops === undefined) return base;
        return { ...base, flops: l.flops, gflops: l.seconds > 0 ? (l.flops * l.calls) / l.kernels / l.seconds / 1e9 : 0 };
      });
    return { runs: this.runs, seconds: this.total, entries };
  }
}

/** A profile as text lines, e.g. for a console: share of time, milliseconds per run, label, GFLOP/s. */
export function formatProfile(p: WasmProfile, top = 20): string[] {
  const perRun = (s: number): string => ((s / Math.max(1, p.runs)) * 1000).toFixed(3);
  const lines = [`${p.runs} runs, ${perRun(p.seconds)} ms per run:`];
  const byKind = new Map<string, number>();
  for (const e of p.entries) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + e.seconds);
  const share = (s: number): string => `${((100 * s) / Math.max(1e-12, p.seconds)).toFixed(1).padStart(5)} %`;
  lines.push(`  by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, s]) => `${k} ${share(s).trim()}`).join(", ")}`);
  for (const e of p.entries.slice(0, top)) {
    const rate = e.gflops === undefined ? "" : `  ${e.gflops.toFixed(1)} GFLOP/s`;
    lines.push(`  ${share(e.seconds)} ${perRun(e.seconds).padStart(9)} ms  ${e.kernels > 1 ? `${e.kernels}× ` : ""}${e.label}${rate}`);
  }
  if (p.entries.length > top) lines.push(`  … ${p.entries.length - top} more labels`);
  return lines;
}
