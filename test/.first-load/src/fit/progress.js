const CLEAR_LINE = "\r\x1B[K";
const REDRAW_MS = 100;
function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return a >= 1e3 ? v.toFixed(1) : v.toFixed(4);
}
function formatMetrics(values, prefix = "") {
  return Object.entries(values).map(([k, v]) => `${prefix}${k} ${formatNumber(v)}`).join("  ");
}
function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s % 3600 / 60)).padStart(2, "0")}m`;
}
function formatRate(stepsPerSecond, examplesPerSecond) {
  const f = (v) => v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return `${f(stepsPerSecond)} steps/s  ${f(examplesPerSecond)} examples/s`;
}
function formatBar(b, width = 20) {
  const filled = b.total === 0 ? width : Math.min(width, Math.floor(b.done / b.total * width));
  const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? b.done >= b.total ? "=" : ">" : "") + " ".repeat(width - filled);
  const eta = b.stepsPerSecond > 0 ? formatDuration((b.total - b.done) / b.stepsPerSecond) : "?";
  const metrics = formatMetrics(b.metrics);
  return `epoch ${b.epoch}/${b.epochs} [${bar}] ${b.done}/${b.total}  ETA ${eta}  ${formatRate(b.stepsPerSecond, b.examplesPerSecond)}${metrics === "" ? "" : `  ${metrics}`}`;
}
class Reporter {
  constructor(sink, logLine, now = () => performance.now()) {
    this.sink = sink;
    this.logLine = logLine;
    this.now = now;
  }
  sink;
  logLine;
  now;
  shown = false;
  lastDraw = -Infinity;
  /** Whether progress output (epoch lines) is wanted at all. */
  get enabled() {
    return this.sink !== void 0;
  }
  get terminal() {
    return this.sink?.isTTY === true;
  }
  line(text) {
    this.clear();
    this.logLine(text);
    this.lastDraw = -Infinity;
  }
  /** Redraws the status line (terminals only); `force` ignores the rate limit. */
  bar(state, force = false) {
    if (this.sink === void 0 || !this.terminal) return;
    const t = this.now();
    if (!force && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const columns = (this.sink.columns ?? 0) > 0 ? this.sink.columns : 100;
    const text = formatBar(state);
    this.sink.write(CLEAR_LINE + (text.length >= columns ? text.slice(0, Math.max(0, columns - 1)) : text));
    this.shown = true;
  }
  clear() {
    if (this.shown && this.sink !== void 0) this.sink.write(CLEAR_LINE);
    this.shown = false;
  }
}
export {
  Reporter,
  formatBar,
  formatDuration,
  formatMetrics,
  formatNumber,
  formatRate
};
