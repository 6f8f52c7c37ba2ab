import { type Backend, type BoundOutputs, type BoundResult, type BoundRun, type Executable, feedMap, inputDtypes } from "../../backends/backend.js";
import { isFloat } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Graph, graphInputs, withInputs } from "../../ir/graph.js";
import type { Node } from "../../ir/node.js";
import { formatBinding, type PrintedPosition, printedPositions } from "../../ir/print.js";
import type { Tensor } from "../../ir/tensor.js";
import { describeFirstNonFinite, firstNonFinite } from "./finite.js";

/**
 * `debugNonFinite` (JAX's debug_nans, TF's check_numerics): every result is scanned for NaN and
 * ±Infinity; when one holds such a value, a second program is compiled on the same backend (once)
 * whose outputs are every float node of the graph, it is run on the same feeds, and the op that
 * first produced a non-finite value is named by its line in `printGraph(graph)` and its operands.
 *
 * Cost: a scan of the float results on every run; on the first non-finite result, the compilation
 * of the checked program and one run of it that reads every intermediate value back.
 */
export class NonFiniteCheck {
  readonly #graph: Graph;
  readonly #backend: Backend;
  #checked: Promise<{ readonly exe: Executable; readonly watched: readonly Node[] }> | undefined;

  constructor(graph: Graph, backend: Backend) {
    this.#graph = graph;
    this.#backend = backend;
  }

  /** `exe.run(feeds)`, checked: its results, or a rejection naming where a non-finite value came from. */
  async run(exe: Executable, feeds: ReadonlyMap<string, Tensor>): Promise<Record<string, Tensor>> {
    const results = await exe.run(feeds);
    for (const [name, t] of Object.entries(results)) if (firstNonFinite(t) >= 0) return this.#fail(feeds, name);
    return results;
  }

  /** A bound runner that checks its results (and gives up donation, so the feeds stay intact for a diagnosis). */
  bind(run: BoundRun, inputs: readonly string[], outputs: BoundOutputs): BoundRun {
    const dtypes = inputDtypes(this.#graph, inputs);
    const bad = (r: BoundResult): string | undefined => {
      for (let i = 0; i < r.tensors.length; i++) if (firstNonFinite(r.tensors[i] as Tensor) >= 0) return outputs.tensors[i];
      for (let i = 0; i < r.scalars.length; i++) if (!Number.isFinite(r.scalars[i] as number)) return outputs.scalars[i];
      return undefined;
    };
    return (feeds) => {
      const r = run(feeds);
      if (r instanceof Promise) {
        const saved = feeds.slice(); // the caller may refill its feeds array while this is pending
        return r.then((res) => {
          const output = bad(res);
          return output === undefined ? res : this.#fail(feedMap(inputs, dtypes, saved), output);
        });
      }
      const output = bad(r);
      return output === undefined ? r : this.#fail(feedMap(inputs, dtypes, feeds), output);
    };
  }

  /** Rejects with the error naming where the non-finite value of `output` comes from. */
  async #fail(feeds: ReadonlyMap<string, Tensor>, output: string): Promise<never> {
    throw await this.#diagnose(feeds, output);
  }

  /** Runs the checked program on the feeds and names the origin of `output`'s non-finite value. */
  async #diagnose(feeds: ReadonlyMap<string, Tensor>, output: string): Promise<GraphgradError> {
    const g = this.#graph;
    this.#checked ??= (async () => {
      const watched = g.nodes.filter((n) => n.op !== "input" && isFloat(n.dtype));
      const outputs = Object.fromEntries(watched.map((n, i) => [`v${i}`, n] as const));
      return { exe: await this.#backend.compile(withInputs(outputs, graphInputs(g))), watched };
    })();
    const { exe, watched } = await this.#checked;
    const computed = await exe.run(feeds);
    const values = new Map<Node, Tensor>();
    watched.forEach((n, i) => values.set(n, computed[`v${i}`] as Tensor));
    for (const n of graphInputs(g)) {
      const t = feeds.get(n.attrs.name);
      if (t !== undefined) values.set(n, t);
    }
    const isBad = (n: Node): boolean => {
      const t = values.get(n);
      return t !== undefined && firstNonFinite(t) >= 0;
    };
    const end = g.outputs[output] as Node;
    const origin = firstOrigin(g, end, isBad);
    const positions = printedPositions(g);
    const at = (n: Node): PrintedPosition => positions.get(n) as PrintedPosition; // every node has one
    if (origin === undefined) {
      return new GraphgradError(`output '${output}'`, `holds a non-finite value, but the checked program (every node read back) computed no non-finite value on the ${exe.backend} backend (debugNonFinite)`);
    }
    const value = describeFirstNonFinite(values.get(origin) as Tensor);
    const reaches = `; it reaches output '${output}' (debugNonFinite)`;
    if (origin.op === "input") {
      return new GraphgradError(`feed '${origin.attrs.name}'`, `the ${origin.attrs.kind} holds a non-finite value, ${value}${reaches}`);
    }
    const operands = origin.inputs.length === 0 ? "none" : `${origin.inputs.map((x) => describeNode(x, at(x))).join(", ")}, all finite`;
    return new GraphgradError(
      origin.op,
      `the first non-finite value, ${value}, comes from line ${at(origin).line} of printGraph(graph): \`${formatBinding(origin, (n) => at(n).name)}\`; its inputs: ${operands}${reaches}`,
    );
  }
}

/** `input 'x'`, `param 'w'`, or `sub at line 4 (c)`. */
function describeNode(n: Node, p: PrintedPosition): string {
  if (n.op === "input") return `${n.attrs.kind} '${n.attrs.name}'`;
  return `${n.op} at line ${p.line} (${p.name})`;
}

/**
 * The node where the non-finite value of `end` starts: among the non-finite nodes from which a
 * path of non-finite nodes leads to `end`, the first (in the graph's order) whose operands are
 * all finite. Undefined when `end` itself is finite.
 */
function firstOrigin(g: Graph, end: Node, isBad: (n: Node) => boolean): Node | undefined {
  if (!isBad(end)) return undefined;
  const order = new Map(g.nodes.map((n, i) => [n, i] as const));
  const seen = new Set<Node>([end]);
  const stack = [end];
  let best: Node | undefined;
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    const badInputs = n.inputs.filter(isBad);
    if (badInputs.length === 0 && (best === undefined || (order.get(n) ?? 0) < (order.get(best) ?? 0))) best = n;
    for (const x of badInputs) {
      if (!seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  return best;
}
