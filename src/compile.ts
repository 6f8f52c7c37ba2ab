import { type Backend, type BoundRun, bindRunner } from "../backends/backend.js";
import { js } from "../backends/js/index.js";
import { wasm } from "../backends/wasm/index.js";
import type { TypedArray } from "../ir/dtype.js";
import { GraphgradError, orThrow } from "../ir/errors.js";
import { type Graph, graphInputs, graphOf, type Pass } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { DEFAULT_PASSES, runPasses } from "../ir/passes/optimize.js";
import { isConcrete } from "../ir/shape.js";
import { type NestedArray, Tensor, tensorFrom } from "../ir/tensor.js";
import { NonFiniteCheck } from "./compile/non-finite.js";
import * as arg from "./args.js";
import { checkCompileArgs } from "./compile-args.js";
import { Expr } from "./expr.js";

/** What a feed may be: a Tensor, nested arrays, a number, or a typed array (for a rank-1 or fully known input). */
export type TensorLike = Tensor | NestedArray | TypedArray;
export type Feeds = Readonly<Record<string, TensorLike>>;

export interface CompileOptions {
  /** A backend value (`js()`), or the name of a built-in one. Default: the JS reference backend. */
  readonly backend?: Backend | "js" | "wasm";
  /** The passes to run before lowering; default: verify, fold, simplify, DCE. `[]` runs none. */
  readonly passes?: readonly Pass[];
  /** Output name -> the input it is fed back as next run (see `CompileHints`): a performance hint. */
  readonly feedback?: Readonly<Record<string, string>>;
  /**
   * Check every result for NaN and ±Infinity and, when one holds such a value, throw a
   * GraphgradError naming the op that first produced one (its line in `printGraph(compiled.graph)`
   * and its inputs), as JAX's `debug_nans`. Costs a scan of the float results per run; a
   * non-finite result compiles (once) and runs a second program that reads every float node back.
   * Bound runners then ignore donation. Default false.
   */
  readonly debugNonFinite?: boolean;
}

/**
 * The names of a record of expressions: its keys; `string` for a record with an index signature
 * (built with `Object.fromEntries` or a spread of one) or without a known key.
 */
export type NamesOf<O> = [keyof O] extends [never] ? string : Extract<keyof O, string>;

/** The outputs a bound runner returns, by output name: as tensors, and (rank 0) as numbers. */
export interface BoundNames<K extends string = string> {
  readonly tensors: readonly K[];
  readonly scalars: readonly K[];
}

/**
 * A compiled graph. `run` can be called any number of times; nothing is lowered again. `K` is
 * the union of its output names: `run` returns a record with exactly those keys.
 */
export interface Compiled<K extends string = string> {
  readonly backend: string;
  /** The optimized graph the backend runs. */
  readonly graph: Graph;
  /** Runs the graph; feeds are checked (names, dtypes, shapes) before anything executes. */
  run(feeds?: Feeds): Promise<Record<K, Tensor>>;
  /** Converts one feed value to a Tensor of its input's dtype (as `run` does). */
  feedTensor(name: string, value: TensorLike): Tensor;
  /**
   * The per-step form for fixed lists of inputs and outputs: tensors (or numbers for rank-0
   * inputs) in, tensors and numbers out, in those orders; synchronous on the JS and WASM backends
   * once the program for the feeds' shapes is built (a promise otherwise). Feeds are checked as
   * `run` checks them. See `Executable.bind`.
   */
  bind(inputs: readonly string[], outputs: BoundNames<K>): BoundRun;
}

export function resolveBackend(b: Backend | "js" | "wasm" | undefined): Backend {
  if (b === undefined || b === "js") return js();
  if (b === "wasm") return wasm();
  if (typeof b === "object" && b !== null && typeof b.compile === "function") return b;
  throw new GraphgradError("compile", `unknown backend ${arg.describe(b)}: pass a backend value such as js(), or "js" / "wasm"`);
}

/** The graph of named outputs (unoptimized), to print, save or inspect before compiling. */
export function graph(outputs: Readonly<Record<string, Expr>>): Graph {
  arg.record("graph", outputs, "the outputs");
  const nodes: Record<string, Node> = {};
  for (const [name, e] of Object.entries(outputs)) {
    if (!(e instanceof Expr)) throw new GraphgradError("graph", `output '${name}' is not an Expr`);
    nodes[name] = e.node;
  }
  return graphOf(nodes);
}

