import { type Either, left, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { apply } from "./build.js";
import { type DType, DTypeCodec } from "./dtype.js";
import { GraphgradError } from "./errors.js";
import { checkGraph, type Graph } from "./graph.js";
import { decodeAt, describeValue, failAt, fromJsonValue, type JsonValue, type PathSegment, toJsonValue } from "./json.js";
import { type Node, type NodeOf, toposort } from "./node.js";
import { ATTR_CODECS, type OpAttrs, type OpName } from "./ops/attrs.js";
import { OPS } from "./ops/index.js";
import { verify } from "./passes/verify.js";
import { type Dim, formatShape, ShapeCodec, shapesEqual } from "./shape.js";
import { type Subgraph, SubgraphCodec, subgraphNodes } from "./subgraph.js";

/**
 * The versioned JSON form of a graph:
 *
 *   { "format": "graphgrad.graph", "version": 1,
 *     "nodes": [{ "id": 0, "op": "input", "inputs": [], "attrs": {...}, "dtype": "float32", "shape": ["?x.0", 4] }, ...],
 *     "outputs": { "loss": 7 } }
 *
 * Nodes are listed operands first (the graph's order); the encoder numbers them 0, 1, 2, ... and
 * the decoder accepts any distinct non-negative integer ids. Numbers JSON cannot hold (NaN, ±Infinity,
 * -0) are written `{"$f": "NaN"}` and so on. Decoding trusts nothing: every node is rebuilt
 * through `apply`, so its shape and dtype are inferred again and must match the recorded ones,
 * and any problem is a Left naming the path, e.g. `nodes[3].attrs.axes[0]: expected Int, got 1.5`.
 */

export const GRAPH_FORMAT = "graphgrad.graph";
export const GRAPH_FORMAT_VERSION = 1;

export interface NodeJson {
  readonly id: number;
  readonly op: OpName;
  readonly inputs: readonly number[];
  readonly attrs: { readonly [key: string]: JsonValue };
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface GraphJson {
  readonly format: typeof GRAPH_FORMAT;
  readonly version: typeof GRAPH_FORMAT_VERSION;
  readonly nodes: readonly NodeJson[];
  readonly outputs: { readonly [name: string]: number };
}

/** Every node the graph holds or its outputs need, inputs first (the graph's own order when it is one). */
function nodesOf(g: Graph): Node[] {
  return toposort([...g.nodes, ...Object.values(g.outputs)]);
}

export function encodeGraph(g: Graph): GraphJson {
  checkGraph("encodeGraph", g);
  const nodes = nodesOf(g);
  const ids = new Map(nodes.map((n, i) => [n, i] as const));
  const idOf = (n: Node): number => ids.get(n) as number; // nodesOf holds every input and output
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_FORMAT_VERSION,
    nodes: encodeNodes(nodes),
    outputs: Object.fromEntries(Object.entries(g.outputs).map(([name, n]) => [name, idOf(n)])),
  };
}

/** Nodes (operands first) numbered 0, 1, 2, ... in order. */
function encodeNodes(nodes: readonly Node[]): NodeJson[] {
  const ids = new Map(nodes.map((n, i) => [n, i] as const));
  const idOf = (n: Node): number => ids.get(n) as number;
  return nodes.map((n, i) => ({ id: i, op: n.op, inputs: n.inputs.map(idOf), attrs: encodeAttrs(n.attrs as Readonly<Record<string, unknown>>), dtype: n.dtype, shape: [...n.shape] }));
}

/** The key marking a subgraph in attributes. */
const GRAPH_TAG = "$graph";

/**
 * Attributes as JSON; a subgraph (a scan's body) as `{"$graph": {"nodes": [...], "params": [ids],
 * "results": [ids]}}`, its nodes numbered on their own.
 */
function encodeAttrs(attrs: Readonly<Record<string, unknown>>): { readonly [key: string]: JsonValue } {
  return Object.fromEntries(
    Object.keys(attrs)
      .sort()
      .map((k): [string, JsonValue] => {
        const v = attrs[k];
        if (!SubgraphCodec.is(v)) return [k, toJsonValue(v)];
        const nodes = subgraphNodes(v);
        const ids = new Map(nodes.map((n, i) => [n, i] as const));
        const encoded = { nodes: encodeNodes(nodes) as unknown as JsonValue, params: v.params.map((p) => ids.get(p) as number), results: v.results.map((r) => ids.get(r) as number) };
        return [k, { [GRAPH_TAG]: encoded }];
      }),
  );
}

/** The JSON text of a graph, one node per line (deterministic: equal graphs give equal text). */
export function graphToJsonString(g: Graph): string {
  checkGraph("graphToJsonString", g);
  const j = encodeGraph(g);
  const head = `{"format":${JSON.stringify(j.format)},"version":${j.version},"nodes":[`;
  const body = j.nodes.map((n) => `  ${JSON.stringify(n)}`).join(",\n");
  return `${head}${body === "" ? "" : `\n${body}\n`}],"outputs":${JSON.stringify(j.outputs)}}\n`;
}

/** Parses and decodes a graph's JSON text; a syntax error is a Left too. */
export function graphFromJsonString(text: string): Either<GraphgradError, Graph> {
  if (typeof text !== "string") return failAt([], `expected JSON text, got ${describeValue(text)}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return left(new GraphgradError("(json)", `not valid JSON: ${e instanceof Error ? e.message : String(e)}`));
  }
  return decodeGraph(json);
}

const NodeId = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "NodeId");
const NodeJsonCodec = t.type(
  {
    id: NodeId,
    op: t.string,
    inputs: t.readonlyArray(NodeId, "NodeIds"),
    attrs: t.UnknownRecord,
    dtype: DTypeCodec,
    shape: ShapeCodec,
  },
  "NodeJson",
);

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Decodes a graph's JSON value: validated, rebuilt through `apply`, re-inferred and verified. Never throws. */
export function decodeGraph(json: unknown): Either<GraphgradError, Graph> {
  try {
    return decodeChecked(json);
  } catch (e) {
    // Unreachable on JSON input; here for values with throwing getters and the like.
    return left(new GraphgradError("(root)", `could not be read: ${e instanceof Error ? e.message : String(e)}`));
  }
}

function decodeChecked(json: unknown): Either<GraphgradError, Graph> {
  if (!t.UnknownRecord.is(json)) return failAt([], `expected a graph object {format, version, nodes, outputs}, got ${describeValue(json)}`);
  if (json.format !== GRAPH_FORMAT) return failAt(["format"], `expected ${JSON.stringify(GRAPH_FORMAT)}, got ${describeValue(json.format)}`);
  const version = json.version;
  if (version !== GRAPH_FORMAT_VERSION) {
    const newer = typeof version === "number" && version > GRAPH_FORMAT_VERSION;
    return failAt(
      ["version"],
      newer
        ? `unsupported version ${version}: this graphgrad reads version ${GRAPH_FORMAT_VERSION} (the file was written by a newer one)`
        : `expected ${GRAPH_FORMAT_VERSION}, got ${describeValue(version)}`,
    );
  }
  const rawNodes = json.nodes;
  if (!Array.isArray(rawNodes)) return failAt(["nodes"], `expected an array of nodes, got ${describeValue(rawNodes)}`);
  const rawOutputs = json.outputs;
  if (!t.UnknownRecord.is(rawOutputs)) return failAt(["outputs"], `expected an object {name: node id}, got ${describeValue(rawOutputs)}`);

  const byId = new Map<number, Node>();
  const indexOf = new Map<Node, number>();
  const inputNames = new Map<string, number>();
  const nodes: Node[] = [];
  for (let i = 0; i < rawNodes.length; i++) {
    const r = decodeNode(rawNodes[i], i, byId);
    if (r._tag === "Left") return r;
    const { id, node } = r.right;
    const twin = indexOf.get(node);
    if (twin !== undefined) return failAt(["nodes", i], `the same node as nodes[${twin}] (same op, operands and attributes)`);
    if (node.op === "input") {
      const other = inputNames.get(node.attrs.name);
      if (other !== undefined) return failAt(["nodes", i, "attrs", "name"], `input '${node.attrs.name}' is also nodes[${other}]`);
      inputNames.set(node.attrs.name, i);
    }
    byId.set(id, node);
    indexOf.set(node, i);
    nodes.push(node);
  }

  const outputs: [string, Node][] = [];
  for (const name of Object.keys(rawOutputs)) {
    const id = decodeAt(NodeId, rawOutputs[name], ["outputs", name]);
    if (id._tag === "Left") return id;
    const node = byId.get(id.right);
    if (node === undefined) return failAt(["outputs", name], `no node has id ${id.right}`);
    outputs.push([name, node]);
  }
  // fromEntries defines own properties, so an output named "__proto__" is just a name.
  const graph: Graph = { outputs: Object.fromEntries(outputs), nodes };
  const v = verify(graph);
  return v._tag === "Left" ? left(new GraphgradError("(graph)", v.left.message)) : right(graph);
}

/** One node: its fields, op, attributes and operands checked, then rebuilt and compared with its record. */
function decodeNode(raw: unknown, i: number, byId: ReadonlyMap<number, Node>, base: readonly PathSegment[] = ["nodes"]): Either<GraphgradError, { id: number; node: Node }> {
  const at = (...rest: PathSegment[]): PathSegment[] => [...base, i, ...rest];
  const r = decodeAt(NodeJsonCodec, raw, at());
  if (r._tag === "Left") return r;
  const { id, op: opName, inputs: inputIds, attrs: rawAttrs, dtype, shape } = r.right;
  if (byId.has(id)) return failAt(at("id"), `duplicate id ${id}`);
  if (!has(ATTR_CODECS, opName)) return failAt(at("op"), `unknown primitive ${describeValue(opName)}`);
  const op = opName as OpName;

  const attrs = decodeAttrs(op, rawAttrs, at("attrs"));
  if (attrs._tag === "Left") return attrs;

  const arity = OPS[op].arity;
  if (arity !== "variadic" && inputIds.length !== arity) return failAt(at("inputs"), `${op} takes ${arity} operand(s), got ${inputIds.length}`);
  const inputs: Node[] = [];
  for (let j = 0; j < inputIds.length; j++) {
    const x = byId.get(inputIds[j] as number);
    if (x === undefined) return failAt(at("inputs", j), `no earlier node has id ${inputIds[j]} (operands come before their users)`);
    inputs.push(x);
  }

  const built = apply(op, inputs, attrs.right);
  if (built._tag === "Left") return failAt(at(), built.left.message);
  const node = built.right;
  if (node.dtype !== dtype) return failAt(at("dtype"), `recorded as ${dtype}, but ${op} gives ${node.dtype}`);
  if (!shapesEqual(node.shape, shape)) return failAt(at("shape"), `recorded as ${formatShape(shape)}, but ${op} gives ${formatShape(node.shape)}`);
  return right({ id, node });
}

/** An op's attributes: no unknown keys, tagged numbers restored, subgraphs decoded, then its io-ts codec. */
function decodeAttrs(op: OpName, raw: { readonly [key: string]: unknown }, path: readonly PathSegment[]): Either<GraphgradError, OpAttrs[OpName]> {
  const codec = ATTR_CODECS[op];
  const known = Object.keys(codec.props);
  const restored: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) {
      const expected = known.length === 0 ? "none" : known.join(", ");
      return failAt([...path, k], `${op} has no attribute ${JSON.stringify(k)} (its attributes: ${expected})`);
    }
    const v = raw[k];
    const r = t.UnknownRecord.is(v) && has(v, GRAPH_TAG) ? decodeSubgraph(v[GRAPH_TAG], [...path, k, GRAPH_TAG]) : fromJsonValue(v, [...path, k]);
    if (r._tag === "Left") return r;
    restored[k] = r.right;
  }
  return decodeAt<OpAttrs[OpName]>(codec, restored, path);
}

/** A subgraph's JSON: its nodes rebuilt (as a graph's), its parameters inputs, and nothing but them read. */
function decodeSubgraph(raw: unknown, path: readonly PathSegment[]): Either<GraphgradError, Subgraph> {
  if (!t.UnknownRecord.is(raw) || !Array.isArray(raw.nodes) || !Array.isArray(raw.params) || !Array.isArray(raw.results)) {
    return failAt(path, `expected a subgraph {nodes, params, results}, got ${describeValue(raw)}`);
  }
  const byId = new Map<number, Node>();
  for (let i = 0; i < raw.nodes.length; i++) {
    const r = decodeNode(raw.nodes[i], i, byId, [...path, "nodes"]);
    if (r._tag === "Left") return r;
    byId.set(r.right.id, r.right.node);
  }
  const pick = (key: "params" | "results", ids: readonly unknown[]): Either<GraphgradError, Node[]> => {
    const out: Node[] = [];
    for (let j = 0; j < ids.length; j++) {
      const id = decodeAt(NodeId, ids[j], [...path, key, j]);
      if (id._tag === "Left") return id;
      const n = byId.get(id.right);
      if (n === undefined) return failAt([...path, key, j], `no node of the subgraph has id ${id.right}`);
      out.push(n);
    }
    return right(out);
  };
  const params = pick("params", raw.params);
  if (params._tag === "Left") return params;
  const results = pick("results", raw.results);
  if (results._tag === "Left") return results;
  for (const [j, p] of params.right.entries()) if (p.op !== "input") return failAt([...path, "params", j], `a parameter must be an input node, got ${p.op}`);
  const own = new Set(params.right);
  const free = toposort(results.right).find((n) => n.op === "input" && !own.has(n));
  if (free !== undefined) return failAt([...path, "results"], `the subgraph reads input '${(free as NodeOf<"input">).attrs.name}', which is not one of its parameters`);
  return right({ params: params.right as NodeOf<"input">[], results: results.right });
}
