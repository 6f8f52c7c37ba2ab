import { DTYPE_SHORT } from "./dtype.js";
import { checkGraph, type Graph } from "./graph.js";
import { type Node, toposort } from "./node.js";
import { formatShape, shapesEqual } from "./shape.js";
import { type Subgraph, SubgraphCodec, subgraphNodes } from "./subgraph.js";

/**
 * Human-readable views of a graph: a Jaxpr-like text and Graphviz DOT.
 *
 *   { lambda x:f32[?x.0,4] ; w:f32[4,3] .
 *     let
 *       a:f32[?x.0,3] = matmul x w
 *       b:f32[] = reduceSum{axes=[0,1] keepdims=false} a
 *     in (loss=b) }
 *
 * The header lists the graph's inputs, then (after `;`) its parameters, by their own names. Every
 * other node has one line: a short variable (a, b, ..., z, aa, ab, ...), its type, the op with its
 * attributes, and its operands. Attributes that only repeat the node's own shape or dtype (a
 * constant's `shape`, a cast's `dtype`) are left out; long constant lists are cut short.
 */

const RESERVED = new Set(["lambda", "let", "in"]);
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_STRING = /^[A-Za-z0-9_?.:-]+$/;
const MAX_LISTED_VALUES = 6;

/** The graph's nodes (with anything its outputs need), inputs before users. */
function nodesOf(g: Graph): Node[] {
  return toposort([...g.nodes, ...Object.values(g.outputs)]);
}

