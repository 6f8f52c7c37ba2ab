import { create, toBinary } from "@bufbuild/protobuf";
import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { type Graph, graphOf } from "../../ir/graph.js";
import { canonical, type Node, toposort } from "../../ir/node.js";
import type { Shape } from "../../ir/shape.js";
import { Expr } from "../expr.js";
import { type AttrValue, AttrValueSchema } from "./proto/tensorboard/compat/proto/attr_value_pb.js";
import { GraphDefSchema } from "./proto/tensorboard/compat/proto/graph_pb.js";
import { type NodeDef, NodeDefSchema } from "./proto/tensorboard/compat/proto/node_def_pb.js";
import { type TensorShapeProto, TensorShapeProtoSchema } from "./proto/tensorboard/compat/proto/tensor_shape_pb.js";
import { DataType } from "./proto/tensorboard/compat/proto/types_pb.js";

/**
 * A graphgrad graph as a TensorFlow `GraphDef`, for TensorBoard's graph tab. Each IR node becomes a
 * NodeDef: inputs and parameters are named by their own names (op `input` / `param`), every other
 * node by its op (`matmul`, `matmul_1`, ...), and each named output is a node of op `output` named
 * after it. Attributes: `dtype`, `_output_shapes` (a symbolic dimension has size -1 and its symbol
 * as the name) and the op's own attributes (long lists shortened).
 */

export type GraphSource = Graph | Readonly<Record<string, Expr>>;

const DATA_TYPES: Readonly<Record<DType, DataType>> = { float32: DataType.DT_FLOAT, float64: DataType.DT_DOUBLE, int32: DataType.DT_INT32, bool: DataType.DT_BOOL };
/** Lists longer than this are written as a short text (a literal's values can be large). */
const MAX_LIST = 16;

function isGraph(g: GraphSource): g is Graph {
  return Array.isArray((g as { nodes?: unknown }).nodes) && typeof (g as { outputs?: unknown }).outputs === "object";
}

/** The graph of a `Graph` or of named output expressions. */
export function toGraph(source: GraphSource, where: string): Graph {
  if (isGraph(source)) return source;
  const outputs: Record<string, Node> = {};
  for (const [name, e] of Object.entries(source)) {
    if (!(e instanceof Expr)) throw new GraphgradError(where, `output '${name}' is not an Expr (pass a Graph or a record of Exprs)`);
    outputs[name] = e.node;
  }
  return graphOf(outputs);
}

function shapeProto(shape: Shape): TensorShapeProto {
  return create(TensorShapeProtoSchema, { dim: shape.map((d) => (typeof d === "number" ? { size: BigInt(d) } : { size: -1n, name: d })) });
}

const text = (s: string): AttrValue => create(AttrValueSchema, { value: { case: "s", value: new TextEncoder().encode(s) } });

/** An op attribute as the closest AttrValue: integers, floats, booleans, strings, lists of them; anything else as text. */
function attrValue(v: unknown): AttrValue {
  if (typeof v === "boolean") return create(AttrValueSchema, { value: { case: "b", value: v } });
  if (typeof v === "string") return text(v);
  if (typeof v === "number") {
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? create(AttrValueSchema, { value: { case: "i", value: BigInt(v) } }) : create(AttrValueSchema, { value: { case: "f", value: v } });
  }
  if (Array.isArray(v) && v.length <= MAX_LIST && v.every((x) => typeof x === "number")) {
    const nums = v as readonly number[];
    return nums.every((x) => Number.isSafeInteger(x) && !Object.is(x, -0))
      ? create(AttrValueSchema, { value: { case: "list", value: { i: nums.map((x) => BigInt(x)) } } })
      : create(AttrValueSchema, { value: { case: "list", value: { f: [...nums] } } });
  }
  if (Array.isArray(v) && v.length > MAX_LIST) return text(`${canonical(v.slice(0, MAX_LIST)).slice(0, -1)},... (${v.length} values)]`);
  return text(canonical(v));
}

/** Unique names: `base`, or `base_1`, `base_2`, ... when taken. */
function namer(): (base: string) => string {
  const taken = new Set<string>();
  return (base) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
}

export function graphDefOf(g: Graph): NodeDef[] {
  const nodes = toposort([...g.nodes, ...Object.values(g.outputs)]);
  const unique = namer();
  const names = new Map<Node, string>();
  // Inputs and outputs first, so that they keep the names the user gave them.
  for (const n of nodes) if (n.op === "input") names.set(n, unique(n.attrs.name));
  const outputNames = Object.keys(g.outputs).map(unique);
  for (const n of nodes) if (n.op !== "input") names.set(n, unique(n.op));
  const defs: NodeDef[] = nodes.map((n) => {
    const attr: Record<string, AttrValue> = {
      dtype: create(AttrValueSchema, { value: { case: "type", value: DATA_TYPES[n.dtype] } }),
      _output_shapes: create(AttrValueSchema, { value: { case: "list", value: { shape: [shapeProto(n.shape)] } } }),
    };
    for (const [k, v] of Object.entries(n.attrs)) if (k !== "dtype") attr[k] = attrValue(v);
    const op = n.op === "input" ? n.attrs.kind : n.op;
    return create(NodeDefSchema, { name: names.get(n) as string, op, input: n.inputs.map((x) => names.get(x) as string), attr });
  });
  Object.values(g.outputs).forEach((n, i) => {
    defs.push(create(NodeDefSchema, { name: outputNames[i] as string, op: "output", input: [names.get(n) as string], attr: { dtype: create(AttrValueSchema, { value: { case: "type", value: DATA_TYPES[n.dtype] } }) } }));
  });
  return defs;
}

/** The serialized GraphDef of a graph. */
export function encodeGraphDef(g: Graph): Uint8Array {
  return toBinary(GraphDefSchema, create(GraphDefSchema, { node: graphDefOf(g) }));
}
