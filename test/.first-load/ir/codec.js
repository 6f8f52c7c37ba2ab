import { left, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { apply } from "./build.js";
import { DTypeCodec } from "./dtype.js";
import { GraphgradError } from "./errors.js";
import { decodeAt, describeValue, failAt, fromJsonValue, toJsonValue } from "./json.js";
import { toposort } from "./node.js";
import { ATTR_CODECS } from "./ops/attrs.js";
import { OPS } from "./ops/index.js";
import { verify } from "./passes/verify.js";
import { formatShape, ShapeCodec, shapesEqual } from "./shape.js";
const GRAPH_FORMAT = "graphgrad.graph";
const GRAPH_FORMAT_VERSION = 1;
function nodesOf(g) {
  return toposort([...g.nodes, ...Object.values(g.outputs)]);
}
function encodeGraph(g) {
  const nodes = nodesOf(g);
  const ids = new Map(nodes.map((n, i) => [n, i]));
  const idOf = (n) => ids.get(n);
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_FORMAT_VERSION,
    nodes: nodes.map((n, i) => ({
      id: i,
      op: n.op,
      inputs: n.inputs.map(idOf),
      attrs: toJsonValue(n.attrs),
      dtype: n.dtype,
      shape: [...n.shape]
    })),
    outputs: Object.fromEntries(Object.entries(g.outputs).map(([name, n]) => [name, idOf(n)]))
  };
}
function graphToJsonString(g) {
  const j = encodeGraph(g);
  const head = `{"format":${JSON.stringify(j.format)},"version":${j.version},"nodes":[`;
  const body = j.nodes.map((n) => `  ${JSON.stringify(n)}`).join(",\n");
  return `${head}${body === "" ? "" : `
${body}
`}],"outputs":${JSON.stringify(j.outputs)}}
`;
}
function graphFromJsonString(text) {
  if (typeof text !== "string") return failAt([], `expected JSON text, got ${describeValue(text)}`);
  let json;
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
    shape: ShapeCodec
  },
  "NodeJson"
);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
function decodeGraph(json) {
  try {
    return decodeChecked(json);
  } catch (e) {
    return left(new GraphgradError("(root)", `could not be read: ${e instanceof Error ? e.message : String(e)}`));
  }
}
function decodeChecked(json) {
  if (!t.UnknownRecord.is(json)) return failAt([], `expected a graph object {format, version, nodes, outputs}, got ${describeValue(json)}`);
  if (json.format !== GRAPH_FORMAT) return failAt(["format"], `expected ${JSON.stringify(GRAPH_FORMAT)}, got ${describeValue(json.format)}`);
  const version = json.version;
  if (version !== GRAPH_FORMAT_VERSION) {
    const newer = typeof version === "number" && version > GRAPH_FORMAT_VERSION;
    return failAt(
      ["version"],
      newer ? `unsupported version ${version}: this graphgrad reads version ${GRAPH_FORMAT_VERSION} (the file was written by a newer one)` : `expected ${GRAPH_FORMAT_VERSION}, got ${describeValue(version)}`
    );
  }
  const rawNodes = json.nodes;
  if (!Array.isArray(rawNodes)) return failAt(["nodes"], `expected an array of nodes, got ${describeValue(rawNodes)}`);
  const rawOutputs = json.outputs;
  if (!t.UnknownRecord.is(rawOutputs)) return failAt(["outputs"], `expected an object {name: node id}, got ${describeValue(rawOutputs)}`);
  const byId = /* @__PURE__ */ new Map();
  const indexOf = /* @__PURE__ */ new Map();
  const inputNames = /* @__PURE__ */ new Map();
  const nodes = [];
  for (let i = 0; i < rawNodes.length; i++) {
    const r = decodeNode(rawNodes[i], i, byId);
    if (r._tag === "Left") return r;
    const { id, node } = r.right;
    const twin = indexOf.get(node);
    if (twin !== void 0) return failAt(["nodes", i], `the same node as nodes[${twin}] (same op, operands and attributes)`);
    if (node.op === "input") {
      const other = inputNames.get(node.attrs.name);
      if (other !== void 0) return failAt(["nodes", i, "attrs", "name"], `input '${node.attrs.name}' is also nodes[${other}]`);
      inputNames.set(node.attrs.name, i);
    }
    byId.set(id, node);
    indexOf.set(node, i);
    nodes.push(node);
  }
  const outputs = [];
  for (const name of Object.keys(rawOutputs)) {
    const id = decodeAt(NodeId, rawOutputs[name], ["outputs", name]);
    if (id._tag === "Left") return id;
    const node = byId.get(id.right);
    if (node === void 0) return failAt(["outputs", name], `no node has id ${id.right}`);
    outputs.push([name, node]);
  }
  const graph = { outputs: Object.fromEntries(outputs), nodes };
  const v = verify(graph);
  return v._tag === "Left" ? left(new GraphgradError("(graph)", v.left.message)) : right(graph);
}
function decodeNode(raw, i, byId) {
  const at = (...rest) => ["nodes", i, ...rest];
  const r = decodeAt(NodeJsonCodec, raw, at());
  if (r._tag === "Left") return r;
  const { id, op: opName, inputs: inputIds, attrs: rawAttrs, dtype, shape } = r.right;
  if (byId.has(id)) return failAt(at("id"), `duplicate id ${id}`);
  if (!has(ATTR_CODECS, opName)) return failAt(at("op"), `unknown primitive ${describeValue(opName)}`);
  const op = opName;
  const attrs = decodeAttrs(op, rawAttrs, at("attrs"));
  if (attrs._tag === "Left") return attrs;
  const arity = OPS[op].arity;
  if (arity !== "variadic" && inputIds.length !== arity) return failAt(at("inputs"), `${op} takes ${arity} operand(s), got ${inputIds.length}`);
  const inputs = [];
  for (let j = 0; j < inputIds.length; j++) {
    const x = byId.get(inputIds[j]);
    if (x === void 0) return failAt(at("inputs", j), `no earlier node has id ${inputIds[j]} (operands come before their users)`);
    inputs.push(x);
  }
  const built = apply(op, inputs, attrs.right);
  if (built._tag === "Left") return failAt(at(), built.left.message);
  const node = built.right;
  if (node.dtype !== dtype) return failAt(at("dtype"), `recorded as ${dtype}, but ${op} gives ${node.dtype}`);
  if (!shapesEqual(node.shape, shape)) return failAt(at("shape"), `recorded as ${formatShape(shape)}, but ${op} gives ${formatShape(node.shape)}`);
  return right({ id, node });
}
function decodeAttrs(op, raw, path) {
  const codec = ATTR_CODECS[op];
  const known = Object.keys(codec.props);
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) {
      const expected = known.length === 0 ? "none" : known.join(", ");
      return failAt([...path, k], `${op} has no attribute ${JSON.stringify(k)} (its attributes: ${expected})`);
    }
  }
  const restored = fromJsonValue(raw, path);
  if (restored._tag === "Left") return restored;
  return decodeAt(codec, restored.right, path);
}
export {
  GRAPH_FORMAT,
  GRAPH_FORMAT_VERSION,
  decodeGraph,
  encodeGraph,
  graphFromJsonString,
  graphToJsonString
};