/** 0 -> a, 25 -> z, 26 -> aa, 27 -> ab, ... (bijective base 26). */
export function shortName(i: number): string {
  let s = "";
  let n = i + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(97 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** A name as it can be written in the text: itself when plain, else JSON-quoted. */
function spell(name: string): string {
  return PLAIN.test(name) && !RESERVED.has(name) ? name : JSON.stringify(name);
}

/** Variable names: inputs keep their own (made unique if need be); every other node gets the next free short name. */
function variableNames(nodes: readonly Node[]): Map<Node, string> {
  const names = new Map<Node, string>();
  const taken = new Set<string>(RESERVED);
  for (const n of nodes) {
    if (n.op !== "input") continue;
    const base = spell(n.attrs.name);
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    names.set(n, name);
  }
  let next = 0;
  for (const n of nodes) {
    if (n.op === "input") continue;
    let name = shortName(next++);
    while (taken.has(name)) name = shortName(next++);
    taken.add(name);
    names.set(n, name);
  }
  return names;
}

/** `f32[?x.0,4]` */
export function formatType(n: Node): string {
  return `${DTYPE_SHORT[n.dtype]}${formatShape(n.shape)}`;
}

function formatNumber(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

function formatValue(v: unknown): string {
  if (typeof v === "number") return formatNumber(v);
  if (SubgraphCodec.is(v)) return formatSubgraph(v);
  if (typeof v === "string") return PLAIN_STRING.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) {
    const shown = v.slice(0, MAX_LISTED_VALUES).map(formatValue);
    if (v.length > MAX_LISTED_VALUES) shown.push(`…+${v.length - MAX_LISTED_VALUES}`);
    return `[${shown.join(",")}]`;
  }
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${k}=${formatValue(o[k])}`)
      .join(" ")}}`;
  }
  return String(v);
}

/** A subgraph (a scan's body) on one line: `{ lambda a:f32[3] b:f32[3] . c:f32[3] = add a b in (c) }`. */
function formatSubgraph(s: Subgraph): string {
  const nodes = subgraphNodes(s);
  const names = variableNames(nodes);
  const nameOf = (n: Node): string => names.get(n) as string;
  const params = s.params.map((p) => `${nameOf(p)}:${formatType(p)}`);
  const lets = nodes.filter((n) => n.op !== "input").map((n) => formatBinding(n, nameOf));
  return `{ lambda ${params.join(" ")} . ${lets.join("; ")} in (${s.results.map(nameOf).join(", ")}) }`;
}

/** `{axes=[0,1] keepdims=false}`, or "" when nothing is left to say. */
export function formatAttrs(n: Node): string {
  const attrs = n.attrs as Readonly<Record<string, unknown>>;
  const shown = Object.keys(attrs)
    .sort()
    .filter((k) => {
      const v = attrs[k];
      if (n.op === "input" && (k === "name" || k === "kind")) return false;
      if (k === "dtype") return v !== n.dtype;
      if (k === "shape") return !(Array.isArray(v) && shapesEqual(v, n.shape));
      return true;
    });
  return shown.length === 0 ? "" : `{${shown.map((k) => `${k}=${formatValue(attrs[k])}`).join(" ")}}`;
}

/** Where a node appears in `printGraph`'s text: its variable, and (not for inputs) its 1-based line. */
export interface PrintedPosition {
  readonly name: string;
  readonly line: number | undefined;
}

/** The line a node's binding has in `printGraph`'s text (line 1 is the header, line 2 `let`). */
const FIRST_BINDING_LINE = 3;

/** Every node's variable and line in `printGraph(g)` (to point at a node in error messages). */
export function printedPositions(g: Graph): ReadonlyMap<Node, PrintedPosition> {
  const nodes = nodesOf(g);
  const names = variableNames(nodes);
  const out = new Map<Node, PrintedPosition>();
  let line = FIRST_BINDING_LINE;
  for (const n of nodes) out.set(n, { name: names.get(n) as string, line: n.op === "input" ? undefined : line++ });
  return out;
}

/** The text of a node's binding line without its indentation: `c:f32[2] = log b`. */
export function formatBinding(n: Node, nameOf: (n: Node) => string): string {
  return `${nameOf(n)}:${formatType(n)} = ${[`${n.op}${formatAttrs(n)}`, ...n.inputs.map(nameOf)].join(" ")}`;
}

/** The Jaxpr-like text of a graph: one line per node that is not an input. */
export function printGraph(g: Graph): string {
  checkGraph("printGraph", g);
  const nodes = nodesOf(g);
  const names = variableNames(nodes);
  const nameOf = (n: Node): string => names.get(n) as string; // every node has one
  const binder = (n: Node): string => `${nameOf(n)}:${formatType(n)}`;
  const sources = nodes.filter((n) => n.op === "input");
  const inputs = sources.filter((n) => n.attrs.kind === "input").map(binder);
  const params = sources.filter((n) => n.attrs.kind === "param").map(binder);
  const header = ["{ lambda", ...inputs, ...(params.length > 0 ? [";", ...params] : []), "."].join(" ");
  const body = nodes.filter((n) => n.op !== "input").map((n) => `    ${formatBinding(n, nameOf)}`);
  const outs = Object.entries(g.outputs).map(([k, n]) => `${spell(k)}=${nameOf(n)}`);
  return [header, "  let", ...body, `  in (${outs.join(", ")}) }`].join("\n");
}

/** A DOT string literal. */
function dotString(lines: readonly string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ")).join("\\n")}"`;
}

/**
 * Graphviz DOT of a graph: one box per node labelled with its op (and attributes), dtype and
 * shape; inputs (blue) and parameters (orange) are house-shaped, constants grey, outputs drawn
 * with a double border and their names; one edge per operand, numbered when a node has several.
 */
export function toDot(g: Graph): string {
  checkGraph("toDot", g);
  const nodes = nodesOf(g);
  const ids = new Map(nodes.map((n, i) => [n, `n${i}`] as const));
  const idOf = (n: Node): string => ids.get(n) as string; // every node has one
  const outputNames = new Map<Node, string[]>();
  for (const [k, n] of Object.entries(g.outputs)) outputNames.set(n, [...(outputNames.get(n) ?? []), k]);

  const lines = ["digraph graphgrad {", '  node [shape=box fontname="monospace" fontsize=10];'];
  for (const n of nodes) {
    const label = n.op === "input" ? [`${n.attrs.kind} ${n.attrs.name}`, formatType(n)] : [`${n.op}${formatAttrs(n)}`, formatType(n)];
    const style: string[] = [];
    if (n.op === "input") style.push("shape=invhouse", "style=filled", `fillcolor="${n.attrs.kind === "param" ? "#fde2b3" : "#cfe2ff"}"`);
    else if (n.inputs.length === 0) style.push("style=filled", 'fillcolor="#eeeeee"');
    const outs = outputNames.get(n);
    if (outs !== undefined) {
      label.push(`out: ${outs.join(", ")}`);
      style.push("peripheries=2", "penwidth=2");
    }
    lines.push(`  ${idOf(n)} [label=${dotString(label)}${style.map((s) => ` ${s}`).join("")}];`);
  }
  for (const n of nodes) {
    n.inputs.forEach((x, i) => {
      lines.push(`  ${idOf(x)} -> ${idOf(n)}${n.inputs.length > 1 ? ` [label="${i}"]` : ""};`);
    });
  }
  lines.push("}");
  return lines.join("\n");
}