/** Compiles named outputs into one executable on a backend; `run` returns a record with the same keys. */
export async function compile<const O extends Readonly<Record<string, Expr>>>(spec: { readonly outputs: O }, options: CompileOptions = {}): Promise<Compiled<NamesOf<O>>> {
  type K = NamesOf<O>;
  checkCompileArgs(spec, options);
  for (const [name, e] of Object.entries<Expr>(spec.outputs)) {
    if (!(e instanceof Expr)) throw new GraphgradError("compile", `output '${name}' is not an Expr`);
  }
  const optimized = orThrow(runPasses(graph(spec.outputs), options.passes ?? DEFAULT_PASSES));
  const backend = resolveBackend(options.backend);
  const exe = await backend.compile(optimized, options.feedback === undefined ? undefined : { feedback: options.feedback });
  const inputs = new Map(graphInputs(optimized).map((n) => [n.attrs.name, n] as const));
  const check = options.debugNonFinite === true ? new NonFiniteCheck(optimized, backend) : undefined;
  // The executable's records have exactly the graph's output names, the keys of `spec.outputs`.
  const run = (feeds: Feeds = {}): Promise<Record<K, Tensor>> => exe.run(toTensors(feeds, inputs)) as Promise<Record<K, Tensor>>;
  return {
    backend: exe.backend,
    graph: optimized,
    run: check === undefined ? run : (feeds = {}) => check.run(exe, toTensors(feeds, inputs)) as Promise<Record<K, Tensor>>,
    bind: (ins, outs) => (check === undefined ? bindRunner(exe, ins, outs) : check.bind(bindRunner(exe, ins, outs), ins, outs)),
    feedTensor: (name, value) => toTensor(name, value, inputs.get(name)),
  };
}

/** Converts feeds to tensors of the inputs' dtypes. Unknown names are left for the backend to reject. */
function toTensors(feeds: Feeds, inputs: ReadonlyMap<string, Node>): Map<string, Tensor> {
  arg.record("run", feeds, "the feeds");
  const out = new Map<string, Tensor>();
  for (const [name, v] of Object.entries(feeds)) out.set(name, toTensor(name, v, inputs.get(name)));
  return out;
}

function toTensor(name: string, v: TensorLike, n: Node | undefined): Tensor {
  if (v instanceof Tensor) return v;
  const where = `feed '${name}'`;
  if (n === undefined) return tensorFrom(v as NestedArray, "float32", undefined, where);
  if (ArrayBuffer.isView(v)) {
    const shape = isConcrete(n.shape) ? n.shape : n.shape.length === 1 ? [v.length] : undefined;
    if (shape === undefined) throw new GraphgradError(where, "a typed array needs a fully known shape: pass a Tensor instead");
    if (v.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new GraphgradError(where, `${v.length} values given for shape [${shape.join(",")}]`);
    }
    return tensorFrom(v, n.dtype, shape, where);
  }
  return tensorFrom(v, n.dtype, undefined, where);
}

/** Compiles and runs in one go: the value of an expression, or of named expressions (a record with the same keys). */
export async function evaluate(e: Expr, feeds?: Feeds, options?: CompileOptions): Promise<Tensor>;
export async function evaluate<const O extends Readonly<Record<string, Expr>>>(e: O, feeds?: Feeds, options?: CompileOptions): Promise<Record<NamesOf<O>, Tensor>>;
export async function evaluate(
  e: Expr | Readonly<Record<string, Expr>>,
  feeds: Feeds = {},
  options: CompileOptions = {},
): Promise<Tensor | Record<string, Tensor>> {
  if (!(e instanceof Expr)) arg.exprRecord("evaluate", e, "the expressions");
  arg.record("evaluate", feeds, "the feeds");
  if (e instanceof Expr) {
    const r = await (await compile({ outputs: { value: e } }, options)).run(feeds);
    return r.value;
  }
  return (await compile({ outputs: e }, options)).run(feeds);
}
