/**
 * Progress output for `fit`: on a terminal, one status line redrawn in place (a bar, the running
 * metrics, steps/s, examples/s, ETA); otherwise plain lines only, never a control character.
 */

/** Where progress goes: `process.stdout` or anything with `write` (and `isTTY` for a terminal). */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const CLEAR_LINE = "\r\x1b[K";
/** The least time between two redraws of the bar, in milliseconds. */
const REDRAW_MS = 100;

/** A number for a log line: 4 decimals, or fewer significant digits when large. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return a >= 1000 ? v.toFixed(1) : v.toFixed(4);
}

/** `name value` pairs, each name prefixed. */
export function formatMetrics(values: Readonly<Record<string, number>>, prefix = ""): string {
  return Object.entries(values)
    .map(([k, v]) => `${prefix}${k} ${formatNumber(v)}`)
    .join("  ");
}

/** 7s, 1m05s, 2h03m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function formatRate(stepsPerSecond: number, examplesPerSecond: number): string {
  const f = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `${f(stepsPerSecond)} steps/s  ${f(examplesPerSecond)} examples/s`;
}

export interface BarState {
  readonly epoch: number;
  readonly epochs: number;
  readonly done: number;
  readonly total: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly stepsPerSecond: number;
  readonly examplesPerSecond: number;
}

/** `epoch 2/10 [=====>              ] 12/40  ETA 1s  20.8 steps/s  665 examples/s  loss 0.1234` */
export function formatBar(b: BarState, width = 20): string {
  const filled = b.total === 0 ? width : Math.min(width, Math.floor((b.done / b.total) * width));
  const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (b.done >= b.total ? "=" : ">") : "") + " ".repeat(width - filled);
  const eta = b.stepsPerSecond > 0 ? formatDuration((b.total - b.done) / b.stepsPerSecond) : "?";
  const metrics = formatMetrics(b.metrics);
  // The ETA and the rate come before the metrics, so that a narrow terminal cuts metrics first.
  return `epoch ${b.epoch}/${b.epochs} [${bar}] ${b.done}/${b.total}  ETA ${eta}  ${formatRate(b.stepsPerSecond, b.examplesPerSecond)}${metrics === "" ? "" : `  ${metrics}`}`;
}

/** Interleaves log lines with the bar: a line clears the bar first; the bar is redrawn at most every 100 ms. */
export class Reporter {
  private shown = false;
  private lastDraw = -Infinity;

  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly logLine: (line: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether progress output (epoch lines) is wanted at all. */
  get enabled(): boolean {
    return this.sink !== undefined;
  }

  get terminal(): boolean {
    return this.sink?.isTTY === true;
  }

  line(text: string): void {
    this.clear();
    this.logLine(text);
    this.lastDraw = -Infinity; // the bar comes back at the next step
  }

  /** Redraws the status line (terminals only); `force` ignores the rate limit. */
  bar(state: BarState, force = false): void {
    if (this.sink === undefined || !this.terminal) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const columns = (this.sink.columns ?? 0) > 0 ? (this.sink.columns as number) : 100; // 0 when the width is unknown
    const text = formatBar(state);
    this.sink.write(CLEAR_LINE + (text.length >= columns ? text.slice(0, Math.max(0, columns - 1)) : text));
    this.shown = true;
  }

  clear(): void {
    if (this.shown && this.sink !== undefined) this.sink.write(CLEAR_LINE);
    this.shown = false;
  }
}
