import { wasm, type WasmExecutable } from "../../backends/wasm/index.js";
import { allocate, type DType } from "../../ir/dtype.js";
import { GraphgradError, orThrow } from "../../ir/errors.js";
import { graphInputs } from "../../ir/graph.js";
import { DEFAULT_PASSES, runPasses } from "../../ir/passes/optimize.js";
import { type Dim, formatShape } from "../../ir/shape.js";
import { Tensor } from "../../ir/tensor.js";
import * as arg from "../args.js";
import { graph } from "../compile.js";
import { Expr } from "../expr.js";

/** The largest input `summary` fills with zeros to run the graph once (2^30 elements). */
const MAX_FEED_ELEMENTS = 2 ** 30;

const BYTES: Readonly<Record<DType, number>> = { bool: 1, int32: 4, float32: 4, float64: 8 };

export interface SummaryRow {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly count: number;
  readonly bytes: number;
}

/** What `summary` reports about a model (Keras' `model.summary()`, for a graph). */
export interface ModelSummary {
  /** Every parameter of the graph, by name (scopes together), with its shape, dtype, element count and bytes. */
  readonly params: readonly SummaryRow[];
  readonly totalParams: number;
  readonly totalBytes: number;
  /** The other inputs (fed at run time). */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly Dim[]; readonly dtype: DType }[];
  /** Nodes of the optimized graph, by op (inputs included). */
  readonly ops: Readonly<Record<string, number>>;
  /** The size each symbolic dimension was given for the memory figures. */
  readonly dims: Readonly<Record<string, number>>;
  /** The WASM backend's program for those sizes: its kernels, the peak bytes of its buffer arena, and the bytes without reuse. */
  readonly kernels: number;
  readonly peakBytes: number;
  readonly unplannedBytes: number;
  /** The table, as `toString()` gives it. */
  readonly text: string;
}

export interface SummaryOptions {
  /** Sizes of symbolic dimensions (by symbol: `?x.0`, or a name given in a shape such as "batch"); default 1. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Also print the table (console.log). Default false. */
  readonly print?: boolean;
}

const bytesText = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);
const count = (n: number): string => n.toLocaleString("en-US");

/**
 * A summary of the model computing `outputs` (an Expr or a record of them), as Keras' `summary()`:
 * each parameter with its shape, dtype and element count, the totals in elements and bytes, the
 * op counts of the optimized graph, and the peak memory of the WASM backend's buffer arena (the
 * graph compiled and run once on zero-filled inputs, symbolic dimensions of size `dims[symbol]`, 1
 * by default), read from the executable's `stats()`.
 */
export async function summary(outputs: Expr | Readonly<Record<string, Expr>>, options: SummaryOptions = {}): Promise<ModelSummary> {
  const where = "nn.summary";
  if (!(outputs instanceof Expr)) arg.exprRecord(where, outputs, "the outputs (an Expr or a record of Exprs)");
  arg.options(where, options);
  if (options.dims !== undefined) {
    arg.record(where, options.dims, "options.dims");
    for (const [d, v] of Object.entries(options.dims)) arg.number(where, v, `options.dims['${d}']`, { integer: true, min: 0 });
  }
  arg.optionalBoolean(where, options.print, "options.print");
  const named = outputs instanceof Expr ? { output: outputs } : outputs;
  const optimized = orThrow(runPasses(graph(named), DEFAULT_PASSES));
  const sources = graphInputs(optimized);
  const collator = new Intl.Collator("en", { numeric: true });
  const params: SummaryRow[] = sources
    .filter((n) => n.attrs.kind === "param")
    .map((n) => {
      const shape = n.shape.map((d) => {
        if (typeof d !== "number") throw new GraphgradError("nn.summary", `parameter '${n.attrs.name}' has a symbolic shape ${formatShape(n.shape)}`);
        return d;
      });
      const c = shape.reduce((a, b) => a * b, 1);
      return { name: n.attrs.name, shape, dtype: n.dtype, count: c, bytes: c * BYTES[n.dtype] };
    })
    .sort((a, b) => collator.compare(a.name, b.name));
  const inputs = sources.filter((n) => n.attrs.kind !== "param").map((n) => ({ name: n.attrs.name, shape: n.shape, dtype: n.dtype }));

  const dims: Record<string, number> = {};
  const sizeOf = (d: Dim): number => {
    if (typeof d === "number") return d;
    const v = options.dims?.[d] ?? 1;
    dims[d] = v;
    return v;
  };
  const feeds = new Map(sources.map((n) => {
    const shape = n.shape.map(sizeOf);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size > MAX_FEED_ELEMENTS) throw new GraphgradError("nn.summary", `the input '${n.attrs.name}' ${formatShape(n.shape)} would have ${size} elements with these dims: more than ${MAX_FEED_ELEMENTS}`);
    return [n.attrs.name, new Tensor(n.dtype, shape, allocate(n.dtype, size))] as const;
  }));
  const exe = (await wasm({ threads: 1 }).compile(optimized)) as WasmExecutable;
  await exe.run(feeds);
  const stats = exe.stats()[0];
  if (stats === undefined) throw new Error("internal: the WASM executable ran without a program");

  const ops: Record<string, number> = {};
  for (const n of optimized.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  const totalParams = params.reduce((a, p) => a + p.count, 0);
  const totalBytes = params.reduce((a, p) => a + p.bytes, 0);
  const text = summaryText({ params, totalParams, totalBytes, inputs, ops, dims, kernels: stats.kernels, peakBytes: stats.arenaBytes, unplannedBytes: stats.unplannedBytes });
  const result: ModelSummary = { params, totalParams, totalBytes, inputs, ops, dims, kernels: stats.kernels, peakBytes: stats.arenaBytes, unplannedBytes: stats.unplannedBytes, text };
  const withString = Object.freeze({ ...result, toString: () => text });
  if (options.print === true) console.log(text);
  return withString;
}

function summaryText(s: Omit<ModelSummary, "text">): string {
  const header = ["Parameter", "Shape", "Dtype", "Count"];
  const rows = s.params.map((p) => [p.name, formatShape(p.shape), p.dtype, count(p.count)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  const symbols = Object.entries(s.dims);
  const opList = Object.entries(s.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([op, n]) => `${op} ${n}`);
  return [
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total: ${count(s.totalParams)} parameters, ${count(s.totalBytes)} bytes (${bytesText(s.totalBytes)})`,
    `Inputs: ${s.inputs.length === 0 ? "none" : s.inputs.map((i) => `${i.name} ${i.dtype}${formatShape(i.shape)}`).join(", ")}`,
    `Graph (optimized): ${Object.values(s.ops).reduce((a, b) => a + b, 0)} nodes — ${opList.join(", ")}`,
    `Peak memory (WASM buffer arena${symbols.length === 0 ? "" : `, ${symbols.map(([k, v]) => `${k} = ${v}`).join(", ")}`}): ${bytesText(s.peakBytes)} in ${s.kernels} kernels (${bytesText(s.unplannedBytes)} without reuse)`,
  ].join("\n");
}
